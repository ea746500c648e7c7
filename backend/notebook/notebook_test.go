package notebook

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRoundTripIsByteIdentical(t *testing.T) {
	for _, path := range fixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			nb, data := mustRead(t, path)
			got := mustMarshal(t, nb)
			if !bytes.Equal(got, data) {
				t.Errorf("Marshal(Parse(%s)) differs from the file:\n got: %.300q\nwant: %.300q", path, got, data)
			}
		})
	}
}

func TestRoundTripOtherLayouts(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"CRLF indent 1", "{\r\n \"cells\": [],\r\n \"metadata\": {},\r\n \"nbformat\": 4,\r\n \"nbformat_minor\": 5\r\n}\r\n"},
		{"tabs, no trailing newline", "{\n\t\"cells\": [\n\t\t{\n\t\t\t\"cell_type\": \"raw\",\n\t\t\t\"metadata\": {},\n\t\t\t\"source\": \"x\"\n\t\t}\n\t],\n\t\"metadata\": {},\n\t\"nbformat\": 4,\n\t\"nbformat_minor\": 4\n}"},
		{"compact, as Go's encoding/json writes", `{"cells":[{"cell_type":"markdown","metadata":{},"source":["a\n","b"]}],"metadata":{"x":[1.50,2e3]},"nbformat":4,"nbformat_minor":2}`},
		{"python default separators", `{"cells": [], "metadata": {"a": [1, 2]}, "nbformat": 4, "nbformat_minor": 5}` + "\n\n"},
		{"duplicate keys: the last one counts, as in Python", "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"cell_type\": \"raw\",\n   \"metadata\": {},\n   \"source\": \"x\"\n  }\n ],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 4\n}\n"},
		{"byte order mark", "\ufeff{\n \"cells\": [],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n"},
		{"escapes kept as written", "{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"metadata\": {\"k\\u00e9y\": \"\\u003cb\\u003e \\/ \\ud800\"},\n   \"source\": \"caf\\u00e9\"\n  }\n ],\n \"metadata\": {\"nan\": NaN, \"inf\": -Infinity},\n \"nbformat\": 4,\n \"nbformat_minor\": 4\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, err := Parse("test.ipynb", []byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := mustMarshal(t, nb)
			if strings.HasPrefix(tt.name, "duplicate keys") && nb.Cells[0].Kind != KindRaw {
				t.Errorf("kind = %q, want raw (the last cell_type)", nb.Cells[0].Kind)
			}
			if tt.name == "escapes kept as written" {
				// Not nbformat's style (nothing in one line), so only the
				// tokens survive; check those and that it is stable.
				for _, tok := range []string{`"k\u00e9y"`, `"\u003cb\u003e \/ \ud800"`, `"caf\u00e9"`, "NaN", "-Infinity"} {
					if !bytes.Contains(got, []byte(tok)) {
						t.Errorf("token %s lost:\n%s", tok, got)
					}
				}
				return
			}
			if string(got) != tt.doc {
				t.Errorf("got  %q\nwant %q", got, tt.doc)
			}
		})
	}
}

func TestCellsAsRead(t *testing.T) {
	type want struct {
		kind   Kind
		source string
		name   string
		tags   []string
		id     string
	}
	tests := []struct {
		file  string
		index int
		want  want
	}{
		{"v45_ids.ipynb", 0, want{KindPython, "region = 'EU'\nlimit = 10\n", "", []string{"parameters"}, "params"}},
		{"v45_ids.ipynb", 2, want{KindMarkdown, "# Sales\n\nA *small* notebook.", "", nil, "cell-1"}},
		{"v45_ids.ipynb", 6, want{KindPython, "", "", nil, "cell-5"}},
		{"sql_cells.ipynb", 0, want{KindSQL, "SELECT brand, sum(amount) AS total\nFROM sales\nGROUP BY brand\n", "sales_by_brand", nil, "sql-1"}},
		{"sql_cells.ipynb", 1, want{KindSQL, "SELECT * FROM sales_by_brand LIMIT 5", "", nil, "sql-magic"}},
		{"sql_cells.ipynb", 2, want{KindPython, "sales_by_brand.head()", "", nil, "py-1"}},
		{"r_kernel.ipynb", 0, want{KindCode, "df <- data.frame(x = 1:2)\nhead(df)", "", nil, "r-head"}},
		{"attachments_raw.ipynb", 1, want{KindRaw, ".. note:: restructured\n   text\n", "", nil, "raw-rst"}},
		{"unicode.ipynb", 0, want{KindMarkdown, "Café 日本 🐟\u2028next\u2029para <script>alert('&')</script>", "", nil, "uni-md"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/cell %d", tt.file, tt.index+1), func(t *testing.T) {
			nb, _ := mustRead(t, filepath.Join("testdata", tt.file))
			c := nb.Cells[tt.index]
			got := want{c.Kind, c.Source, c.Name, c.Tags, c.ID}
			if got.kind != tt.want.kind || got.source != tt.want.source || got.name != tt.want.name ||
				!slices.Equal(got.tags, tt.want.tags) || got.id != tt.want.id {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParametersTags(t *testing.T) {
	nb, _ := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
	var got []bool
	for _, c := range nb.Cells[:3] {
		got = append(got, c.IsParameters(), c.IsInjectedParameters())
	}
	want := []bool{true, false, false, true, false, false}
	if !slices.Equal(got, want) {
		t.Errorf("IsParameters/IsInjectedParameters of the first cells = %v, want %v", got, want)
	}
}

func TestVersionsIDsAndLanguage(t *testing.T) {
	tests := []struct {
		file         string
		major, minor int
		lang         string
	}{
		{"v44_no_ids.ipynb", 4, 4, "python"},
		{"v45_ids.ipynb", 4, 5, "python"},
		{"r_kernel.ipynb", 4, 5, "r"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			nb, _ := mustRead(t, filepath.Join("testdata", tt.file))
			major, minor := nb.Version()
			if major != tt.major || minor != tt.minor || nb.Language() != tt.lang {
				t.Errorf("got %d.%d %q, want %d.%d %q", major, minor, nb.Language(), tt.major, tt.minor, tt.lang)
			}
			seen := map[string]bool{}
			for i, c := range nb.Cells {
				if c.ID == "" || seen[c.ID] {
					t.Errorf("cell %d: id %q is empty or repeated", i+1, c.ID)
				}
				seen[c.ID] = true
				if got := nb.Cell(c.ID); got != c {
					t.Errorf("Cell(%q) = %p, want cell %d", c.ID, got, i+1)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	nb := New()
	got := string(mustMarshal(t, nb))
	want := `{
 "cells": [],
 "metadata": {
  "kernelspec": {
   "display_name": "Python 3 (ipykernel)",
   "language": "python",
   "name": "python3"
  },
  "language_info": {
   "name": "python"
  }
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`
	if got != want {
		t.Errorf("New().Marshal() =\n%s\nwant\n%s", got, want)
	}
	nb.InsertCell(0, NewCell(KindMarkdown, "# Title\n"))
	nb.InsertCell(1, NewCell(KindSQL, "SELECT 1 AS one"))
	nb.Cells[1].Name = "one"
	nb.InsertCell(2, NewCell(KindPython, "print(one)\n"))
	out := mustMarshal(t, nb)
	back, err := Parse("new.ipynb", out)
	if err != nil {
		t.Fatalf("Parse(our output): %v", err)
	}
	if len(back.Cells) != 3 || back.Cells[1].Kind != KindSQL || back.Cells[1].Name != "one" ||
		back.Cells[1].ID != nb.Cells[1].ID || back.Cells[2].Source != "print(one)\n" {
		t.Errorf("cells did not survive a save: %+v", back.Cells)
	}
}
