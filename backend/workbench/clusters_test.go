package workbench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/workbench"
)

// A cell's engine is saved in the notebook and read back; without company
// clusters, a cell that names one fails saying so, and the notebook's
// default cannot be set to one. (The cluster itself: backend/cluster's
// tests and e2e/cluster.e2e.ts.)
func TestCellEnginesWithoutClusters(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	list, err := s.Clusters(ctx)
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("Clusters = %v, %v; want an empty list", list, err)
	}
	nb := open(t, s, "sales-by-brand-and-country.ipynb")
	if _, err := s.SetEngine(ctx, nb.Session, "prod"); err == nil || !strings.Contains(err.Error(), `no cluster "prod"`) {
		t.Errorf("SetEngine(prod) = %v", err)
	}
	if rt, err := s.SetEngine(ctx, nb.Session, "duckdb"); err != nil || rt.Engine != "" {
		t.Errorf("SetEngine(duckdb) = %+v, %v", rt, err)
	}
	cells := nb.Cells
	var id string
	for i, c := range cells {
		if c.Kind == "sql" && !strings.Contains(strings.Join(c.Tags, ","), "parameters") {
			cells[i].Engine, id = "prod", c.ID
			break
		}
	}
	if _, err := s.SaveNotebook(ctx, nb.Session, cells); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(notebooksDir(t, s), "sales-by-brand-and-country.ipynb"))
	if err != nil || !strings.Contains(string(data), `"engine": "prod"`) {
		t.Fatalf("the file does not hold the engine (%v)", err)
	}
	again := open(t, s, "sales-by-brand-and-country.ipynb")
	for _, c := range again.Cells {
		if c.ID == id && c.Engine != "prod" {
			t.Errorf("reopened, the cell's engine is %q", c.Engine)
		}
	}
	sum, err := s.RunCells(ctx, again.Session, workbench.RunRequest{Cells: again.Cells, Run: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != "failed" || !strings.Contains(sum.Error, `engine "prod", which is not set up here`) {
		t.Errorf("run: %+v", sum)
	}
}
