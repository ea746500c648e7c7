package notebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cellSpans returns, for each cell, the [first, last] line numbers of its
// object in a multi-line notebook: cells are the objects two levels deep.
func cellSpans(data []byte, indent string) [][2]int {
	lines := strings.Split(string(data), "\n")
	open, closeA, closeB := indent+indent+"{", indent+indent+"}", indent+indent+"},"
	var spans [][2]int
	start := -1
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		switch {
		case l == open:
			start = i
		case (l == closeA || l == closeB) && start >= 0:
			spans = append(spans, [2]int{start, i})
			start = -1
		}
	}
	return spans
}

// changedRegion is the block of lines between the common prefix and the
// common suffix of a and b: the only place an edit may show.
func changedRegion(a, b []string) (fromA, toA, fromB, toB int) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return p, len(a) - s, p, len(b) - s
}

func TestEditingOneCellChangesOnlyItsLines(t *testing.T) {
	for _, path := range fixtures(t) {
		nb0, data := mustRead(t, path)
		indent := nb0.layout.indent
		before := cellSpans(data, indent)
		if len(before) != len(nb0.Cells) {
			t.Fatalf("%s: found %d cell objects, the notebook has %d cells", path, len(before), len(nb0.Cells))
		}
		for k := range nb0.Cells {
			t.Run(fmt.Sprintf("%s/cell %d", filepath.Base(path), k+1), func(t *testing.T) {
				nb, _ := mustRead(t, path)
				nb.Cells[k].Source = editedSource
				out := mustMarshal(t, nb)
				after := cellSpans(out, indent)
				a := strings.Split(string(data), "\n")
				b := strings.Split(string(out), "\n")
				fromA, toA, fromB, toB := changedRegion(a, b)
				if fromA >= toA && fromB >= toB {
					t.Fatal("the edit did not change the file")
				}
				if fromA < before[k][0] || toA > before[k][1]+1 || fromB < after[k][0] || toB > after[k][1]+1 {
					t.Errorf("edit of cell %d changed lines %d-%d (was %d-%d) outside the cell at %v (was %v):\n-%s\n+%s",
						k+1, fromB+1, toB, fromA+1, toA, after[k], before[k],
						strings.Join(a[fromA:toA], "\n-"), strings.Join(b[fromB:toB], "\n+"))
				}
				back, err := Parse(path, out)
				if err != nil {
					t.Fatalf("Parse(our output): %v", err)
				}
				if got := back.Cells[k].Source; got != nb.Cells[k].Source {
					t.Errorf("source read back = %q, want %q", got, nb.Cells[k].Source)
				}
				if got := back.Cells[k].Kind; got != nb.Cells[k].Kind {
					t.Errorf("kind read back = %q, want %q", got, nb.Cells[k].Kind)
				}
			})
		}
	}
}

// editedSource is what the edit tests put in a cell: non-ASCII, HTML
// characters and a U+2028, which nbformat splits lines at.
const editedSource = "edited = 'é 日本 <b>&</b>'\n\nprint(edited)  # \u2028 still one cell"

// notebookEdit is one kind of change the engine or the UI makes.
type notebookEdit struct {
	name    string
	emptyOK bool // applies to a notebook without cells
	edit    func(nb *Notebook)
}

func notebookEdits() []notebookEdit {
	three := 3
	code := func(nb *Notebook) *Cell { return firstOf(nb, KindPython, KindCode, KindSQL) }
	last := func(nb *Notebook) *Cell { return nb.Cells[len(nb.Cells)-1] }
	return []notebookEdit{
		{"source", false, func(nb *Notebook) { last(nb).Source = "a = 1\r\nb = 2\n\n" }},
		{"empty source", false, func(nb *Notebook) { nb.Cells[0].Source = "" }},
		{"code to markdown", false, func(nb *Notebook) { code(nb).Kind = KindMarkdown }},
		{"markdown to SQL with a name", false, func(nb *Notebook) {
			c := firstOf(nb, KindMarkdown, KindRaw)
			c.Kind, c.Name, c.Source = KindSQL, "top_brands", "SELECT 1"
		}},
		{"tags", false, func(nb *Notebook) { last(nb).Tags = []string{"parameters", "zzz"} }},
		{"outputs", false, func(nb *Notebook) {
			c := code(nb)
			if c.Kind == "" {
				return
			}
			c.SetOutputs([]any{
				map[string]any{"output_type": "stream", "name": "stdout", "text": "é 日本\n<b>&</b>\u2028x\n"},
				map[string]any{"output_type": "execute_result", "execution_count": 3, "metadata": map[string]any{},
					"data": map[string]any{"text/plain": "0.1", "text/html": "<p>1</p>\n<p>2</p>", "image/png": "iVBORw0KGgo=\n",
						"application/json": map[string]any{"z": 1e-05, "a": []any{0.1, "x\ny"}}}},
				json.RawMessage(`{"output_type":"error","ename":"E","evalue":"bad","traceback":["\u001b[31mE\u001b[0m: bad"]}`),
				json.RawMessage(`{"output_type":"display_data","data":{"image/svg+xml":"<svg>\n</svg>","application/javascript":"a;\nb;"},"metadata":{"w":1.0}}`),
			})
			c.SetExecutionCount(&three)
		}},
		{"cell metadata", false, func(nb *Notebook) {
			nb.Cells[0].SetMetadata("papermill", map[string]any{"duration": 0.25, "status": "completed", "start_time": "2024-01-01T00:00:00Z"})
			nb.Cells[0].SetMetadata("collapsed", nil)
		}},
		{"notebook metadata", true, func(nb *Notebook) {
			nb.SetMetadata("papermill", map[string]any{"parameters": map[string]any{"region": "US"}, "duration": 1.5})
		}},
		{"insert and remove cells", true, func(nb *Notebook) {
			if len(nb.Cells) > 0 {
				nb.RemoveCell(0)
			}
			nb.InsertCell(0, NewCell(KindPython, "# Parameters\nregion = \"US\"\n"))
			nb.Cells[0].Tags = []string{"injected-parameters"}
			nb.InsertCell(len(nb.Cells), NewCell(KindRaw, "raw\ntext"))
			nb.InsertCell(1, NewCell(KindSQL, "SELECT 42"))
		}},
		{"clear outputs", false, func(nb *Notebook) { nb.ClearOutputs() }},
	}
}

// TestEdits makes every kind of change on every fixture and checks the
// result reads back and is stable; TestNbformatAcceptsOurOutput has the real
// nbformat check the same outputs.
func TestEdits(t *testing.T) {
	for _, path := range fixtures(t) {
		for _, e := range notebookEdits() {
			t.Run(filepath.Base(path)+"/"+e.name, func(t *testing.T) {
				nb, data := mustRead(t, path)
				if len(nb.Cells) == 0 && !e.emptyOK {
					t.Skip("the notebook has no cells")
				}
				e.edit(nb)
				out := mustMarshal(t, nb)
				if e.name != "clear outputs" && bytes.Equal(out, data) {
					t.Skip("the notebook has no cell this edit applies to")
				}
				again, err := Parse(path, out)
				if err != nil {
					t.Fatalf("Parse(our output): %v", err)
				}
				if twice := mustMarshal(t, again); !bytes.Equal(twice, out) {
					t.Errorf("a second round trip changed the file")
				}
			})
		}
	}
}

// firstOf returns the first cell of one of the kinds, or a cell that is not
// in the notebook (so editing it changes nothing and the test says so).
func firstOf(nb *Notebook, kinds ...Kind) *Cell {
	for _, c := range nb.Cells {
		if slices.Contains(kinds, c.Kind) {
			return c
		}
	}
	return &Cell{}
}

func TestSQLMagicLineIsKept(t *testing.T) {
	nb, _ := mustRead(t, filepath.Join("testdata", "sql_cells.ipynb"))
	magic := nb.Cells[1]
	magic.Source = "SELECT 2"
	magic.Name = "two"
	back, err := Parse("x.ipynb", mustMarshal(t, nb))
	if err != nil {
		t.Fatal(err)
	}
	got := back.Cells[1]
	if got.Kind != KindSQL || got.Source != "SELECT 2" || got.Name != "two" || got.magic != "%%sql\n" {
		t.Errorf("got kind %q source %q name %q magic %q", got.Kind, got.Source, got.Name, got.magic)
	}
	if src, _ := got.node.get("source").items[0].str(); src != "%%sql\n" {
		t.Errorf("first saved line = %q, want the magic line", src)
	}
	if k, _ := got.node.get("metadata").get("smallfry").get("kind").str(); k != "" {
		t.Errorf("a %%%%sql cell got smallfry.kind %q; the magic already says it", k)
	}

	// Turning it into Python drops the magic and the SQL marking.
	got.Kind = KindPython
	again, err := Parse("x.ipynb", mustMarshal(t, back))
	if err != nil {
		t.Fatal(err)
	}
	if c := again.Cells[1]; c.Kind != KindPython || c.Source != "SELECT 2" {
		t.Errorf("after the kind change: kind %q source %q", c.Kind, c.Source)
	}
}

func TestKindChangesKeepTheSchema(t *testing.T) {
	nb, _ := mustRead(t, filepath.Join("testdata", "attachments_raw.ipynb"))
	nb.Cells[0].Kind = KindSQL // a markdown cell with attachments
	nb.Cells[1].Kind = KindPython
	out := mustMarshal(t, nb)
	back, err := Parse("x.ipynb", out)
	if err != nil {
		t.Fatal(err)
	}
	c := back.Cells[0]
	if c.Kind != KindSQL || c.node.get("attachments") != nil || c.node.get("outputs") == nil || c.ExecutionCount() != nil {
		t.Errorf("markdown→SQL: kind %q, attachments %v, outputs %v", c.Kind, c.node.get("attachments"), c.Outputs())
	}
	if raw, ok := back.Cells[1].Metadata("format"); !ok || string(raw) != `"text/restructuredtext"` {
		t.Errorf("raw→python lost the cell's metadata: %s", raw)
	}
}

func TestIDs(t *testing.T) {
	t.Run("4.4 ids stay in memory", func(t *testing.T) {
		nb, _ := mustRead(t, filepath.Join("testdata", "v44_no_ids.ipynb"))
		nb.Cells[0].Source = "changed"
		nb.InsertCell(0, NewCell(KindPython, "x = 1"))
		out := mustMarshal(t, nb)
		if bytes.Contains(out, []byte(`"id"`)) {
			t.Errorf("a 4.4 notebook got ids written:\n%s", out)
		}
	})
	t.Run("4.5 cell without an id gets one when edited", func(t *testing.T) {
		doc := `{"cells": [{"cell_type": "raw", "metadata": {}, "source": "a"}, {"cell_type": "raw", "metadata": {}, "source": "b"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
		nb, err := Parse("x.ipynb", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(mustMarshal(t, nb)); got != doc {
			t.Errorf("unedited: an id was added: %s", got)
		}
		nb.Cells[1].Source = "c"
		back, err := Parse("x.ipynb", mustMarshal(t, nb))
		if err != nil {
			t.Fatal(err)
		}
		if back.Cells[0].idInFile || !back.Cells[1].idInFile || back.Cells[1].ID != nb.Cells[1].ID {
			t.Errorf("ids in file: %v %v, want only the edited cell's (%s)", back.Cells[0].idInFile, back.Cells[1].idInFile, nb.Cells[1].ID)
		}
	})
	t.Run("4.5 new cells get unique ids", func(t *testing.T) {
		nb, _ := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
		dup := NewCell(KindPython, "y = 2")
		dup.ID = "params" // already used
		nb.InsertCell(0, dup)
		nb.Cells = append(nb.Cells, &Cell{Kind: KindMarkdown, Source: "built by hand"})
		back, err := Parse("x.ipynb", mustMarshal(t, nb))
		if err != nil {
			t.Fatal(err)
		}
		if dup.ID == "params" || back.Cells[0].ID != dup.ID || back.Cells[len(back.Cells)-1].ID == "" {
			t.Errorf("ids: inserted %q read back %q, hand-built %q", dup.ID, back.Cells[0].ID, back.Cells[len(back.Cells)-1].ID)
		}
		if err := back.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	})
}

func TestOutputs(t *testing.T) {
	nb, _ := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
	c := nb.Cell("cell-2")
	outs := c.Outputs()
	if len(outs) != 1 || string(outs[0]) != `{"name":"stdout","output_type":"stream","text":"hello\nworld\n"}` {
		t.Errorf("Outputs() = %s", outs)
	}
	if n := c.ExecutionCount(); n == nil || *n != 1 {
		t.Errorf("ExecutionCount() = %v, want 1", n)
	}
	if got := nb.Cell("cell-1").Outputs(); got != nil {
		t.Errorf("markdown Outputs() = %s, want nil", got)
	}
	// Outputs read back are what SetOutputs takes.
	var anys []any
	for _, o := range outs {
		anys = append(anys, o)
	}
	before := mustMarshal(t, nb)
	c.SetOutputs(anys)
	if after := mustMarshal(t, nb); !bytes.Equal(before, after) {
		t.Errorf("SetOutputs(Outputs()) changed the file")
	}
}

func TestClearOutputsTouchesOnlyCellsWithOutputs(t *testing.T) {
	nb, data := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
	nb.ClearOutputs()
	out := mustMarshal(t, nb)
	fromA, toA, _, _ := changedRegion(strings.Split(string(data), "\n"), strings.Split(string(out), "\n"))
	spans := cellSpans(data, " ")
	// cells 1, 2 and 7, 8 have nothing to clear, so the change starts after them.
	if fromA <= spans[3][0] || toA > spans[5][1]+1 {
		t.Errorf("ClearOutputs changed lines %d-%d; cells with outputs are at %v-%v", fromA+1, toA, spans[3], spans[5])
	}
	for _, c := range nb.Cells {
		if len(c.Outputs()) != 0 || c.ExecutionCount() != nil {
			t.Errorf("cell %s still has outputs or a count", c.ID)
		}
	}
}

func TestSetterErrorsFailMarshal(t *testing.T) {
	tests := []struct {
		name string
		edit func(nb *Notebook)
		want string
	}{
		{"NaN in outputs", func(nb *Notebook) {
			nb.Cells[1].SetOutputs([]any{map[string]any{"x": math.NaN()}})
		}, "cell 2: output 1: json: unsupported value: NaN"},
		{"channel in cell metadata", func(nb *Notebook) {
			nb.Cells[0].SetMetadata("bad", make(chan int))
		}, `cell 1: metadata "bad"`},
		{"Inf in notebook metadata", func(nb *Notebook) {
			nb.SetMetadata("bad", math.Inf(1))
		}, `notebook metadata "bad"`},
		{"unknown kind", func(nb *Notebook) { nb.Cells[2].Kind = "fortran" }, `cell 3: unknown kind "fortran"`},
		{"nil cell", func(nb *Notebook) { nb.Cells[0] = nil }, "cell 1 is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, _ := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
			tt.edit(nb)
			_, err := nb.Marshal()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "v45_ids.ipynb") {
				t.Errorf("Marshal error = %v, want it to name the file and say %q", err, tt.want)
			}
		})
	}
}

func TestUnchangedFieldsDoNotRewrite(t *testing.T) {
	nb, data := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
	for _, c := range nb.Cells {
		c.Source = strings.Clone(c.Source)
		c.Tags = slices.Clone(c.Tags) // same values, new slices
		if c.Kind == KindPython {
			c.Kind = KindCode // both are code cells in the file
		}
	}
	if out := mustMarshal(t, nb); !bytes.Equal(out, data) {
		t.Errorf("setting fields to equal values changed the file")
	}
}
