package workbench

// Events carries what the workbench pushes to the UI: the Wails window
// (app) and the browser server (package server) each implement it.
type Events interface {
	Emit(name string, data any)
}

// Event names; each has one payload type.
const (
	EventCell     = "cell"     // CellEvent: a cell changed status
	EventProgress = "progress" // ProgressEvent: at most every 100 ms per running cell
	EventRun      = "run"      // RunEvent: a run ended
	EventPull     = "pull"     // PullEvent: a Docker image is being pulled
	EventOutput   = "output"   // OutputEvent: a running Python cell's output
	EventAccount  = "account"  // Account: the company sign-in changed
)

// OutputEvent carries one output of a running Python cell as the kernel
// sent it: a stream chunk (append it to a directly preceding stream of the
// same name), a display, or {"output_type": "clear_output"}.
type OutputEvent struct {
	Session string         `json:"session"`
	CellID  string         `json:"cellId"`
	Output  map[string]any `json:"output"`
}

// PullEvent reports the progress of pulling a kernel image; Percent is -1
// until the sizes are known.
type PullEvent struct {
	Image   string  `json:"image"`
	Status  string  `json:"status"`
	Percent float64 `json:"percent"`
}

// Cell statuses, as the UI's state machine knows them.
const (
	StatusQueued   = "queued"
	StatusRunning  = "running"
	StatusDone     = "done"
	StatusError    = "error"
	StatusCanceled = "canceled"
	StatusSkipped  = "skipped" // an earlier cell failed
)

// CellEvent reports a cell's new status; Output is set when it finished.
type CellEvent struct {
	Session   string      `json:"session"`
	RunID     string      `json:"runId"`
	CellID    string      `json:"cellId"`
	Status    string      `json:"status"`
	ElapsedMs int64       `json:"elapsedMs"`
	Output    *CellOutput `json:"output,omitempty"`
	// ExecutionCount numbers the cell's run in the session (Jupyter's
	// In [n]), once it runs.
	ExecutionCount int `json:"executionCount,omitempty"`
}

// ProgressEvent reports a running cell's progress; Percent is -1 when
// DuckDB cannot estimate it (the UI then shows the elapsed time).
type ProgressEvent struct {
	Session   string  `json:"session"`
	RunID     string  `json:"runId"`
	CellID    string  `json:"cellId"`
	Percent   float64 `json:"percent"`
	ElapsedMs int64   `json:"elapsedMs"`
	// Downloaded of DownloadTotal bytes of S3 objects are fetched for the
	// cell (Percent is -1 meanwhile).
	Downloaded    int64 `json:"downloaded,omitempty"`
	DownloadTotal int64 `json:"downloadTotal,omitempty"`
	// Detail is a cluster's own account: its stages and tasks.
	Detail string `json:"detail,omitempty"`
}

// RunEvent reports the end of a run.
type RunEvent struct {
	Session string `json:"session"`
	RunSummary
}

// discard drops events, for callers that do not listen.
type discard struct{}

func (discard) Emit(string, any) {}
