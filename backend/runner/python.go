package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"smallfry/backend"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
)

// PythonError is a Python cell's exception, as the kernel reported it; the
// cell's outputs already hold its traceback.
type PythonError struct {
	Ename, Evalue string
}

func (e *PythonError) Error() string {
	if e.Evalue == "" {
		return e.Ename
	}
	return e.Ename + ": " + e.Evalue
}

// DeadKernelError is a Python cell's kernel dying under it: os._exit(), a
// crash, the kernel killed. Outputs are what the cell had printed by then.
type DeadKernelError struct {
	Message string // the kernel died (exit status 1), with advice
	Outputs []any
}

func (e *DeadKernelError) Error() string { return e.Message }

// died words a kernel's death for the user, advising a restart in the
// workbench; a headless run just stops.
func (r *run) died(err error, during string, outputs []any) error {
	msg := strings.TrimPrefix(err.Error(), "execute: ") + " " + during
	if !r.whole {
		msg += ": restart the kernel to go on (Python's variables are lost)"
	}
	return &DeadKernelError{Message: msg, Outputs: outputs}
}

// python runs a Python cell on the run's Python side, setting it up first
// if this is the run's first Python cell, with the parameters cells run on
// it before.
func (r *run) python(ctx context.Context, c *notebook.Cell) error {
	if r.py == nil {
		if r.opts.Python == nil {
			return backend.Errorf(backend.EINVALID, "Python cells cannot run here")
		}
		py, err := r.opts.Python(ctx, r.rec.ID)
		if err != nil {
			return err
		}
		r.py = py
	}
	var params strings.Builder
	for _, p := range r.nb.Cells {
		if p.IsParameters() || p.IsInjectedParameters() {
			params.WriteString(p.Source + "\n")
		}
	}
	if err := r.py.Setup(ctx, params.String()); err != nil {
		if errors.Is(err, kernel.ErrDied) {
			return r.died(err, "while the parameters cells ran", nil)
		}
		return fmt.Errorf("the parameters cell failed in Python: %w", err)
	}
	var live func(kernel.Output)
	if r.opts.OnOutput != nil {
		live = func(o kernel.Output) { r.opts.OnOutput(c.ID, o) }
	}
	out, err := r.py.Execute(ctx, c.Source, live)
	var list []any
	if out != nil && out.Reply != nil {
		list = make([]any, len(out.Outputs))
		for i, o := range out.Outputs {
			list[i] = map[string]any(o)
		}
		c.SetOutputs(list)
	}
	if err != nil {
		if errors.Is(err, kernel.ErrDied) {
			return r.died(err, "while the cell ran", list)
		}
		return err
	}
	if out.Status == "error" {
		// papermill: sys.exit(0) ends the run there, successfully.
		if out.Ename == "SystemExit" && (out.Evalue == "0" || out.Evalue == "" || out.Evalue == "None") {
			r.stopped = true
			return nil
		}
		return &PythonError{Ename: out.Ename, Evalue: out.Evalue}
	}
	return nil
}
