package workbench_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"smallfry/backend/workbench"
)

// A Python variable one cell makes and a later cell reads is made again,
// visibly, when the notebook was reopened (a new kernel) or the kernel
// restarted, instead of a NameError.
func TestPythonVariablesAfterReopening(t *testing.T) {
	needPython(t)
	s, rec := newService(t)
	ctx := context.Background()
	entry, err := s.CreateNotebook(ctx, "vars")
	if err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, entry.Path)
	cells := []workbench.CellData{
		{ID: "load", Kind: "python", Source: "rows = [1, 2, 3]\ndef total(xs):\n    return sum(xs)"},
		{ID: "other", Kind: "python", Source: "unrelated = 1"},
		{ID: "use", Kind: "python", Source: "print(total(rows))"},
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	runUse := func(session string) string {
		t.Helper()
		rec.events = nil
		sum, err := s.RunCells(ctx, session, workbench.RunRequest{Cells: cells, Run: []string{"use"}})
		if err != nil {
			t.Fatal(err)
		}
		out := lastEvent(t, rec, "use").Output
		if sum.Status != "ok" || out == nil || out.Error != nil {
			t.Fatalf("running use: %+v, output %+v", sum, out)
		}
		return streamText(out)
	}
	done := []string{workbench.StatusQueued, workbench.StatusRunning, workbench.StatusDone}
	if got := runUse(nb.Session); got != "6\n" {
		t.Fatalf("use printed %q, want 6", got)
	}
	if got := statuses(rec, "load"); !slices.Equal(got, done) {
		t.Errorf("in a fresh kernel load went %v, want %v", got, done)
	}
	// The kernel has them now: use runs alone.
	if runUse(nb.Session); len(statuses(rec, "load")) != 0 {
		t.Errorf("load ran again (%v) though the kernel has its names", statuses(rec, "load"))
	}
	// The notebook is closed (the app restarted) and reopened.
	if err := s.CloseNotebook(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	nb = open(t, s, entry.Path)
	if got := runUse(nb.Session); got != "6\n" {
		t.Errorf("after reopening use printed %q, want 6", got)
	}
	if got := statuses(rec, "load"); !slices.Equal(got, done) {
		t.Errorf("after reopening load went %v, want %v", got, done)
	}
	if got := statuses(rec, "other"); len(got) != 0 {
		t.Errorf("other, which use does not read, went %v", got)
	}
	// A restart forgets the kernel's globals.
	if _, err := s.RestartKernel(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	if got := runUse(nb.Session); got != "6\n" {
		t.Errorf("after a restart use printed %q, want 6", got)
	}
	if got := statuses(rec, "load"); !slices.Equal(got, done) {
		t.Errorf("after a restart load went %v, want %v", got, done)
	}
	// A cell that fails binds nothing the next run could count on.
	cells[0].Source = "rows = [1]\nraise ValueError('no')"
	rec.events = nil
	if _, err := s.RestartKernel(ctx, nb.Session); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{"use"}}); err != nil {
		t.Fatal(err)
	}
	if out := lastEvent(t, rec, "load").Output; out == nil || out.Error == nil || !strings.Contains(out.Error.Message, "ValueError") {
		t.Errorf("the failing load: %+v, want its ValueError", out)
	}
}
