package notebook

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nbformatCheck runs in the real nbformat over (mode, path) pairs. Each file
// must read and validate; in "canonical" mode nbformat must also write the
// very same bytes back, which proves our edits are in nbformat's own form.
// It prints a JSON list of failures.
const nbformatCheck = `
import difflib, json, sys
import nbformat
failures = []
for mode, path in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        nb = nbformat.read(path, 4)
        nbformat.validate(nb)
        if mode == "canonical":
            with open(path, encoding="utf-8", newline="") as f:
                ours = f.read()
            theirs = nbformat.writes(nb) + "\n"
            if ours != theirs:
                raise ValueError("nbformat writes it differently:\n" + "".join(difflib.unified_diff(
                    ours.splitlines(True), theirs.splitlines(True), "ours", "nbformat")))
    except Exception as e:
        failures.append({"path": path, "error": type(e).__name__ + ": " + str(e)})
print(json.dumps(failures))
`

type sample struct {
	name      string
	data      []byte
	canonical bool // nbformat must write the same bytes
}

// ourOutputs is everything the other tests write: every cell of every
// fixture edited in turn, every notebookEdit on every fixture, and a
// notebook built from New.
func ourOutputs(t *testing.T) []sample {
	var out []sample
	add := func(name string, nb *Notebook, canonical bool) {
		out = append(out, sample{name, mustMarshal(t, nb), canonical})
	}
	for _, path := range fixtures(t) {
		base, canonical := filepath.Base(path), nbformatWritten(path)
		nb0, _ := mustRead(t, path)
		for k := range nb0.Cells {
			nb, _ := mustRead(t, path)
			nb.Cells[k].Source = editedSource
			add(fmt.Sprintf("%s/edit cell %d", base, k+1), nb, canonical)
		}
		for _, e := range notebookEdits() {
			nb, _ := mustRead(t, path)
			if len(nb.Cells) > 0 || e.emptyOK {
				e.edit(nb)
				add(base+"/"+e.name, nb, canonical)
			}
		}
	}
	nb := New()
	nb.InsertCell(0, NewCell(KindMarkdown, "# Title\n"))
	nb.InsertCell(1, NewCell(KindSQL, "SELECT 1 AS one"))
	nb.Cells[1].Name = "one"
	nb.InsertCell(2, NewCell(KindPython, "print(one)\n"))
	add("new notebook", nb, true)
	return out
}

func TestNbformatAcceptsOurOutput(t *testing.T) {
	python := os.Getenv("SMALLFRY_PYTHON")
	if python == "" {
		t.Skip("SMALLFRY_PYTHON is empty: set it to a python with nbformat " +
			"(pip install -r scripts/requirements-test.txt) to check our output with the real nbformat")
	}
	samples := ourOutputs(t)
	dir := t.TempDir()
	args := []string{"-c", nbformatCheck}
	byPath := map[string]sample{}
	for i, s := range samples {
		path := filepath.Join(dir, fmt.Sprintf("%03d.ipynb", i))
		if err := os.WriteFile(path, s.data, 0o644); err != nil {
			t.Fatal(err)
		}
		mode := "validate"
		if s.canonical {
			mode = "canonical"
		}
		args = append(args, mode, path)
		byPath[path] = s
	}
	cmd := exec.Command(python, args...)
	var stderr []byte
	stdout, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		t.Fatalf("running %s with nbformat: %v\n%s", python, err, stderr)
	}
	var failures []struct{ Path, Error string }
	if err := json.Unmarshal(stdout, &failures); err != nil {
		t.Fatalf("reading the check's report: %v\n%s", err, stdout)
	}
	for _, f := range failures {
		s := byPath[f.Path]
		t.Errorf("%s: nbformat rejects our output: %s", s.name, f.Error)
	}
	t.Logf("nbformat checked %d notebooks", len(samples))
}
