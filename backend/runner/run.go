package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"smallfry/backend"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
	"smallfry/backend/outputs"
	"smallfry/backend/params"
	"smallfry/backend/runs"
)

// Options tune one run.
type Options struct {
	Params map[string]string // name=value as typed on the command line
	Mode   string            // "headless" or "interactive"
	Warn   func(string)      // warnings for the user; nil drops them
	// OnBegin, when set, hears the run's id once its record exists.
	OnBegin func(runID string)
	// OnStart, when set, hears each cell as it starts (Status is Running).
	OnStart func(CellEvent)
	// OnProgress, when set, hears a running cell's progress, at most
	// every 100 ms.
	OnProgress func(cellID string, p duckdb.Progress)
	// OnCell, when set, hears each cell as it finishes, or is skipped
	// after an earlier failure.
	OnCell func(CellEvent)
	// OnOutput, when set, hears a running Python cell's outputs as they
	// arrive (stream chunks, images), for a live view.
	OnOutput func(cellID string, out kernel.Output)
	// Python gives the Python side Python cells run on. It is called when
	// the first Python cell runs, never before: a notebook whose cells are
	// all SQL runs with no Python and no Docker at all. nil means Python
	// cells cannot run. The caller owns what it returns.
	Python func(ctx context.Context, runID string) (Python, error)
	// Engines are the SQL engines cells may name (metadata.smallfry.engine)
	// besides the session's own DuckDB.
	Engines map[string]Engine
	// Engine is the engine of SQL cells that name none, before the
	// notebook's metadata.smallfry.engine; "" is the session's own DuckDB.
	Engine string
	// Offload, when set, offers a cluster for local cells that would
	// download too much of the S3 lake.
	Offload *Offload
	// Scheduled, on a run Airflow started (Mode "scheduled"), names it in
	// the record.
	Scheduled *runs.Scheduled
	// Output is the file the output notebook is also written to (-o), for
	// metadata.papermill.output_path; "" names the run history's copy.
	Output string
	// Count, when set, gives each cell that runs its execution count: an
	// interactive session numbers its runs as a kernel does, across runs.
	// nil numbers the run's cells from 1, as papermill does.
	Count func() int
}

// CellEvent reports one cell.
type CellEvent struct {
	Index, Of int // 1-based position among the cells that run
	ID        string
	Label     string
	Status    string
	Duration  time.Duration
	Rows      int64
	Result    *duckdb.Result // a SQL cell's live result in the session, if any
	Text      string         // a SQL cell's notes: statement summary, lake save
	Err       error          // the cell's own error, placed and worded for the user
	Count     int            // its execution count; 0 when it did not run
}

// Outcome is a finished run: its record and output notebook. Err is the
// failing cell's error (also in the record and the notebook), nil on success.
type Outcome struct {
	Record *runs.Record
	Output *notebook.Notebook
	Err    error
}

// Run runs a notebook from top to bottom on session s, as papermill would:
// the parameters are injected after the cell tagged "parameters", every
// cell's output and timing go into the output notebook (nb itself, its
// code cells' earlier outputs cleared first), and the first failing cell
// stops the run, with papermill's banner cells pointing at it. path names
// the notebook file, for the record and messages. Problems found before
// anything runs (an invalid notebook, bad parameters) are returned as
// errors and leave no record.
func Run(ctx context.Context, env Env, s Session, nb *notebook.Notebook, path string, opts Options) (*Outcome, error) {
	if err := nb.Validate(); err != nil {
		return nil, err
	}
	ps, err := injectParameters(nb, opts)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "%s: %w", filepath.Base(path), err)
	}
	removeErrorBanners(nb)
	for _, c := range nb.Cells {
		if c.Kind.IsCode() {
			c.SetOutputs(nil)
			c.SetExecutionCount(nil)
		}
	}
	r := &run{env: env, nb: nb, path: path, opts: opts, params: ps, session: s, whole: true}
	return r.execute(ctx)
}

// RunCells runs some cells of an open notebook on the caller's session, as
// the UI does: the cells listed by id, in notebook order, each seeing what
// earlier runs left in the session. Parameters come from the parameters
// cell as written (nothing is injected). The cells' outputs are set on nb,
// whose other cells keep theirs, and nb becomes the run's output notebook.
// path names the notebook file, for the record and messages.
func RunCells(ctx context.Context, env Env, s Session, nb *notebook.Notebook, path string, ids []string, opts Options) (*Outcome, error) {
	ps, err := injectParameters(nb, Options{})
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "%s: %w", filepath.Base(path), err)
	}
	only := make(map[string]bool, len(ids))
	for _, id := range ids {
		if nb.Cell(id) == nil {
			return nil, backend.Errorf(backend.ENOTFOUND, "%s has no cell %q", filepath.Base(path), id)
		}
		only[id] = true
	}
	if opts.Mode == "" {
		opts.Mode = "interactive"
	}
	r := &run{env: env, nb: nb, path: path, opts: opts, params: ps, session: s, only: only}
	return r.execute(ctx)
}

type run struct {
	env    Env
	nb     *notebook.Notebook
	path   string
	opts   Options
	params *runParams
	rec    *runs.Record

	session Session
	only    map[string]bool // the cells to run; nil runs all
	whole   bool            // a headless run of the whole notebook, as papermill's
	py      Python          // the Python side, once a Python cell needed it
	stopped bool            // a cell called sys.exit(0): the run ends there, successfully
	failed  *notebook.Cell  // the cell that failed the run, if one did
}

func (r *run) execute(ctx context.Context) (*Outcome, error) {
	rel := r.path
	if p, err := filepath.Rel(r.env.Root, r.path); err == nil && !strings.HasPrefix(p, "..") {
		rel = filepath.ToSlash(p)
	}
	mode := r.opts.Mode
	if mode == "" {
		mode = "headless"
	}
	r.rec = &runs.Record{Notebook: rel, Mode: mode, Parameters: params.JSON(r.params.values), Reads: []string{}, Writes: []string{}, Scheduled: r.opts.Scheduled}
	if err := r.env.Runs.Start(r.rec); err != nil {
		return nil, err
	}
	if r.opts.OnBegin != nil {
		r.opts.OnBegin(r.rec.ID)
	}
	failure := r.cells(ctx)
	r.rec.Status = runs.OK
	switch {
	case failure != nil && errors.Is(failure, context.Canceled):
		r.rec.Status, r.rec.Error = runs.Canceled, backend.ErrorMessage(failure)
	case failure != nil:
		r.rec.Status, r.rec.Error = runs.Failed, backend.ErrorMessage(failure)
	}
	if r.whole && r.failed != nil {
		addErrorBanners(r.nb, r.failed)
	}
	r.stamp(time.Now())
	out, err := r.nb.Marshal()
	if err != nil {
		return nil, fmt.Errorf("write output notebook: %w", err)
	}
	if err := r.env.Runs.Finish(r.rec, out); err != nil {
		return nil, err
	}
	return &Outcome{Record: r.rec, Output: r.nb, Err: failure}, nil
}

func (r *run) cells(ctx context.Context) error {
	runnable := 0
	for _, c := range r.nb.Cells {
		if r.runs(c) {
			runnable++
		}
	}
	count, n := 0, 0
	var failure error
	for i, c := range r.nb.Cells {
		if !r.runs(c) {
			// papermill walks every cell: markdown and the parameters cells
			// are done when reached (the parameters cells numbered as run),
			// pending after a failure.
			if r.whole {
				if failure != nil || r.stopped {
					c.SetMetadata("papermill", pendingCell)
				} else {
					c.SetMetadata("papermill", cellTimes(time.Now(), 0, "completed", false))
					if c.Kind.IsCode() {
						count++
						c.SetExecutionCount(&count)
					}
				}
			}
			continue
		}
		n++
		label := cellLabel(i, c)
		if failure != nil || r.stopped {
			r.recordCell(i, c, runs.Skipped, 0, 0, "")
			c.SetMetadata("papermill", pendingCell)
			// What an earlier run left no longer follows from the cells above.
			c.SetOutputs(nil)
			c.SetExecutionCount(nil)
			if r.opts.OnCell != nil {
				r.opts.OnCell(CellEvent{Index: n, Of: runnable, ID: c.ID, Label: label, Status: runs.Skipped})
			}
			continue
		}
		count++
		exec := count
		if r.opts.Count != nil {
			exec = r.opts.Count()
		}
		if r.opts.OnStart != nil {
			r.opts.OnStart(CellEvent{Index: n, Of: runnable, ID: c.ID, Label: label, Status: runs.Running, Count: exec})
		}
		start := time.Now()
		res, text, err := r.cell(ctx, c, exec)
		dur := time.Since(start)
		status := runs.OK
		var cellErr error
		if err != nil {
			status = runs.Failed
			failure = r.cellError(i, c, err)
			cellErr = failure
			r.failed = c
			var pe *PythonError
			var dk *DeadKernelError
			switch {
			case errors.As(err, &pe): // its outputs hold the traceback
			case errors.As(err, &dk): // what the cell printed before, then how it ended
				c.SetOutputs(append(dk.Outputs, errorOutputFor(failure, err)))
			default:
				c.SetOutputs([]any{errorOutputFor(failure, err)})
			}
			if errors.Is(err, context.Canceled) {
				status = runs.Canceled
			}
		}
		var rows int64
		if res != nil {
			rows = res.Rows
		}
		c.SetExecutionCount(&exec)
		c.SetMetadata("papermill", cellTimes(start, dur, map[bool]string{true: "completed", false: "failed"}[err == nil], err != nil))
		r.recordCell(i, c, status, dur, rows, backend.ErrorMessage(failure))
		r.recordEngine(c, res)
		if r.opts.OnCell != nil {
			r.opts.OnCell(CellEvent{Index: n, Of: runnable, ID: c.ID, Label: label, Status: status, Duration: dur, Rows: rows, Result: res, Text: text, Err: cellErr, Count: exec})
		}
	}
	return failure
}

// runs tells the cells this run executes: code cells except the parameters
// cells, whose values are bound as $name instead; of those, the ones asked for.
func (r *run) runs(c *notebook.Cell) bool {
	if c.Kind == notebook.KindMarkdown || c.Kind == notebook.KindRaw || c.IsParameters() || c.IsInjectedParameters() {
		return false
	}
	return r.only == nil || r.only[c.ID]
}

func (r *run) recordCell(i int, c *notebook.Cell, status string, dur time.Duration, rows int64, errMsg string) {
	rc := runs.Cell{Index: i, ID: c.ID, Name: c.Name, Kind: string(c.Kind), Status: status, DurationMs: dur.Milliseconds(), Rows: rows}
	if status == runs.Failed {
		rc.Error = errMsg
	}
	r.rec.Cells = append(r.rec.Cells, rc)
}

// recordEngine notes in the record what ran a SQL cell.
func (r *run) recordEngine(c *notebook.Cell, res *duckdb.Result) {
	if c.Kind != notebook.KindSQL || len(r.rec.Cells) == 0 {
		return
	}
	rc := &r.rec.Cells[len(r.rec.Cells)-1]
	rc.Engine = r.engineName(c)
	if res != nil && res.Engine != "" {
		rc.Engine, rc.Operation, rc.BytesReturned = res.Engine, res.Operation, res.BytesReturned
	}
}

func cellLabel(i int, c *notebook.Cell) string {
	if c.Name != "" {
		return fmt.Sprintf("cell %d (%s)", i+1, c.Name)
	}
	return fmt.Sprintf("cell %d", i+1)
}

// cell runs one cell and sets its outputs; it returns a SQL cell's result
// and notes.
func (r *run) cell(ctx context.Context, c *notebook.Cell, count int) (*duckdb.Result, string, error) {
	switch c.Kind {
	case notebook.KindSQL:
		if r.py != nil {
			defer r.py.SQLRan()
		}
		return r.sql(ctx, c, count)
	case notebook.KindPython:
		return nil, "", r.python(ctx, c)
	}
	return nil, "", backend.Errorf(backend.EINVALID, "%s cells cannot run: this notebook's kernel language is not Python", c.Kind)
}

// engine is the engine a SQL cell names.
func (r *run) engine(c *notebook.Cell) (Engine, error) {
	name := r.engineName(c)
	if name == "duckdb" {
		return r.session, nil
	}
	if e, ok := r.opts.Engines[name]; ok {
		return e, nil
	}
	return nil, backend.Errorf(backend.EINVALID, "the cell runs on engine %q, which is not set up here (the notebook's own DuckDB is \"duckdb\"; clusters come from the company settings)", name)
}

// engineName is the engine a SQL cell runs on: its own, else the
// notebook's, else the session's ("duckdb").
func (r *run) engineName(c *notebook.Cell) string {
	for _, name := range []string{c.Meta.Engine, r.opts.Engine, r.nb.Meta.Engine} {
		if name != "" {
			return name
		}
	}
	return "duckdb"
}

func (r *run) sql(ctx context.Context, c *notebook.Cell, count int) (*duckdb.Result, string, error) {
	engine, err := r.engine(c)
	if err != nil {
		return nil, "", err
	}
	if engine == Engine(r.session) {
		if err := r.checkOffload(ctx, c); err != nil {
			return nil, "", err
		}
	}
	var progress func(duckdb.Progress)
	if r.opts.OnProgress != nil {
		progress = func(p duckdb.Progress) { r.opts.OnProgress(c.ID, p) }
	}
	res, err := engine.Run(ctx, duckdb.Cell{SQL: c.Source, Params: r.params.sql(), Result: c.Name, OnProgress: progress})
	if res != nil {
		for _, name := range res.TablesRead {
			if read := r.lakeName(name); !slices.Contains(r.rec.Reads, read) {
				r.rec.Reads = append(r.rec.Reads, read)
			}
		}
		for _, o := range res.ObjectsRead {
			if !slices.Contains(r.rec.ObjectsRead, o) {
				r.rec.ObjectsRead = append(r.rec.ObjectsRead, o)
			}
		}
	}
	if err != nil {
		return nil, "", err
	}
	var outs []any
	var text string
	if res.HasRows() {
		out, err := outputs.Result(ctx, r.session, res, count)
		if err != nil {
			return nil, "", err
		}
		outs = append(outs, out)
		if spec := c.Meta.Chart; spec != nil {
			chart, err := outputs.Chart(ctx, r.session, res, spec)
			if err != nil {
				return nil, "", err
			}
			outs = append(outs, chart)
		}
	} else {
		text = statementSummary(res)
	}
	text += res.Notice
	for _, t := range res.TablesWritten {
		if !slices.Contains(r.rec.Writes, t) {
			r.rec.Writes = append(r.rec.Writes, t)
		}
	}
	r.rec.ObjectsWritten = append(r.rec.ObjectsWritten, res.ObjectsWritten...)
	if c.Meta.Lake != nil {
		msg, err := r.saveToLake(ctx, res, c.Meta.Lake)
		if err != nil {
			return res, text, err
		}
		text += msg
	}
	if text != "" {
		outs = append(outs, outputs.Stream(text))
	}
	c.SetOutputs(outs)
	return res, text, nil
}

// lakeName turns a name the session reports as read into the catalog's
// name: raw datasets come as raw.<name>, tables as SQL spelled them.
func (r *run) lakeName(asked string) string {
	if strings.HasPrefix(asked, "raw.") || strings.HasPrefix(asked, "s3.") {
		return asked
	}
	return r.env.Lake.CanonicalName(asked)
}

func statementSummary(res *duckdb.Result) string {
	switch {
	case res.Statements == 0:
		return "Nothing to run.\n"
	case res.Changed == 1:
		return "1 row changed.\n"
	case res.Changed > 0:
		return fmt.Sprintf("%d rows changed.\n", res.Changed)
	}
	return "Done.\n"
}

// cellError names the cell and line in the message, with the line's text.
func (r *run) cellError(i int, c *notebook.Cell, err error) error {
	where := fmt.Sprintf("%s, %s", filepath.Base(r.path), cellLabel(i, c))
	var se *duckdb.SQLError
	if errors.As(err, &se) {
		msg := fmt.Sprintf("%s, line %d: %s", where, se.Line, se.Message)
		if text := sourceLine(c.Source, se.Line); text != "" {
			msg += fmt.Sprintf("\n  %d | %s", se.Line, text)
		}
		if hint := r.definedBy(i, se.Message); hint != "" {
			msg += "\n" + hint
		}
		return &backend.Error{Code: backend.EINVALID, Message: msg, Err: err}
	}
	code := backend.ErrorCode(err)
	switch {
	case errors.Is(err, context.Canceled):
		return &backend.Error{Code: backend.ECANCELED, Message: where + ": canceled", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &backend.Error{Code: backend.ECANCELED, Message: where + ": timed out", Err: err}
	}
	msg := where + ": " + backend.ErrorMessage(err)
	var pe *PythonError
	if errors.As(err, &pe) {
		if hint := r.definedBy(i, pe.Error()); hint != "" {
			msg += "\n" + hint
		}
	}
	return &backend.Error{Code: code, Message: msg, Err: err}
}

func sourceLine(src string, line int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[line-1], " \t\r")
}

func errorOutputFor(failure, err error) map[string]any {
	ename := "Error"
	var se *duckdb.SQLError
	switch {
	case errors.As(err, &se):
		if kind, _, ok := strings.Cut(se.Message, ":"); ok && strings.HasSuffix(kind, "Error") {
			ename = strings.ReplaceAll(kind, " ", "")
		}
	case errors.Is(err, context.Canceled):
		ename = "Canceled"
	case errors.As(err, new(*DeadKernelError)):
		ename = "DeadKernelError" // as nbclient names it
	}
	msg := backend.ErrorMessage(failure)
	return outputs.Error(ename, msg, strings.Split(msg, "\n"))
}
