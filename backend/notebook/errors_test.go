package notebook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend"
)

func TestParseRejectsBadInput(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("testdata", "v45_ids.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	half := valid[:len(valid)/2]
	cell := func(c string) string {
		return `{"cells": [` + c + `], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	}
	tests := []struct {
		name string
		data string
		want []string // fragments of the message, which always starts with the file
	}{
		{"empty file", "", []string{"the file is empty"}},
		{"truncated", string(half), []string{fmt.Sprintf("line %d, column", strings.Count(string(half), "\n")+1),
			"unexpected end of file (the file looks truncated)"}},
		{"truncated in a literal", `{"cells": [], "x": tr`, []string{"line 1, column 22: unexpected end of file"}},
		{"truncated in a string", "{\n \"cells\": [\"abc", []string{"line 2, column 16: unexpected end of file"}},
		{"not JSON", "# Sales\nprint(1)\n", []string{"not valid JSON: line 1, column 1", "unexpected character '#'"}},
		{"bad character after a key", "{\n  \"cells\" [] }", []string{"not valid JSON: line 2, column 11", "expected ':'"}},
		{"trailing garbage", `{"cells": []} x`, []string{"line 1, column 15", "after the end of the JSON document"}},
		{"raw control character", "{\"cells\": [\"a\tb\"]}", []string{"unescaped control character U+0009"}},
		{"invalid UTF-8", "{\"cells\": [\"caf\xe9\"]}", []string{"line 1, column 16", "not valid UTF-8"}},
		{"deep nesting", strings.Repeat("[", 5000), []string{"nested more than 1000 levels"}},
		{"JSON list", `[1, 2]`, []string{"not a Jupyter notebook: the JSON document is not an object"}},
		{"no nbformat", `{"cells": []}`, []string{`not a Jupyter notebook: it has no "nbformat" version`}},
		{"no cells", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}`, []string{`not a Jupyter notebook: it has no "cells" list`}},
		{"cells not a list", `{"cells": {}, "nbformat": 4, "nbformat_minor": 5}`, []string{`no "cells" list`}},
		{"nbformat 3", `{"worksheets": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}`,
			[]string{"nbformat 3 is not supported; convert it with `jupyter nbconvert --to notebook --nbformat 4 sales.ipynb`"}},
		{"nbformat 5", `{"cells": [], "nbformat": 5, "nbformat_minor": 0}`, []string{"nbformat 5 is newer than this version of Smallfry reads (4.x)"}},
		{"nbformat a string", `{"cells": [], "nbformat": "4"}`, []string{`nbformat "4" is not a version number`}},
		{"minor a float", `{"cells": [], "nbformat": 4, "nbformat_minor": 4.5}`, []string{"nbformat_minor 4.5 is not a version number"}},
		{"metadata not an object", `{"cells": [], "metadata": [], "nbformat": 4, "nbformat_minor": 5}`, []string{"notebook metadata is not an object"}},
		{"cell not an object", cell(`"print(1)"`), []string{"cell 1: is not a JSON object"}},
		{"unknown cell_type", cell(`{"cell_type": "heading", "metadata": {}, "source": ""}`),
			[]string{`cell 1: has an unknown cell_type "heading" (expected code, markdown or raw)`}},
		{"cell_type not a string", cell(`{"cell_type": 3, "metadata": {}, "source": ""}`), []string{"cell 1: has an unknown cell_type 3"}},
		{"no cell_type", cell(`{"metadata": {}, "source": ""}`), []string{`cell 1: has no "cell_type"`}},
		{"source a number", cell(`{"cell_type": "markdown", "metadata": {}, "source": 42}`),
			[]string{"cell 1: source is neither a string nor a list of strings"}},
		{"source list with a number", cell(`{"cell_type": "raw", "metadata": {}, "source": ["a", 1]}`),
			[]string{"cell 1: source is neither a string nor a list of strings"}},
		{"cell metadata a string", cell(`{"cell_type": "raw", "metadata": "x", "source": ""}`), []string{"cell 1: metadata is not an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, err := Parse("sales.ipynb", []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse succeeded (%d cells), want an error", len(nb.Cells))
			}
			if code := backend.ErrorCode(err); code != backend.EINVALID {
				t.Errorf("code = %q, want %q", code, backend.EINVALID)
			}
			msg := backend.ErrorMessage(err)
			if !strings.HasPrefix(msg, "read notebook sales.ipynb: ") {
				t.Errorf("message %q does not start with the operation and the file", msg)
			}
			for _, frag := range tt.want {
				if !strings.Contains(msg, frag) {
					t.Errorf("message %q\nwant it to contain %q", msg, frag)
				}
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.ipynb")
	_, err := ReadFile(missing)
	if backend.ErrorCode(err) != backend.ENOTFOUND || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadFile(missing) = %v (code %q), want ENOTFOUND naming the file", err, backend.ErrorCode(err))
	}
	bad := filepath.Join(dir, "bad.ipynb")
	if err := os.WriteFile(bad, []byte(`{"cells": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(bad)
	var e *backend.Error
	if !errors.As(err, &e) || e.Code != backend.EINVALID || !strings.Contains(e.Message, bad) || !strings.Contains(e.Message, "truncated") {
		t.Errorf("ReadFile(truncated) = %v, want EINVALID naming the file", err)
	}
	if data, _ := os.ReadFile(bad); string(data) != `{"cells": [` {
		t.Errorf("reading a bad file changed it to %q", data)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(nb *Notebook)
		want []string // empty: valid
	}{
		{"fixture as is", func(nb *Notebook) {}, nil},
		{"good names", func(nb *Notebook) { nb.Cells[0].Name, nb.Cells[1].Name = "_a1", "B_2" }, nil},
		{"name starts with a digit", func(nb *Notebook) { nb.Cells[2].Name = "1st" }, []string{`cell 3: name "1st" is not valid`}},
		{"name with a space", func(nb *Notebook) { nb.Cells[0].Name = "my table" }, []string{`cell 1: name "my table" is not valid`}},
		{"name not ASCII", func(nb *Notebook) { nb.Cells[0].Name = "café" }, []string{`cell 1: name "café" is not valid`}},
		{"duplicate names, any case", func(nb *Notebook) { nb.Cells[1].Name, nb.Cells[4].Name = "sales", "Sales" },
			[]string{`cell 5: name "Sales" is already used by cell 2`}},
		{"duplicate ids", func(nb *Notebook) { nb.Cells[3].ID = nb.Cells[0].ID }, []string{`cell 4: id "params" is already used by cell 1`}},
		{"bad id", func(nb *Notebook) { nb.Cells[3].ID = "has space" }, []string{`cell 4: id "has space" is not valid`}},
		{"bad tags", func(nb *Notebook) { nb.Cells[2].Tags = []string{"a,b", "x", "x"} },
			[]string{`cell 3: tag "a,b" must not be empty or contain a comma`, `cell 3: tag "x" appears twice`}},
		{"two parameters cells", func(nb *Notebook) { nb.Cells[3].Tags = []string{"parameters"} },
			[]string{"cell 4: only one cell may be tagged parameters (cell 1 is too)"}},
		{"unknown kind", func(nb *Notebook) { nb.Cells[2].Kind = "" }, []string{`cell 3 has an unknown kind ""`}},
		{"several problems", func(nb *Notebook) { nb.Cells[0].Name, nb.Cells[1].Name = "9", "x y" },
			[]string{`cell 1: name "9"`, `; cell 2: name "x y"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, _ := mustRead(t, filepath.Join("testdata", "v45_ids.ipynb"))
			tt.edit(nb)
			err := nb.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), "v45_ids.ipynb") {
				t.Errorf("Validate() = %v, want EINVALID naming the file", err)
			}
			for _, frag := range tt.want {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("Validate() = %q\nwant it to contain %q", err, frag)
				}
			}
		})
	}
}
