package workbench

import (
	"context"
	"path/filepath"

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
	rel, err := filepath.Rel(s.ws.Root, abs)
	if err != nil {
		return nil, err
	}
	list, err := s.ws.Runs.List(filepath.ToSlash(rel))
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*runs.Record{}
	}
	return list, nil
}

// OpenRun opens a run's output notebook, read-only: its cells and the
// outputs they had in that run. It has no session; nothing in it runs.
func (s *Service) OpenRun(ctx context.Context, id string) (*OpenedNotebook, error) {
	rec, err := s.ws.Runs.Load(id)
	if err != nil {
		return nil, err
	}
	nb, err := notebook.ReadFile(s.ws.Runs.OutputPath(rec.ID))
	if err != nil {
		return nil, err
	}
	opened := &OpenedNotebook{Path: rec.Notebook, Cells: cellsOf(nb), ReadOnly: true, Outputs: map[string]*CellOutput{}}
	for _, c := range nb.Cells {
		if outs := c.Outputs(); len(outs) > 0 {
			opened.Outputs[c.ID] = outputOf(c, outs)
		}
	}
	return opened, nil
}
