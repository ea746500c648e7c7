package notebook

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetaParsed(t *testing.T) {
	nb, data := mustRead(t, filepath.Join("testdata", "meta", "smallfry.ipynb"))
	if got := mustMarshal(t, nb); !bytes.Equal(got, data) {
		t.Fatalf("an unedited notebook changed:\n%s", got)
	}
	c := nb.Cells[0]
	if c.Kind != KindSQL || c.Name != "sales" {
		t.Errorf("kind, name = %s, %q; want sql, sales", c.Kind, c.Name)
	}
	if c.Meta.Chart["mark"] != "bar" || c.Meta.Chart["width"] != 1.5 {
		t.Errorf("chart = %v", c.Meta.Chart)
	}
	want := LakeSave{Table: "sales_by_year", PartitionBy: []string{"year"}, Mode: SavePartitions}
	if l := c.Meta.Lake; l == nil || l.Table != want.Table || l.Mode != want.Mode || len(l.PartitionBy) != 1 || l.PartitionBy[0] != "year" {
		t.Errorf("lake = %+v, want %+v", c.Meta.Lake, want)
	}
	if img := nb.Meta.Image(); img != "python:3.12" {
		t.Errorf("docker image = %q", img)
	}
	if k := nb.KernelName(); k != "py311" {
		t.Errorf("kernel name = %q, want py311", k)
	}
}

// Editing one field of the metadata rewrites that field only: the others,
// unknown keys included, keep their bytes.
func TestMetaEdits(t *testing.T) {
	path := filepath.Join("testdata", "meta", "smallfry.ipynb")
	for _, tc := range []struct {
		name    string
		edit    func(nb *Notebook)
		changed []string // lines that must appear
		kept    []string // lines that must stay as read
		absent  []string
	}{
		{
			name:    "chart",
			edit:    func(nb *Notebook) { nb.Cells[0].Meta.Chart = map[string]any{"mark": "line"} },
			changed: []string{`"mark": "line"`},
			kept:    []string{"2.0", `"mode": "partitions"`, `"image": "python:3.12"`},
		},
		{
			name:    "chart removed",
			edit:    func(nb *Notebook) { nb.Cells[0].Meta.Chart = nil },
			absent:  []string{`"mark"`, `"chart"`},
			kept:    []string{"2.0", `"name": "sales"`},
			changed: []string{`"kind": "sql",`},
		},
		{
			name:    "lake",
			edit:    func(nb *Notebook) { nb.Cells[0].Meta.Lake.Mode = SaveOverwrite },
			changed: []string{`"mode": "overwrite"`},
			kept:    []string{`"width": 1.50`},
		},
		{
			name:    "engine added",
			edit:    func(nb *Notebook) { nb.Cells[0].Meta.Engine = "spark" },
			changed: []string{`"engine": "spark"`},
			kept:    []string{`"width": 1.50`},
		},
		{
			name:    "name only",
			edit:    func(nb *Notebook) { nb.Cells[0].Name = "sales2" },
			changed: []string{`"name": "sales2"`},
			kept:    []string{`"width": 1.50`},
		},
		{
			name:    "docker image",
			edit:    func(nb *Notebook) { nb.Meta.Docker.Image = "img:2" },
			changed: []string{`"image": "img:2"`, `"later": true`},
			kept:    []string{`"width": 1.50`},
		},
		{
			name:   "docker removed",
			edit:   func(nb *Notebook) { nb.Meta.Docker = nil },
			absent: []string{`"docker"`, `"python:3.12"`},
			// the unknown key stays
			changed: []string{`"later": true`},
			kept:    []string{`"name": "py311"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb, _ := mustRead(t, path)
			tc.edit(nb)
			out := string(mustMarshal(t, nb))
			for _, s := range append(tc.changed, tc.kept...) {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(out, s) {
					t.Errorf("output still has %s:\n%s", s, out)
				}
			}
			again, err := Parse("again", []byte(out))
			if err != nil {
				t.Fatalf("the edited notebook does not parse: %v", err)
			}
			if a, b := metaJSON(t, again.Cells[0].Meta), metaJSON(t, nb.Cells[0].Meta); a != b {
				t.Errorf("cell metadata after a round trip = %s, want %s", a, b)
			}
			if a, b := metaJSON(t, again.Meta), metaJSON(t, nb.Meta); a != b {
				t.Errorf("notebook metadata after a round trip = %s, want %s", a, b)
			}
		})
	}
}

func metaJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Metadata of the wrong shape is refused with the key it is about, rather
// than ignored (a chart that silently disappears) or run wrongly.
func TestMetaMalformed(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"bad_lake.ipynb", "cell 1: metadata.smallfry.lake is a JSON string where an object was expected"},
		{"bad_chart.ipynb", "cell 1: metadata.smallfry.chart is a JSON array where an object was expected"},
		{"bad_docker.ipynb", "notebook metadata.smallfry.docker.image is a JSON number where a string was expected"},
		{"bad_smallfry.ipynb", "cell 1: metadata.smallfry is not an object"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "meta", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(tc.file, data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A new SQL cell is saved as SQL: without the kind, the notebook would come
// back with a Python cell holding SQL.
func TestNewCellKeepsItsKind(t *testing.T) {
	for _, kind := range []Kind{KindSQL, KindPython, KindMarkdown} {
		t.Run(string(kind), func(t *testing.T) {
			nb := New()
			c := NewCell(kind, "SELECT 42")
			c.Meta.Chart = map[string]any{"mark": "bar"}
			if kind == KindMarkdown {
				c.Meta = CellMeta{}
			}
			nb.Cells = append(nb.Cells, c)
			again, err := Parse("new", mustMarshal(t, nb))
			if err != nil {
				t.Fatal(err)
			}
			got := again.Cells[0]
			if got.Kind != kind || got.Source != "SELECT 42" {
				t.Errorf("read back %s %q, want %s", got.Kind, got.Source, kind)
			}
			if kind != KindMarkdown && got.Meta.Chart["mark"] != "bar" {
				t.Errorf("chart lost: %v", got.Meta.Chart)
			}
		})
	}
}

func TestValidateLakeSave(t *testing.T) {
	for _, tc := range []struct {
		name string
		save LakeSave
		want string // "" when valid
	}{
		{"overwrite", LakeSave{Table: "sales"}, ""},
		{"partitions", LakeSave{Table: "sales", PartitionBy: []string{"year"}, Mode: SavePartitions}, ""},
		{"bad name", LakeSave{Table: "my sales"}, `"my sales" is not a valid table name`},
		{"raw", LakeSave{Table: "RAW"}, `"RAW" is not a valid table name`},
		{"bad mode", LakeSave{Table: "sales", Mode: "append"}, `mode "append" is neither`},
		{"partitions without keys", LakeSave{Table: "sales", Mode: SavePartitions}, "needs partition_by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb := New()
			c := NewCell(KindSQL, "SELECT 1")
			c.Meta.Lake = &tc.save
			nb.Cells = append(nb.Cells, c)
			err := nb.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestKernelName(t *testing.T) {
	for _, tc := range []struct{ meta, want string }{
		{`{}`, "python3"},
		{`{"kernelspec": {"name": "python3"}}`, "python3"},
		{`{"kernelspec": {"name": "python"}}`, "python3"}, // Jupyter's alias, as papermill takes it
		{`{"kernelspec": {"name": "Python"}}`, "python3"},
		{`{"kernelspec": {"name": " "}}`, "python3"},
		{`{"kernelspec": {"name": 3}}`, "python3"},
		{`{"kernelspec": {"name": "python2"}}`, "python2"},
		{`{"kernelspec": {"name": "py311"}}`, "py311"},
	} {
		t.Run(tc.meta, func(t *testing.T) {
			nb, err := Parse("k.ipynb", []byte(`{"cells": [], "metadata": `+tc.meta+`, "nbformat": 4, "nbformat_minor": 5}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := nb.KernelName(); got != tc.want {
				t.Errorf("KernelName = %q, want %q", got, tc.want)
			}
		})
	}
}
