package workbench_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"smallfry/backend"
	"smallfry/backend/notebook"
	"smallfry/backend/workbench"
)

// runOutput is the output notebook of a run, in the workspace's run history.
func runOutput(t *testing.T, s *workbench.Service, id string) string {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(info.WorkspaceDir, ".smallfry", "runs", id, "output.ipynb")
}

// statuses is the statuses a cell's events went through.
func statuses(rec *recorder, id string) []string {
	var out []string
	for _, e := range rec.cellEvents(id) {
		out = append(out, e.Status)
	}
	return out
}

func lastEvent(t *testing.T, rec *recorder, id string) workbench.CellEvent {
	t.Helper()
	evs := rec.cellEvents(id)
	if len(evs) == 0 {
		t.Fatalf("no events for cell %s", id)
	}
	return evs[len(evs)-1]
}

func TestReopeningAnOpenNotebookResumesItsSession(t *testing.T) {
	s, rec := newService(t)
	ctx := context.Background()
	nb := open(t, s, salesNotebook)
	if nb.Resumed {
		t.Fatal("a first open says resumed")
	}
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: ids(nb.Cells, codeCells)}); err != nil {
		t.Fatal(err)
	}
	// The user switches to another notebook and back.
	open(t, s, "tour.ipynb")
	again := open(t, s, salesNotebook)
	if !again.Resumed || again.Session != nb.Session {
		t.Fatalf("reopened: resumed %v, session %s (was %s)", again.Resumed, again.Session, nb.Session)
	}
	out := again.Outputs["sales"]
	if out == nil || out.Result == nil || out.Result.Table != "sales" {
		t.Fatalf("resumed outputs of sales = %+v, want its live result", out)
	}
	if _, err := s.Window(ctx, again.Session, workbench.WindowRequest{Table: "sales", Limit: 5}); err != nil {
		t.Errorf("the resumed session lost its results: %v", err)
	}
	for i, id := range []string{"sales", "by-country", "top-brand"} {
		st := again.States[id]
		want := lastEvent(t, rec, id)
		if st == nil || st.Status != workbench.StatusDone || st.ElapsedMs != want.ElapsedMs || st.ExecutionCount != i+1 || want.ExecutionCount != i+1 {
			t.Errorf("state of %s = %+v, want done in %d ms, execution count %d (event: %+v)", id, st, want.ElapsedMs, i+1, want)
		}
	}
	if again.Unsaved || again.Recovered != nil {
		t.Errorf("resumed with no edits: unsaved %v, recovered %v", again.Unsaved, again.Recovered)
	}
	// Unsaved edits (autosaved before switching) come back as unsaved, not as a crash's.
	cells := slices.Clone(again.Cells)
	cells[len(cells)-1].Source = "SELECT 'edited' AS e"
	if err := s.Autosave(ctx, again.Session, cells); err != nil {
		t.Fatal(err)
	}
	edited := open(t, s, salesNotebook)
	if !edited.Unsaved || edited.Recovered != nil || edited.Cells[len(cells)-1].Source != "SELECT 'edited' AS e" {
		t.Errorf("resumed after an edit: unsaved %v, recovered %v, cell %q", edited.Unsaved, edited.Recovered, edited.Cells[len(cells)-1].Source)
	}
}

func TestACellRunsTheResultsItReadsFirst(t *testing.T) {
	s, rec := newService(t)
	ctx := context.Background()
	nb := open(t, s, salesNotebook)
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: ids(nb.Cells, codeCells)}); err != nil {
		t.Fatal(err)
	}
	// The app restarts: the notebook opens in a new session with the last
	// run's grids, but none of its results.
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	rec.events = nil
	nb = open(t, s, salesNotebook)
	if nb.Resumed || nb.Outputs["top-brand"] == nil || nb.States["top-brand"].Status != workbench.StatusDone {
		t.Fatalf("reopened: resumed %v, top-brand output %+v, state %+v", nb.Resumed, nb.Outputs["top-brand"], nb.States["top-brand"])
	}
	// top-brand reads sales: sales runs first, visibly.
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: []string{"top-brand"}})
	if err != nil || sum.Status != "ok" {
		t.Fatalf("RunCells(top-brand) = %+v, %v", sum, err)
	}
	want := []string{workbench.StatusQueued, workbench.StatusRunning, workbench.StatusDone}
	if got := statuses(rec, "sales"); !slices.Equal(got, want) {
		t.Errorf("sales went %v, want %v (run before the cell reading it)", got, want)
	}
	if got := statuses(rec, "top-brand"); !slices.Equal(got, want) {
		t.Errorf("top-brand went %v, want %v", got, want)
	}
	if got := statuses(rec, "by-country"); len(got) != 0 {
		t.Errorf("by-country, which top-brand does not read, went %v", got)
	}
	if a, b := lastEvent(t, rec, "sales").ExecutionCount, lastEvent(t, rec, "top-brand").ExecutionCount; a != 1 || b != 2 {
		t.Errorf("execution counts sales %d, top-brand %d; want 1 and 2 (a new session counts from 1)", a, b)
	}
	// Now the session has sales: running top-brand again runs it alone.
	rec.events = nil
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: []string{"top-brand"}}); err != nil {
		t.Fatal(err)
	}
	if got := statuses(rec, "sales"); len(got) != 0 {
		t.Errorf("sales ran again (%v) though the session has it", got)
	}
	if n := lastEvent(t, rec, "top-brand").ExecutionCount; n != 3 {
		t.Errorf("top-brand's execution count = %d, want 3", n)
	}
	// The run's output notebook keeps the counts, as Jupyter does.
	out, err := notebook.ReadFile(runOutput(t, s, sum.RunID))
	if err != nil {
		t.Fatal(err)
	}
	if n := out.Cell("top-brand").ExecutionCount(); n == nil || *n != 2 {
		t.Errorf("output notebook's execution_count of top-brand = %v, want 2", n)
	}
	// A later run's notebook keeps the counts of the cells it did not run.
	out, err = notebook.ReadFile(runOutput(t, s, lastEvent(t, rec, "top-brand").RunID))
	if err != nil {
		t.Fatal(err)
	}
	if n := out.Cell("sales").ExecutionCount(); n == nil || *n != 1 {
		t.Errorf("the next run's execution_count of sales = %v, want 1 (from the run before)", n)
	}
	if n := out.Cell("top-brand").ExecutionCount(); n == nil || *n != 3 {
		t.Errorf("the next run's execution_count of top-brand = %v, want 3", n)
	}
}

func TestCellsAFailedRunSkippedShowNotRun(t *testing.T) {
	s, rec := newService(t)
	ctx := context.Background()
	entry, err := s.CreateNotebook(ctx, "fails")
	if err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, entry.Path)
	cells := []workbench.CellData{
		{ID: "first", Kind: "sql", Source: "SELECT 1 AS a"},
		{ID: "second", Kind: "sql", Source: "SELECT 2 AS b"},
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{"first", "second"}}); err != nil {
		t.Fatal(err)
	}
	cells[0].Source = "SELECT nope"
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{"first", "second"}})
	if err != nil || sum.Status != "failed" {
		t.Fatalf("RunCells = %+v, %v; want failed", sum, err)
	}
	if e := lastEvent(t, rec, "second"); e.Status != workbench.StatusSkipped || e.Output != nil {
		t.Errorf("second's last event = %+v, want skipped with no output", e)
	}
	out, err := notebook.ReadFile(runOutput(t, s, sum.RunID))
	if err != nil {
		t.Fatal(err)
	}
	if c := out.Cell("second"); len(c.Outputs()) != 0 || c.ExecutionCount() != nil {
		t.Errorf("the run's output notebook keeps the skipped cell's earlier outputs %s", c.Outputs())
	}
	// Resumed, and opened anew: not run, without the earlier grid.
	check := func(how string, got *workbench.OpenedNotebook) {
		t.Helper()
		if st := got.States["second"]; st == nil || st.Status != workbench.StatusSkipped || got.Outputs["second"] != nil {
			t.Errorf("%s: second's state %+v, output %+v; want skipped and none", how, st, got.Outputs["second"])
		}
		if st := got.States["first"]; st == nil || st.Status != workbench.StatusError {
			t.Errorf("%s: first's state %+v, want error", how, st)
		}
	}
	check("resumed", open(t, s, entry.Path))
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	check("reopened", open(t, s, entry.Path))
}

func TestAPastRunShowsItsTimings(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	nb := open(t, s, salesNotebook)
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: ids(nb.Cells, codeCells)})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Runs(ctx, salesNotebook)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := s.OpenRun(ctx, sum.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range rec[0].Cells {
		st := ro.States[c.ID]
		if st == nil || st.ElapsedMs != c.DurationMs || st.Status != workbench.StatusDone || st.ExecutionCount != i+1 {
			t.Errorf("past run's state of %s = %+v, want done in %d ms as recorded, count %d", c.ID, st, c.DurationMs, i+1)
		}
	}
	if out := ro.Outputs["by-country"]; out == nil || len(out.Chart) == 0 {
		t.Errorf("past run's by-country output has no chart to draw: %+v", out)
	}
}

func TestDiscardRecoveredChanges(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	file := filepath.Join(notebooksDir(t, s), "tour.ipynb")
	before, _ := os.ReadFile(file)
	nb := open(t, s, "tour.ipynb")
	cells := slices.Clone(nb.Cells)
	cells[1].Source = "SELECT 'typed but not saved' AS draft"
	if err := s.Autosave(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	got := open(t, s, "tour.ipynb")
	if got.Recovered == nil || !got.Unsaved {
		t.Fatalf("reopened: recovered %v, unsaved %v; want both", got.Recovered, got.Unsaved)
	}
	back, err := s.DiscardDraft(ctx, got.Session)
	if err != nil {
		t.Fatal(err)
	}
	if back[1].Source != nb.Cells[1].Source {
		t.Errorf("after discarding, cell 2 is %q, want the file's %q", back[1].Source, nb.Cells[1].Source)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("discarding changed the notebook file")
	}
	if err := s.CloseNotebook(ctx, got.Session); err != nil {
		t.Fatal(err)
	}
	if again := open(t, s, "tour.ipynb"); again.Recovered != nil || again.Unsaved || again.Cells[1].Source != nb.Cells[1].Source {
		t.Errorf("after discarding: recovered %v, unsaved %v, cell %q", again.Recovered, again.Unsaved, again.Cells[1].Source)
	}
	if _, err := s.DiscardDraft(ctx, "no-such-session"); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("DiscardDraft of no session = %v, want ENOTFOUND", err)
	}
}

func TestClearOutputs(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	nb := open(t, s, salesNotebook)
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: ids(nb.Cells, codeCells)}); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearOutputs(ctx, nb.Session, []string{"top-brand"}); err != nil {
		t.Fatal(err)
	}
	check := func(how string, got *workbench.OpenedNotebook) {
		t.Helper()
		if got.Outputs["top-brand"] != nil || got.States["top-brand"] != nil {
			t.Errorf("%s: top-brand still shows %+v (%+v)", how, got.Outputs["top-brand"], got.States["top-brand"])
		}
		if got.Outputs["sales"] == nil {
			t.Errorf("%s: sales, not cleared, lost its output", how)
		}
	}
	check("resumed", open(t, s, salesNotebook))
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	nb = open(t, s, salesNotebook)
	check("reopened", nb)
	// A later run shows it again.
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: []string{"top-brand"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	if got := open(t, s, salesNotebook); got.Outputs["top-brand"] == nil {
		t.Error("top-brand's output of a run after the clear is not shown")
	}
}
