package workbench

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"smallfry/backend/notebook"
	"smallfry/backend/runs"
)

// Runs lists the runs of a notebook (path as the UI names it), headless and
// interactive, newest first.
func (s *Service) Runs(ctx context.Context, path string) ([]*runs.Record, error) {
	abs, err := s.notebookPath(path)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(s.cfg.Root, abs)
	if err != nil {
		return nil, err
	}
	list, err := s.cfg.Runs.List(filepath.ToSlash(rel))
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*runs.Record{}
	}
	// A published notebook's scheduled runs, beside the local ones.
	if nb, err := notebook.ReadFile(abs); err == nil && nb.Meta.Schedule != nil {
		scheduled, err := s.scheduledRuns(ctx, filepath.ToSlash(rel), nb.Meta.Schedule)
		if err != nil {
			return nil, err
		}
		list = append(list, scheduled...)
		slices.SortStableFunc(list, func(a, b *runs.Record) int { return b.StartedAt.Compare(a.StartedAt) })
	}
	return list, nil
}

// OpenRun opens a run's output notebook, read-only: its cells and the
// outputs they had in that run. It has no session; nothing in it runs.
func (s *Service) OpenRun(ctx context.Context, id string) (*OpenedNotebook, error) {
	if strings.HasPrefix(id, scheduledPrefix) {
		return s.openScheduledRun(ctx, id)
	}
	rec, err := s.cfg.Runs.Load(id)
	if err != nil {
		return nil, err
	}
	nb, err := notebook.ReadFile(s.cfg.Runs.OutputPath(rec.ID))
	if err != nil {
		return nil, err
	}
	opened := &OpenedNotebook{Path: rec.Notebook, Cells: cellsOf(nb), ReadOnly: true, Outputs: map[string]*CellOutput{}, States: statesOf(rec, nb)}
	for _, c := range nb.Cells {
		if outs := c.Outputs(); len(outs) > 0 {
			opened.Outputs[c.ID] = outputOf(c, outs)
		}
	}
	return opened, nil
}
