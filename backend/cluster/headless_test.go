//go:build duckdb_arrow

package cluster

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/lake"
	"smallfry/backend/notebook"
	"smallfry/backend/runner"
	"smallfry/backend/runs"
)

func sqlCell(source, name, engine string) *notebook.Cell {
	c := notebook.NewCell(notebook.KindSQL, source)
	c.Name, c.Meta.Engine = name, engine
	return c
}

// A headless run (the runner as `smallfry run` drives it, with the
// company's clusters as engines) mixing local and cluster cells: the
// record names each cell's engine, its Spark operation and the bytes back.
func TestHeadlessRunMixesLocalAndClusterCells(t *testing.T) {
	f := newFixture(t, "")
	root := t.TempDir()
	local, err := lake.Open(filepath.Join(root, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := runs.Open(filepath.Join(root, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	params := notebook.NewCell(notebook.KindPython, "skip = 2")
	params.Tags = []string{"parameters"}
	nb := notebook.New()
	nb.Meta.Engine = "test" // the notebook's default: the cluster
	nb.Cells = []*notebook.Cell{
		params,
		sqlCell("SELECT region, count(*) AS n FROM s3.Sales WHERE region <> $skip GROUP BY region", "by_region", ""),
		sqlCell("SELECT sum(n) AS rows FROM by_region", "total", "duckdb"),
	}
	env := runner.Env{Root: root, Runs: store, Lake: local, S3: f.lake}
	out, err := runner.Run(f.ctx, env, f.db, nb, filepath.Join(root, "mixed.ipynb"), runner.Options{
		Params:  map[string]string{"skip": "0"},
		Engines: map[string]runner.Engine{"test": f.engine},
		Offload: &runner.Offload{Bytes: 2 << 30, Clusters: []string{"test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Err != nil {
		t.Fatalf("the run failed: %v", out.Err)
	}
	if got := f.value(t, "SELECT rows FROM total"); got != "2000" {
		t.Errorf("the local cell over the cluster's result: %s, want 2000 (region 0 skipped)", got)
	}
	rec, err := store.Load(out.Record.ID)
	if err != nil {
		t.Fatal(err)
	}
	var engines []string
	for _, c := range rec.Cells {
		engines = append(engines, c.Engine)
	}
	if strings.Join(engines, ",") != "test,duckdb" {
		t.Fatalf("engines in the record: %v", engines)
	}
	cl := rec.Cells[0]
	if cl.Operation == "" || cl.BytesReturned <= 0 || cl.Rows != 2 {
		t.Errorf("the cluster cell's record: %+v", cl)
	}
	if rec.Cells[1].Operation != "" || rec.Cells[1].BytesReturned != 0 {
		t.Errorf("the local cell's record: %+v", rec.Cells[1])
	}
}

// A local cell over the S3 lake that would download more than the
// threshold is refused with the offer, before anything is downloaded; told
// to download anyway, it runs.
func TestLocalCellOverTheThresholdOffersTheCluster(t *testing.T) {
	f := newFixture(t, "")
	root := t.TempDir()
	local, _ := lake.Open(filepath.Join(root, "lake"))
	store, _ := runs.Open(filepath.Join(root, "runs"))
	env := runner.Env{Root: root, Runs: store, Lake: local, S3: f.lake}
	cells := func() *notebook.Notebook {
		nb := notebook.New()
		nb.Cells = []*notebook.Cell{
			sqlCell("SELECT count(*) AS n FROM s3.Sales WHERE region = 1", "one", ""),
			sqlCell("SELECT count(*) AS n FROM s3.Sales", "whole", ""),
		}
		return nb
	}
	tf, _, err := f.lake.Files(f.ctx, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	var one, all int64
	for _, file := range tf.Files {
		all += file.Size
		if file.Partition["region"] == "1" {
			one += file.Size
		}
	}
	// The threshold sits between one partition and the rest of the table
	// (what the second cell downloads once the first cached its partition).
	var estimates []runner.Estimate
	offload := &runner.Offload{Bytes: all / 2, Clusters: []string{"test"}, OnEstimate: func(_ string, e runner.Estimate) { estimates = append(estimates, e) }}
	out, err := runner.Run(f.ctx, env, f.db, cells(), filepath.Join(root, "big.ipynb"), runner.Options{Engines: map[string]runner.Engine{"test": f.engine}, Offload: offload})
	if err != nil {
		t.Fatal(err)
	}
	var oe *runner.OffloadError
	if !errors.As(out.Err, &oe) {
		t.Fatalf("got %v, want the offload offer", out.Err)
	}
	if one >= all/2 || all-one <= all/2 {
		t.Fatalf("the partitions are too uneven for this test: %d of %d bytes", one, all)
	}
	if len(estimates) != 2 || estimates[0].ToDownload != one || estimates[1].Bytes != all || estimates[1].ToDownload != all-one || oe.ToDownload != all-one {
		t.Errorf("estimates %+v, offer %+v; want %d, then %d of %d bytes", estimates, oe.Estimate, one, all-one, all)
	}
	for _, want := range []string{"cell 2 (whole)", "would download", "run it on cluster test instead", "download anyway"} {
		if !strings.Contains(out.Err.Error(), want) {
			t.Errorf("the offer %q does not say %q", out.Err, want)
		}
	}
	offload.All = true
	out, err = runner.Run(f.ctx, env, f.db, cells(), filepath.Join(root, "big.ipynb"), runner.Options{Engines: map[string]runner.Engine{"test": f.engine}, Offload: offload})
	if err != nil || out.Err != nil {
		t.Fatalf("download anyway: %v %v", err, out.Err)
	}
	if got := f.value(t, "SELECT n FROM whole"); got != "3000" {
		t.Errorf("downloaded anyway: %s", got)
	}
}
