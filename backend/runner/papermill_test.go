package runner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
	"smallfry/backend/runs"
)

// pmPython answers the cells of testdata/papermill as Python would.
func pmPython() *fakePython {
	return &fakePython{answer: func(code string) *kernel.Reply {
		if strings.HasPrefix(code, "raise ValueError") {
			return &kernel.Reply{Status: "error", Ename: "ValueError", Evalue: "bad value", Outputs: []kernel.Output{
				{"output_type": "error", "ename": "ValueError", "evalue": "bad value", "traceback": []any{"ValueError: bad value"}}}}
		}
		return &kernel.Reply{Status: "ok", Outputs: []kernel.Output{{"output_type": "stream", "name": "stdout", "text": "printed\n"}}}
	}}
}

type pmCell struct {
	ID       string                     `json:"id"`
	Type     string                     `json:"cell_type"`
	Source   any                        `json:"source"`
	Count    *int                       `json:"execution_count"`
	Metadata map[string]json.RawMessage `json:"metadata"`
}

type pmNotebook struct {
	Cells    []pmCell                   `json:"cells"`
	Metadata map[string]json.RawMessage `json:"metadata"`
}

func readPM(t *testing.T, data []byte) pmNotebook {
	t.Helper()
	var nb pmNotebook
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatal(err)
	}
	return nb
}

// shape is a JSON object's keys, each with the kind of its value.
func shape(t *testing.T, raw json.RawMessage) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out := map[string]string{}
	for k, v := range m {
		switch v.(type) {
		case nil:
			out[k] = "null"
		case bool:
			out[k] = "bool"
		case float64:
			out[k] = "number"
		case string:
			out[k] = "string"
		case []any:
			out[k] = "array"
		case map[string]any:
			out[k] = "object"
		}
	}
	return out
}

func sourceText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for _, l := range x {
			b.WriteString(l.(string))
		}
		return b.String()
	}
	return ""
}

// tagsOf reads a cell's tags; papermill adds an empty list to every cell,
// which says nothing.
func tagsOf(c pmCell) []string {
	var tags []string
	_ = json.Unmarshal(c.Metadata["tags"], &tags)
	return tags
}

var pmTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$`)

// Our output notebook reads like papermill's of the same notebook, key by
// key: metadata.papermill of the notebook and of every cell, the injected
// cell, the execution counts, and the banner cells of a failure.
func TestRunWritesWhatPapermillWrites(t *testing.T) {
	for _, tc := range []struct {
		input, papermill string
		params           map[string]string
		fails            bool
	}{
		{"ok.ipynb", "ok-out.ipynb", map[string]string{"year": "1998", "label": "radio"}, false},
		{"fail.ipynb", "fail-out.ipynb", nil, true},
		{"fail-out.ipynb", "fail-again-out.ipynb", map[string]string{"year": "2001"}, true}, // a rerun replaces the banners
	} {
		t.Run(tc.input, func(t *testing.T) {
			f := newFixture(t)
			dir := filepath.Join("testdata", "papermill")
			in, err := notebook.ReadFile(filepath.Join(dir, tc.input))
			if err != nil {
				t.Fatal(err)
			}
			fp := pmPython()
			out, err := Run(context.Background(), f.env, f.db, in, tc.input, Options{Params: tc.params, Output: "out.ipynb",
				Python: func(context.Context, string) (Python, error) { return fp, nil }})
			if err != nil {
				t.Fatal(err)
			}
			if (out.Err != nil) != tc.fails {
				t.Fatalf("run error = %v", out.Err)
			}
			data, err := out.Output.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			ours := readPM(t, data)
			raw, err := os.ReadFile(filepath.Join(dir, tc.papermill))
			if err != nil {
				t.Fatal(err)
			}
			theirs := readPM(t, raw)

			// The notebook's metadata.papermill: the same keys, of the same kinds.
			if got, want := shape(t, ours.Metadata["papermill"]), shape(t, theirs.Metadata["papermill"]); !reflect.DeepEqual(got, want) {
				t.Errorf("metadata.papermill keys:\n ours %v\n papermill's %v", got, want)
			}
			var pm, theirPM map[string]any
			json.Unmarshal(ours.Metadata["papermill"], &pm)
			json.Unmarshal(theirs.Metadata["papermill"], &theirPM)
			for _, key := range []string{"parameters", "exception", "input_path", "environment_variables"} {
				if !reflect.DeepEqual(pm[key], theirPM[key]) {
					t.Errorf("metadata.papermill.%s = %#v, papermill wrote %#v", key, pm[key], theirPM[key])
				}
			}
			if pm["output_path"] != "out.ipynb" || !strings.HasPrefix(pm["version"].(string), "smallfry ") {
				t.Errorf("output_path %v, version %v", pm["output_path"], pm["version"])
			}
			for _, key := range []string{"start_time", "end_time"} {
				if !pmTimeRE.MatchString(pm[key].(string)) {
					t.Errorf("%s = %v, not as papermill writes times", key, pm[key])
				}
			}

			// The cells, in order: kind, tags, execution count, metadata.papermill.
			if len(ours.Cells) != len(theirs.Cells) {
				t.Fatalf("%d cells, papermill wrote %d:\n%s", len(ours.Cells), len(theirs.Cells), data)
			}
			for i := range ours.Cells {
				o, p := ours.Cells[i], theirs.Cells[i]
				if o.Type != p.Type || strings.Join(tagsOf(o), ",") != strings.Join(tagsOf(p), ",") {
					t.Errorf("cell %d: %s %v, papermill's %s %v", i, o.Type, tagsOf(o), p.Type, tagsOf(p))
					continue
				}
				if strings.HasPrefix(p.ID, "cell-") && o.ID != p.ID {
					t.Errorf("cell %d: id %s, papermill's %s", i, o.ID, p.ID)
				}
				if !reflect.DeepEqual(o.Count, p.Count) {
					t.Errorf("cell %d (%s): execution count %v, papermill's %v", i, p.ID, deref(o.Count), deref(p.Count))
				}
				_, oHas := o.Metadata["papermill"]
				_, pHas := p.Metadata["papermill"]
				if oHas != pHas {
					t.Errorf("cell %d (%s): has metadata.papermill %v, papermill's %v", i, p.ID, oHas, pHas)
				} else if pHas {
					if got, want := shape(t, o.Metadata["papermill"]), shape(t, p.Metadata["papermill"]); !reflect.DeepEqual(got, want) {
						t.Errorf("cell %d (%s): metadata.papermill %v, papermill's %v", i, p.ID, got, want)
					}
					var om, pmm map[string]any
					json.Unmarshal(o.Metadata["papermill"], &om)
					json.Unmarshal(p.Metadata["papermill"], &pmm)
					if om["status"] != pmm["status"] || om["exception"] != pmm["exception"] {
						t.Errorf("cell %d (%s): status %v exception %v, papermill's %v %v", i, p.ID, om["status"], om["exception"], pmm["status"], pmm["exception"])
					}
				}
				if tags := tagsOf(p); len(tags) > 0 && (tags[0] == "injected-parameters" || tags[0] == errorTag) {
					if sourceText(o.Source) != sourceText(p.Source) {
						t.Errorf("cell %d (%v):\n%q\npapermill's\n%q", i, tags, sourceText(o.Source), sourceText(p.Source))
					}
				}
				if tags := tagsOf(p); len(tags) > 0 && tags[0] == errorTag {
					keys := func(m map[string]json.RawMessage) []string {
						var ks []string
						for k := range m {
							ks = append(ks, k)
						}
						sort.Strings(ks)
						return ks
					}
					if !reflect.DeepEqual(keys(o.Metadata), keys(p.Metadata)) || !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(o.ID) {
						t.Errorf("banner cell %d: id %s, metadata keys %v; papermill's %v", i, o.ID, keys(o.Metadata), keys(p.Metadata))
					}
				}
			}
			if rec, _ := f.runs.Load(out.Record.ID); tc.fails != (rec.Status == runs.Failed) {
				t.Errorf("record status %s", rec.Status)
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// A successful rerun of a failed run's output drops its banner cells.
func TestRunRemovesStaleBanners(t *testing.T) {
	f := newFixture(t)
	in, err := notebook.ReadFile(filepath.Join("testdata", "papermill", "fail-out.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	in.Cell("cell-3").Source = "print('fixed')"
	fp := pmPython()
	out, err := Run(context.Background(), f.env, f.db, in, "fail-out.ipynb", Options{Python: func(context.Context, string) (Python, error) { return fp, nil }})
	if err != nil || out.Err != nil {
		t.Fatalf("Run = %v, %v", err, out.Err)
	}
	var ids []string
	for _, c := range out.Output.Cells {
		ids = append(ids, c.ID)
		if c.Kind == notebook.KindMarkdown && strings.Contains(c.Source, "papermill-error-cell") {
			t.Errorf("a banner cell is left: %q", c.Source)
		}
	}
	if want := "cell-0 cell-1 cell-2 cell-3 cell-4"; strings.Join(ids, " ") != want {
		t.Errorf("cells %v, want %s", ids, want)
	}
	raw, _ := out.Output.Metadata("papermill")
	if !strings.Contains(string(raw), `"exception":null`) {
		t.Errorf("metadata.papermill = %s", raw)
	}
	for _, c := range out.Output.Cells {
		if c.Kind.IsCode() && len(c.Outputs()) > 0 && strings.Contains(string(c.Outputs()[0]), "ValueError") {
			t.Errorf("cell %s keeps the earlier run's error output", c.ID)
		}
	}
}
