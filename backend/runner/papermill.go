package runner

import (
	"fmt"
	"strconv"
	"time"

	"smallfry/backend/notebook"
	"smallfry/backend/params"
	"smallfry/backend/runs"
)

// What papermill 2.6 writes, so that tools reading papermill output
// (scrapbook, nteract, papermill itself on a rerun) read ours the same way;
// testdata/papermill holds outputs papermill wrote, which the tests
// compare ours with key by key.
const (
	// errorTag marks the banner cells a failed run adds; a rerun removes them.
	errorTag = "papermill-error-cell-tag"
	// errorStyle is papermill's ERROR_STYLE.
	errorStyle = `style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;"`
	// errorMessage is papermill's ERROR_MESSAGE_TEMPLATE, %s being the failing cell's execution count.
	errorMessage = `<span ` + errorStyle + `>An Exception was encountered at '<a href="#papermill-error-cell">In [%s]</a>'.</span>`
	// errorAnchor is papermill's ERROR_ANCHOR_MSG, put just before the failing cell.
	errorAnchor = `<span id="papermill-error-cell" ` + errorStyle + `>Execution using papermill encountered an exception here and stopped:</span>`
)

// papermillTime writes a time as papermill does (datetime.utcnow().isoformat()):
// UTC without an offset, microseconds unless there are none.
func papermillTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

// cellTimes is a cell's metadata.papermill once the run walked past it.
func cellTimes(start time.Time, dur time.Duration, status string, exception bool) map[string]any {
	return map[string]any{
		"start_time": papermillTime(start),
		"end_time":   papermillTime(start.Add(dur)),
		"duration":   dur.Seconds(),
		"status":     status,
		"exception":  exception,
	}
}

// pendingCell is the metadata.papermill of a cell the run did not reach.
var pendingCell = map[string]any{"start_time": nil, "end_time": nil, "duration": nil, "status": "pending", "exception": nil}

// stamp writes papermill's notebook-level metadata.
func (r *run) stamp(end time.Time) {
	var exception any // null on success, as papermill writes it
	if r.rec.Status != runs.OK {
		exception = true
	}
	version := r.env.Version
	if version == "" {
		version = "dev"
	}
	output := r.opts.Output
	if output == "" && r.env.Runs != nil {
		output = r.env.Runs.OutputPath(r.rec.ID)
	}
	defaults := r.params.defaults
	if defaults == nil {
		defaults = map[string]any{}
	}
	r.nb.SetMetadata("papermill", map[string]any{
		"default_parameters":    defaults,
		"parameters":            params.JSON(params.Given(r.params.values)),
		"environment_variables": map[string]any{},
		"version":               "smallfry " + version,
		"input_path":            r.path,
		"output_path":           output,
		"start_time":            papermillTime(r.rec.StartedAt),
		"end_time":              papermillTime(end),
		"duration":              end.Sub(r.rec.StartedAt).Seconds(),
		"exception":             exception,
	})
}

// removeErrorBanners drops the banner cells an earlier failed run added.
func removeErrorBanners(nb *notebook.Notebook) {
	for i := len(nb.Cells) - 1; i >= 0; i-- {
		for _, t := range nb.Cells[i].Tags {
			if t == errorTag {
				nb.RemoveCell(i)
				break
			}
		}
	}
}

// addErrorBanners puts papermill's two banner cells in: one at the top
// linking to the failing cell, one just before it.
func addErrorBanners(nb *notebook.Notebook, failed *notebook.Cell) {
	at := -1
	for i, c := range nb.Cells {
		if c == failed {
			at = i
		}
	}
	if at < 0 {
		return
	}
	count := "None"
	if n := failed.ExecutionCount(); n != nil {
		count = strconv.Itoa(*n)
	}
	banner := func(source string) *notebook.Cell {
		c := notebook.NewCell(notebook.KindMarkdown, source)
		c.Tags = []string{errorTag}
		return c
	}
	nb.InsertCell(at, banner(errorAnchor))
	nb.InsertCell(0, banner(fmt.Sprintf(errorMessage, count)))
}
