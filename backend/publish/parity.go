package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"smallfry/backend"
	"smallfry/backend/notebook"
)

// Parity is the outcome of running a notebook the way its schedule will:
// headless, in a fresh process, with the values that will be scheduled.
type Parity struct {
	Output []byte // the output notebook
	// Failed is set when a cell failed: nothing may be published.
	Failed *FailedCell
}

// FailedCell is the cell that stopped the parity run.
type FailedCell struct {
	ID      string `json:"id"`
	Label   string `json:"label"` // "cell 3 (by_country)"
	Message string `json:"message"`
}

// RunParity runs `bin run NOTEBOOK --workspace ROOT -p … -o OUT` and reads
// its output notebook. Bad input (a parameter the notebook does not take)
// is an error; a failing cell is a Parity with Failed set.
func RunParity(ctx context.Context, bin, root, path string, params map[string]string) (*Parity, error) {
	tmp, err := os.MkdirTemp("", "smallfry-parity-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "output.ipynb")
	args := []string{"run", path, "--workspace", root, "-o", out}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		args = append(args, "-p", k+"="+params[k])
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Dir = filepath.Dir(path)
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &exit) && exit.ExitCode() == 1:
	case errors.As(runErr, &exit):
		return nil, backend.Errorf(backend.EINVALID, "the check run refused the notebook: %s", lastError(stderr.String()))
	default:
		return nil, fmt.Errorf("start the check run (%s): %w", bin, runErr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("the check run left no output notebook: %s", lastError(stderr.String()))
	}
	p := &Parity{Output: data}
	if runErr != nil {
		p.Failed = failedCell(data, lastError(stderr.String()))
	}
	return p, nil
}

// lastError is the run's last "error:" line, or its last line.
func lastError(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(lines[i], "error: "); ok {
			return msg
		}
		if msg, ok := strings.CutPrefix(lines[i], "smallfry: "); ok {
			return msg
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

// failedCell finds the cell papermill marked failed in an output notebook.
func failedCell(output []byte, msg string) *FailedCell {
	f := &FailedCell{Message: msg}
	nb, err := notebook.Parse("output.ipynb", output)
	if err != nil {
		return f
	}
	labels := authorLabels(nb)
	for _, c := range nb.Cells {
		raw, ok := c.Metadata("papermill")
		if !ok || labels[c] == "" {
			continue
		}
		var pm struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(raw, &pm) == nil && pm.Status == "failed" {
			f.ID, f.Label = c.ID, labels[c]
			return f
		}
	}
	return f
}

// authorLabels labels the cells of an output notebook the way the editor
// numbers the author's cells: the cells a run adds (injected parameters,
// papermill's error banners) are not counted, nor labeled.
func authorLabels(nb *notebook.Notebook) map[*notebook.Cell]string {
	out := map[*notebook.Cell]string{}
	n := 0
	for _, c := range nb.Cells {
		if c.IsInjectedParameters() || slices.Contains(c.Tags, bannerTag) {
			continue
		}
		out[c] = cellLabel(n, c)
		n++
	}
	return out
}

// bannerTag marks papermill's error banner cells (package runner adds them).
const bannerTag = "papermill-error-cell-tag"

func cellLabel(i int, c *notebook.Cell) string {
	if c.Name != "" {
		return fmt.Sprintf("cell %d (%s)", i+1, c.Name)
	}
	return fmt.Sprintf("cell %d", i+1)
}

// Change is one cell that differs from the published version.
type Change struct {
	CellID string `json:"cellId"`
	Label  string `json:"label"`
	// What: "added", "removed", "source" or "outputs".
	What   string `json:"what"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Diff compares two output notebooks cell by cell (by id): sources, and
// outputs as text (execution counts and timings aside).
func Diff(before, after []byte) ([]Change, error) {
	nbA, err := notebook.Parse("published.ipynb", before)
	if err != nil {
		return nil, err
	}
	nbB, err := notebook.Parse("new.ipynb", after)
	if err != nil {
		return nil, err
	}
	var out []Change
	labelsA, labelsB := authorLabels(nbA), authorLabels(nbB)
	for _, c := range nbB.Cells {
		label := labelsB[c]
		if label == "" {
			continue
		}
		old := nbA.Cell(c.ID)
		if old != nil && labelsA[old] == "" {
			old = nil
		}
		switch {
		case old == nil:
			out = append(out, Change{CellID: c.ID, Label: label, What: "added", After: clip(c.Source)})
		case old.Source != c.Source || old.Kind != c.Kind:
			out = append(out, Change{CellID: c.ID, Label: label, What: "source", Before: clip(old.Source), After: clip(c.Source)})
		default:
			if a, b := outputText(old), outputText(c); a != b {
				out = append(out, Change{CellID: c.ID, Label: label, What: "outputs", Before: clip(a), After: clip(b)})
			}
		}
	}
	for _, c := range nbA.Cells {
		if label := labelsA[c]; label != "" && nbB.Cell(c.ID) == nil {
			out = append(out, Change{CellID: c.ID, Label: label, What: "removed", Before: clip(c.Source)})
		}
	}
	return out, nil
}

// outputText is what a reader sees of a cell's outputs: plain text,
// streams and errors.
func outputText(c *notebook.Cell) string {
	var b strings.Builder
	for _, raw := range c.Outputs() {
		var o struct {
			OutputType string         `json:"output_type"`
			Text       string         `json:"text"`
			Data       map[string]any `json:"data"`
			Ename      string         `json:"ename"`
			Evalue     string         `json:"evalue"`
		}
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		switch o.OutputType {
		case "stream":
			b.WriteString(o.Text)
		case "error":
			fmt.Fprintf(&b, "%s: %s\n", o.Ename, o.Evalue)
		default:
			if s, ok := o.Data["text/plain"].(string); ok {
				b.WriteString(s)
				b.WriteByte('\n')
			} else if _, ok := o.Data["image/png"]; ok {
				b.WriteString("[image]\n")
			}
		}
	}
	return b.String()
}

func clip(s string) string {
	const max = 4000
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
