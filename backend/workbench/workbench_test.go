package workbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"smallfry/backend"
	"smallfry/backend/auth"
	"smallfry/backend/duckdb"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// recorder keeps the events a service pushed.
type recorder struct {
	mu     sync.Mutex
	events []struct {
		name string
		data any
	}
	changed chan struct{} // closed and replaced at every event
}

func (r *recorder) Emit(name string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, struct {
		name string
		data any
	}{name, data})
	if r.changed != nil {
		close(r.changed)
	}
	r.changed = make(chan struct{})
}

// waitCell waits for a cell to reach a status, and returns that event.
func (r *recorder) waitCell(t *testing.T, cellID, status string) workbench.CellEvent {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		changed := r.changed
		r.mu.Unlock()
		for _, e := range r.cellEvents(cellID) {
			if e.Status == status {
				return e
			}
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("cell %s never became %s; its events: %+v", cellID, status, r.cellEvents(cellID))
		}
	}
}

func (r *recorder) cellEvents(cellID string) []workbench.CellEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []workbench.CellEvent
	for _, e := range r.events {
		if ce, ok := e.data.(workbench.CellEvent); ok && ce.CellID == cellID {
			out = append(out, ce)
		}
	}
	return out
}

// newService opens a new workspace with the app's own wiring, as the
// window and `smallfry serve` do.
func newService(t *testing.T) (*workbench.Service, *recorder) {
	s, rec, _ := newApp(t)
	return s, rec
}

func newApp(t *testing.T) (*workbench.Service, *recorder, *smallfry.App) {
	t.Helper()
	rec := &recorder{}
	// The company sign-in lives in a folder of the test's, never the user's.
	app, err := smallfry.Open(context.Background(), smallfry.Config{Workspace: t.TempDir(), Python: os.Getenv("SMALLFRY_PYTHON"), Events: rec, Version: "test",
		Auth: auth.Options{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app.Workbench, rec, app
}

// notebooksDir is the workspace's notebooks folder.
func notebooksDir(t *testing.T, s *workbench.Service) string {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(info.WorkspaceDir, "notebooks")
}

func open(t *testing.T, s *workbench.Service, path string) *workbench.OpenedNotebook {
	t.Helper()
	nb, err := s.OpenNotebook(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenNotebook(%s): %v", path, err)
	}
	return nb
}

func ids(cells []workbench.CellData, keep func(workbench.CellData) bool) []string {
	var out []string
	for _, c := range cells {
		if keep(c) {
			out = append(out, c.ID)
		}
	}
	return out
}

func codeCells(c workbench.CellData) bool { return c.Kind == "sql" }

// firstLine is the first line of a cell's source.
func firstLine(cells []workbench.CellData, id string) string {
	for _, c := range cells {
		if c.ID == id {
			line, _, _ := strings.Cut(c.Source, "\n")
			return line
		}
	}
	return "no cell " + id
}

func TestRunAllAndExploreTheResult(t *testing.T) {
	s, rec := newService(t)
	ctx := context.Background()
	nb := open(t, s, "sales-by-brand-and-country.ipynb")
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: ids(nb.Cells, codeCells)})
	if err != nil || sum.Status != "ok" {
		t.Fatalf("RunCells = %+v, %v", sum, err)
	}
	// Each cell went queued → running → done, and the last event carries the result.
	evs := rec.cellEvents("sales")
	var statuses []string
	for _, e := range evs {
		statuses = append(statuses, e.Status)
	}
	if !slices.Equal(statuses, []string{workbench.StatusQueued, workbench.StatusRunning, workbench.StatusDone}) {
		t.Fatalf("sales cell statuses = %v", statuses)
	}
	out := evs[len(evs)-1].Output
	if out == nil || out.Result == nil || out.Result.Table != "sales" || out.Result.Rows == 0 || evs[0].RunID != sum.RunID {
		t.Fatalf("sales output = %+v (run %s)", out, sum.RunID)
	}

	// Page through the result sorted by units, as the grid does.
	w, err := s.Window(ctx, nb.Session, workbench.WindowRequest{Table: "sales", Offset: 0, Limit: 5, Sort: []duckdb.SortKey{{Column: "Units", Desc: true}}})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := ipc.NewReader(bytes.NewReader(w.Arrow))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var units []int64
	for rdr.Next() {
		col := rdr.RecordBatch().Column(2)
		for i := 0; i < col.Len(); i++ {
			units = append(units, int64(col.(*array.Decimal128).Value(i).LowBits()))
		}
	}
	if w.Total != out.Result.Rows || len(units) != 5 || !slices.IsSortedFunc(units, func(a, b int64) int { return int(b - a) }) {
		t.Errorf("window total %d (want %d), units %v (want 5, descending)", w.Total, out.Result.Rows, units)
	}
	summary, err := s.Summarize(ctx, nb.Session, "", "sales", "Countries")
	if err != nil || summary.Distinct == 0 || len(summary.Top) == 0 {
		t.Errorf("Summarize = %+v, %v", summary, err)
	}
	exp, err := s.Export(ctx, nb.Session, workbench.ExportRequest{Table: "sales", Format: "csv"})
	if err != nil || exp.Rows != out.Result.Rows {
		t.Fatalf("Export = %+v, %v", exp, err)
	}
	if data, _ := os.ReadFile(exp.Path); !strings.HasPrefix(string(data), "Brand,Countries,Units\n") {
		t.Errorf("export starts %q", string(data)[:min(len(data), 40)])
	}
	comp, err := s.Completions(ctx, nb.Session)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range comp.Tables {
		names = append(names, c.Kind+":"+c.Schema+"."+c.Name)
	}
	for _, want := range []string{"lake:.Fact_Sales", "raw:raw.events", "result:.sales", "result:.by_country"} {
		if !slices.Contains(names, want) {
			t.Errorf("completions %v lack %s", names, want)
		}
	}

	// The run is in the history, and reopening shows the outputs.
	list, err := s.Runs(ctx, "sales-by-brand-and-country.ipynb")
	if err != nil || len(list) != 1 || list[0].Mode != "interactive" || list[0].ID != sum.RunID {
		t.Fatalf("Runs = %+v, %v", list, err)
	}
	// (Reopening an open notebook resumes its session: state_test.go.)
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	again := open(t, s, "sales-by-brand-and-country.ipynb")
	if p := again.Outputs["sales"]; p == nil || p.Preview == nil || p.Preview.TotalRows != out.Result.Rows || len(p.Preview.Rows) == 0 {
		t.Errorf("reopened outputs = %+v", again.Outputs["sales"])
	}
	if _, err := s.Window(ctx, nb.Session, workbench.WindowRequest{Table: "sales", Limit: 5}); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("the first session should have ended when closed; Window error = %v", err)
	}
	ro, err := s.OpenRun(ctx, sum.RunID)
	if err != nil || !ro.ReadOnly || ro.Outputs["by-country"] == nil {
		t.Errorf("OpenRun = %+v, %v", ro, err)
	}
}

func TestRunUsesTheEditorsCellsAndReportsErrors(t *testing.T) {
	s, rec := newService(t)
	ctx := context.Background()
	nb := open(t, s, "tour.ipynb")
	cells := slices.Clone(nb.Cells)
	var target string
	for i, c := range cells {
		if c.Kind == "sql" {
			cells[i].Source = "SELECT 1 AS ok;\nSELEC broken"
			target = c.ID
			break
		}
	}
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: ids(cells, codeCells)})
	if err != nil || sum.Status != "failed" {
		t.Fatalf("RunCells = %+v, %v; want a failed run", sum, err)
	}
	evs := rec.cellEvents(target)
	last := evs[len(evs)-1]
	if last.Status != workbench.StatusError || last.Output.Error == nil || last.Output.Error.Line != 2 || !strings.Contains(last.Output.Error.Message, "SELEC") {
		t.Errorf("failing cell event = %+v (error %+v)", last, last.Output.Error)
	}
	skipped := 0
	for _, id := range ids(cells, codeCells) {
		if evs := rec.cellEvents(id); len(evs) > 0 && evs[len(evs)-1].Status == workbench.StatusSkipped {
			skipped++
		}
	}
	if skipped != len(ids(cells, codeCells))-1 {
		t.Errorf("%d cells skipped after the failure, want the %d others", skipped, len(ids(cells, codeCells))-1)
	}
	// Running did not save: the file still has the old source.
	data, err := os.ReadFile(filepath.Join(notebooksDir(t, s), "tour.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "SELEC broken") || !strings.Contains(string(data), firstLine(nb.Cells, target)) {
		t.Error("running wrote the editor's cells to the notebook file")
	}
}

func TestCancelStopsALongQuery(t *testing.T) {
	s, rec := newService(t)
	ctx := context.Background()
	nb, err := s.CreateNotebook(ctx, "long")
	if err != nil {
		t.Fatal(err)
	}
	opened := open(t, s, nb.Path)
	cells := []workbench.CellData{{ID: "slow", Kind: "sql", Source: "SELECT count(*) FROM range(10000000000) a"}}
	done := make(chan *workbench.RunSummary)
	go func() {
		sum, err := s.RunCells(ctx, opened.Session, workbench.RunRequest{Cells: cells, Run: []string{"slow"}})
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	running := rec.waitCell(t, "slow", workbench.StatusRunning)
	if _, err := s.RunCells(ctx, opened.Session, workbench.RunRequest{Cells: cells, Run: []string{"slow"}}); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Errorf("a second run while one runs: error %v, want ECONFLICT", err)
	}
	if err := s.Cancel(ctx, "no-such-run"); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("Cancel of an unknown run = %v, want ENOTFOUND", err)
	}
	if err := s.Cancel(ctx, running.RunID); err != nil {
		t.Fatal(err)
	}
	select {
	case sum := <-done:
		if sum.Status != "canceled" || sum.RunID != running.RunID {
			t.Errorf("run %s status = %s, want %s canceled", sum.RunID, sum.Status, running.RunID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not stop within 5s of Cancel")
	}
	if err := s.Cancel(ctx, running.RunID); err != nil {
		t.Errorf("canceling a finished run = %v, want nothing to happen", err)
	}
	evs := rec.cellEvents("slow")
	if last := evs[len(evs)-1]; last.Status != workbench.StatusCanceled {
		t.Errorf("last status %s, want canceled", last.Status)
	}
}

func TestSaveChangesOnlyTheEditedCell(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	path := filepath.Join(notebooksDir(t, s), "tour.ipynb")
	before, _ := os.ReadFile(path)
	nb := open(t, s, "tour.ipynb")
	cells := slices.Clone(nb.Cells)
	cells[1].Source = "SELECT 42 AS answer"
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	removed, added := lineDiff(string(before), string(after))
	if len(added) != 1 || !strings.Contains(added[0], "SELECT 42 AS answer") || len(removed) < 1 {
		t.Errorf("save changed lines -%q +%q; want only the edited cell's source", removed, added)
	}
	// Reordering, adding and deleting cells round-trips.
	cells = append([]workbench.CellData{{ID: "new-first", Kind: "markdown", Source: "# Hello"}}, cells[2:]...)
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	got := open(t, s, "tour.ipynb").Cells
	if len(got) != len(cells) || got[0].Source != "# Hello" || got[1].ID != cells[1].ID {
		t.Errorf("reopened %d cells (first %+v), want %d starting with the new one", len(got), got[0], len(cells))
	}
}

func lineDiff(a, b string) (removed, added []string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	count := map[string]int{}
	for _, l := range al {
		count[l]++
	}
	for _, l := range bl {
		if count[l] > 0 {
			count[l]--
		} else {
			added = append(added, l)
		}
	}
	for l, n := range count {
		for range n {
			removed = append(removed, l)
		}
	}
	return removed, added
}

func TestAutosaveRecoversAfterACrash(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	nb := open(t, s, "tour.ipynb")
	cells := slices.Clone(nb.Cells)
	cells[1].Source = "SELECT 'typed but not saved' AS draft"
	if err := s.Autosave(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	// A crash: the service is gone without saving. A new one reopens.
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	app2, err := smallfry.Open(ctx, smallfry.Config{Workspace: info.WorkspaceDir, Auth: auth.Options{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer app2.Close()
	s2 := app2.Workbench
	got := open(t, s2, "tour.ipynb")
	if got.Recovered == nil || got.Cells[1].Source != cells[1].Source {
		t.Fatalf("reopened without the draft: recovered %v, cell %q", got.Recovered, got.Cells[1].Source)
	}
	// Saving drops the draft; the next open is clean.
	if _, err := s2.SaveNotebook(ctx, got.Session, got.Cells); err != nil {
		t.Fatal(err)
	}
	if again := open(t, s2, "tour.ipynb"); again.Recovered != nil || again.Cells[1].Source != cells[1].Source {
		t.Errorf("after save: recovered %v, cell %q", again.Recovered, again.Cells[1].Source)
	}
}

func TestNotebookFiles(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	if _, err := s.CreateNotebook(ctx, "q1/report"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RenameNotebook(ctx, "q1/report.ipynb", "q1/final"); err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, n := range info.Notebooks {
		paths = append(paths, n.Path)
	}
	if !slices.Contains(paths, "q1/final.ipynb") || slices.Contains(paths, "q1/report.ipynb") || !slices.Contains(paths, "tour.ipynb") {
		t.Errorf("notebooks = %v", paths)
	}
	broken := filepath.Join(notebooksDir(t, s), "broken.ipynb")
	os.WriteFile(broken, []byte(`{"cells": [`), 0o644)
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"create existing", func() error { _, err := s.CreateNotebook(ctx, "tour"); return err }, backend.ECONFLICT, "already exists"},
		{"create outside", func() error { _, err := s.CreateNotebook(ctx, "../escape"); return err }, backend.EINVALID, "not inside"},
		{"create bad name", func() error { _, err := s.CreateNotebook(ctx, "a?b"); return err }, backend.EINVALID, "not a usable"},
		{"rename onto existing", func() error { _, err := s.RenameNotebook(ctx, "q1/final.ipynb", "tour"); return err }, backend.ECONFLICT, "already exists"},
		{"rename missing", func() error { _, err := s.RenameNotebook(ctx, "nope.ipynb", "x"); return err }, backend.ENOTFOUND, "does not exist"},
		{"open missing", func() error { _, err := s.OpenNotebook(ctx, "nope.ipynb"); return err }, backend.ENOTFOUND, "nope.ipynb"},
		{"open outside", func() error { _, err := s.OpenNotebook(ctx, "../../etc/passwd.ipynb"); return err }, backend.EINVALID, "not inside"},
		{"open broken", func() error { _, err := s.OpenNotebook(ctx, "broken.ipynb"); return err }, backend.EINVALID, "broken.ipynb"},
		{"unknown session", func() error {
			_, err := s.Window(ctx, "nope", workbench.WindowRequest{Table: "x", Limit: 1})
			return err
		}, backend.ENOTFOUND, "no open notebook"},
		{"bad window", func() error {
			nb := open(t, s, "tour.ipynb")
			_, err := s.Window(ctx, nb.Session, workbench.WindowRequest{Table: "x", Limit: 0})
			return err
		}, backend.EINVALID, "limit"},
		{"bad cells", func() error {
			nb := open(t, s, "tour.ipynb")
			_, err := s.SaveNotebook(ctx, nb.Session, []workbench.CellData{{ID: "a", Kind: "sql", Name: "1bad"}})
			return err
		}, backend.EINVALID, "not valid"},
		{"keyword name", func() error {
			nb := open(t, s, "tour.ipynb")
			_, err := s.SaveNotebook(ctx, nb.Session, []workbench.CellData{{ID: "a", Kind: "sql", Source: "SELECT 1", Name: "Select"}})
			return err
		}, backend.EINVALID, `result name "Select" is a SQL keyword`},
		{"keyword name run", func() error {
			nb := open(t, s, "tour.ipynb")
			_, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: []workbench.CellData{{ID: "a", Kind: "sql", Source: "SELECT 1", Name: "order"}}, Run: []string{"a"}})
			return err
		}, backend.EINVALID, "such as order_result"},
		{"unknown lake name", func() error {
			nb := open(t, s, "tour.ipynb")
			_, err := s.PreviewLake(ctx, nb.Session, "Nope")
			return err
		}, backend.ENOTFOUND, "Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if backend.ErrorCode(err) != tt.code || !strings.Contains(backend.ErrorMessage(err), tt.msg) {
				t.Errorf("error = %v (%s), want %s containing %q", err, backend.ErrorCode(err), tt.code, tt.msg)
			}
		})
	}
	if data, _ := os.ReadFile(broken); string(data) != `{"cells": [` {
		t.Error("opening a broken notebook changed it")
	}
}

func TestPreviewLake(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	nb := open(t, s, "tour.ipynb")
	for _, name := range []string{"Dim_Store", "raw.events"} {
		out, err := s.PreviewLake(ctx, nb.Session, name)
		if err != nil || out.Result == nil || out.Result.Rows == 0 {
			t.Fatalf("PreviewLake(%s) = %+v, %v", name, out, err)
		}
	}
	cat, err := s.Lake(ctx)
	if err != nil || len(cat) < 5 {
		t.Fatalf("Lake = %d entries, %v", len(cat), err)
	}
	if _, err := json.Marshal(cat); err != nil {
		t.Fatal(err)
	}
}

// Opening a published notebook says its schedule as its file has it, with
// no Airflow asked (none is reachable here), so its first screen has the
// publish line; an unpublished one says nothing of publishing.
func TestOpenNotebookSaysItsSchedule(t *testing.T) {
	s, _ := newService(t)
	dir := notebooksDir(t, s)
	published := `{"cells": [{"cell_type": "code", "id": "q", "metadata": {}, "source": "SELECT 1", "outputs": [], "execution_count": null}],
 "metadata": {"smallfry": {"schedule": {"airflow": "http://127.0.0.1:9", "dag_id": "smallfry_daily", "cron": "0 3 * * *", "timezone": "UTC",
  "snapshot": "snapshots/x.ipynb", "published_at": "2026-12-01T00:00:00Z"}}}, "nbformat": 4, "nbformat_minor": 5}`
	if err := os.WriteFile(filepath.Join(dir, "daily.ipynb"), []byte(published), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path      string
		published bool
	}{{"daily.ipynb", true}, {"tour.ipynb", false}} {
		opened := open(t, s, tc.path)
		if !tc.published {
			if opened.Publish != nil {
				t.Errorf("%s: Publish = %+v, want none", tc.path, opened.Publish)
			}
			continue
		}
		st := opened.Publish
		if st == nil || !st.Published || st.DagID != "smallfry_daily" || st.Cron != "0 3 * * *" || st.Label == "" || st.Problem != "" {
			t.Fatalf("%s: Publish = %+v, want the file's schedule, described, and no problem (Airflow not asked)", tc.path, st)
		}
	}
}
