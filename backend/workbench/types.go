package workbench

import (
	"encoding/json"
	"time"

	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/outputs"
	"smallfry/backend/runner"
)

// Info describes the workbench for the start screen.
type Info struct {
	Version      string          `json:"version"`
	WorkspaceDir string          `json:"workspaceDir"`
	Notebooks    []NotebookEntry `json:"notebooks"`
	// Folders are the folders under notebooks/, empty ones too.
	Folders []string `json:"folders"`
}

// NotebookEntry is a notebook file of the workspace.
type NotebookEntry struct {
	Path     string    `json:"path"` // relative to notebooks/, slash-separated
	Name     string    `json:"name"` // file name without .ipynb
	Modified time.Time `json:"modified"`
	Bytes    int64     `json:"bytes"`
}

// SavedNotebook is a notebook just saved. When the save had to repair the
// cells (a result name used twice, a second parameters cell, a tag with a
// comma, an invalid id), Repairs says what changed and Cells are the cells
// as saved, for the editor to take.
type SavedNotebook struct {
	NotebookEntry
	Cells   []CellData `json:"cells,omitempty"`
	Repairs []string   `json:"repairs,omitempty"`
}

// CellData is a cell as saved in the notebook: what the editor edits.
// Runtime state (status, outputs, timings) is kept apart, in CellState.
type CellData struct {
	ID     string   `json:"id"`
	Kind   string   `json:"kind"` // sql, python, markdown, raw
	Source string   `json:"source"`
	Name   string   `json:"name,omitempty"` // a SQL cell's result name
	Tags   []string `json:"tags,omitempty"`
	// Chart is a Vega-Lite spec over the cell's named result, or nil.
	Chart map[string]any `json:"chart,omitempty"`
	// Engine is what runs a SQL cell: "" the notebook's default, "duckdb"
	// this laptop, else a cluster's name (metadata.smallfry.engine).
	Engine string `json:"engine,omitempty"`
	// Collapsed hides a code cell's output (saved as JupyterLab saves it,
	// metadata.jupyter.outputs_hidden).
	Collapsed bool `json:"collapsed,omitempty"`
}

// OpenedNotebook is a notebook opened in a session.
type OpenedNotebook struct {
	Session  string     `json:"session"` // the id later calls name
	Path     string     `json:"path"`
	Cells    []CellData `json:"cells"`
	ReadOnly bool       `json:"readOnly,omitempty"` // a run's output notebook
	// Outputs are the cells' outputs of the last run (by cell id), from the
	// run history: results the grid shows as a preview until rerun.
	Outputs map[string]*CellOutput `json:"outputs,omitempty"`
	// Recovered is set when unsaved edits were found from a session that
	// ended without saving (a crash): Cells then hold those edits.
	Recovered *Recovery `json:"recovered,omitempty"`
	// Runtime is where the notebook's Python cells run.
	Runtime Runtime `json:"runtime"`
	// Repairs says what was changed in Cells so that the notebook opens
	// (as a save repairs it); the file changes when the notebook is saved.
	Repairs []string `json:"repairs,omitempty"`
	// States are the cells' last statuses, timings and execution counts
	// (by cell id): the session's own when Resumed, else the last run's
	// record's (a cell it skipped is "skipped": not run).
	States map[string]*CellState `json:"states,omitempty"`
	// Resumed is set when the notebook's session was still open (the user
	// switched away and back): Outputs then hold its live results.
	Resumed bool `json:"resumed,omitempty"`
	// Unsaved is set when Cells differ from the notebook file: an autosave
	// draft was applied (after a crash, Recovered says when it was saved).
	Unsaved bool `json:"unsaved,omitempty"`
	// Publish is a published notebook's place on the schedule as its file
	// has it, Airflow not asked (PublishState adds what Airflow says), so
	// the first screen shows its publish line at once.
	Publish *PublishState `json:"publish,omitempty"`
}

// CellState is what a cell last did: its status (done, error, canceled,
// skipped, or queued and running while a run goes on), how long it took
// (-1 when unknown: it ran in an earlier run than the one read) and its
// execution count, 0 when it has none.
type CellState struct {
	Status         string `json:"status"`
	ElapsedMs      int64  `json:"elapsedMs"`
	ExecutionCount int    `json:"executionCount,omitempty"`
}

// Recovery describes edits restored from the autosave draft.
type Recovery struct {
	SavedAt time.Time `json:"savedAt"`
}

// CellOutput is what a cell last produced.
type CellOutput struct {
	Result *ResultRef `json:"result,omitempty"` // a table in the session
	// Preview holds rows when there is no live table (outputs from the run
	// history): columns and the first rows, JSON values.
	Preview *Preview `json:"preview,omitempty"`
	Text    string   `json:"text,omitempty"` // statement summaries, save-to-lake notes
	// Jupyter holds a Python cell's outputs as the kernel gave them (nbformat
	// v4: stream, display_data, execute_result, error), for the UI to render.
	Jupyter []json.RawMessage `json:"jupyter,omitempty"`
	// Chart is the chart the run drew, a Vega-Lite spec with its rows
	// inline, when there is no live table to draw the cell's spec over.
	Chart json.RawMessage `json:"chart,omitempty"`
	Error *CellErr        `json:"error,omitempty"`
	// Estimate is what a local SQL cell was expected to read of the S3 lake.
	Estimate *runner.Estimate `json:"estimate,omitempty"`
	// Engine ran the cell: "duckdb" or a cluster's name, with the Spark
	// operation id and the bytes it sent back.
	Engine        string `json:"engine,omitempty"`
	Operation     string `json:"operation,omitempty"`
	BytesReturned int64  `json:"bytesReturned,omitempty"`
	ElapsedMs     int64  `json:"elapsedMs"`
}

// ResultRef is a result table the grid fetches windows from.
type ResultRef struct {
	Schema  string          `json:"schema,omitempty"`
	Table   string          `json:"table"`
	Columns []duckdb.Column `json:"columns"`
	Rows    int64           `json:"rows"`
}

// Preview is a result's first rows, kept in an output notebook.
type Preview = outputs.Preview

// CellErr is a failed cell's error, placed on its line when known.
type CellErr struct {
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	// Offload is set when the cell would download more of the S3 lake than
	// the threshold: the UI offers "Run on cluster" and "Download anyway".
	Offload *OffloadOffer `json:"offload,omitempty"`
}

// OffloadOffer is a cell that should rather run on a cluster.
type OffloadOffer struct {
	ToDownload int64    `json:"toDownload"`
	Bytes      int64    `json:"bytes"`
	Threshold  int64    `json:"threshold"`
	Clusters   []string `json:"clusters"`
}

// RunRequest runs some cells of an open notebook. Cells is the editor's
// current content (runs use what the user sees, saved or not); Run lists
// the ids to run, in order.
type RunRequest struct {
	Cells  []CellData        `json:"cells"`
	Run    []string          `json:"run"`
	Params map[string]string `json:"params,omitempty"`
	// Download lists cells to run locally even over the offload threshold
	// ("Download anyway").
	Download []string `json:"download,omitempty"`
}

// RunSummary is the final status of a run.
type RunSummary struct {
	RunID      string `json:"runId"`
	Status     string `json:"status"` // ok, failed, canceled
	Error      string `json:"error,omitempty"`
	DurationMs int64  `json:"durationMs"`
}

// WindowRequest asks for rows of a result.
type WindowRequest struct {
	Schema  string           `json:"schema,omitempty"`
	Table   string           `json:"table"`
	Offset  int64            `json:"offset"`
	Limit   int64            `json:"limit"`
	Sort    []duckdb.SortKey `json:"sort,omitempty"`
	Filters []duckdb.Filter  `json:"filters,omitempty"`
}

// WindowResult is rows of a result as an Arrow IPC stream.
type WindowResult struct {
	Offset int64  `json:"offset"`
	Total  int64  `json:"total"` // rows after filtering
	Arrow  []byte `json:"arrow"` // base64 in JSON
}

// Completions are the names the SQL editor completes.
type Completions struct {
	Tables []CompletionTable `json:"tables"`
}

// CompletionTable is a table, view or named result with its columns.
type CompletionTable struct {
	Schema  string   `json:"schema,omitempty"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // lake, raw, result
	Columns []string `json:"columns"`
}

// ExportRequest writes a result to a file.
type ExportRequest struct {
	Schema  string           `json:"schema,omitempty"`
	Table   string           `json:"table"`
	Format  string           `json:"format"` // csv or parquet
	Sort    []duckdb.SortKey `json:"sort,omitempty"`
	Filters []duckdb.Filter  `json:"filters,omitempty"`
}

// Runtime says where a notebook's Python cells run.
type Runtime struct {
	// Docker is the image Python runs in; "" runs a local kernel.
	Docker string `json:"docker,omitempty"`
	// Engine is the notebook's default engine for SQL cells: "" this
	// laptop's DuckDB, else a cluster's name.
	Engine string `json:"engine,omitempty"`
}

// Exported says where an export went.
type Exported struct {
	Path string `json:"path"` // absolute
	Rows int64  `json:"rows"`
}

// Dataset is a lake catalog entry.
type Dataset = lake.Dataset
