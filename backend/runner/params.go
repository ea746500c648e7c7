package runner

import (
	"fmt"
	"math/big"
	"time"

	"smallfry/backend/duckdb"
	"smallfry/backend/notebook"
	"smallfry/backend/params"
)

// runParams are a run's parameter values, read as papermill would.
type runParams struct {
	values   []params.Value
	defaults map[string]any // the parameters cell's defaults, as JSON
	args     map[string]any // the values as SQL binds them, once asked for
}

// sql is the values as SQL cells bind them, converted once per run.
func (p *runParams) sql() map[string]any {
	if p.args == nil {
		p.args = sqlArgs(p.values)
	}
	return p.args
}

// injectParameters types the given values against the parameters cell and
// puts them in an injected-parameters cell, where papermill puts it: in
// place of an earlier run's injected cell, else after the parameters cell,
// else at the top (with a warning). Only the values given go in it. Given
// none, nothing is injected and an earlier run's injected cell is kept:
// its values are this run's too, in SQL as in Python.
func injectParameters(nb *notebook.Notebook, opts Options) (*runParams, error) {
	at, injectedAt := -1, -1
	var declared []params.Param
	for i, c := range nb.Cells {
		switch {
		case c.IsInjectedParameters() && injectedAt < 0:
			injectedAt = i
		case c.IsParameters() && at < 0:
			ps, err := params.Parse(c.Source)
			if err != nil {
				return nil, fmt.Errorf("parameters cell (cell %d), %w", i+1, err)
			}
			at, declared = i, ps
		}
	}
	p := &runParams{defaults: params.DefaultsJSON(declared)}
	if len(opts.Params) == 0 {
		values, err := params.Resolve(declared, nil)
		if err != nil {
			return nil, err
		}
		if injectedAt >= 0 {
			kept, err := params.Parse(nb.Cells[injectedAt].Source)
			if err != nil {
				return nil, fmt.Errorf("injected-parameters cell (cell %d) of an earlier run, %w", injectedAt+1, err)
			}
			values = params.Keep(values, kept)
		}
		p.values = values
		return p, nil
	}
	if at < 0 {
		if opts.Warn != nil {
			where := "at the top"
			if injectedAt >= 0 {
				where = "in place of the earlier run's"
			}
			opts.Warn("the notebook has no cell tagged \"parameters\"; the parameters are injected " + where + " and their types guessed from their text")
		}
		p.values = params.Infer(opts.Params)
	} else {
		values, err := params.Resolve(declared, opts.Params)
		if err != nil {
			return nil, err
		}
		p.values = values
	}
	kind := notebook.KindPython
	if at >= 0 {
		kind = nb.Cells[at].Kind
	}
	cell := notebook.NewCell(kind, params.Render(params.Given(p.values)))
	cell.Tags = []string{"injected-parameters"}
	switch {
	case injectedAt >= 0:
		nb.RemoveCell(injectedAt)
		nb.InsertCell(injectedAt, cell)
	default:
		nb.InsertCell(at+1, cell)
	}
	return p, nil
}

// sqlArgs are the values as SQL cells bind them ($name). A value SQL
// cannot take is its error, which fails only the statements naming it.
func sqlArgs(values []params.Value) map[string]any {
	m := make(map[string]any, len(values))
	for _, v := range values {
		x, err := params.SQL(v)
		if err != nil {
			m[v.Name] = err
			continue
		}
		m[v.Name] = toDuckDB(x)
	}
	return m
}

// toDuckDB turns a params SQL value into what the duckdb package binds.
func toDuckDB(v any) any {
	switch x := v.(type) {
	case params.Date:
		return duckdb.Date(x.Time)
	case params.Datetime:
		return duckdb.Timestamp(x.Time)
	case params.List:
		out := make(duckdb.List, len(x))
		for i, item := range x {
			out[i] = toDuckDB(item)
		}
		return out
	case nil, bool, int64, *big.Int, float64, string, []byte, time.Time:
		return x
	}
	return fmt.Errorf("a %T parameter value cannot be bound", v)
}

// SQLParams are the values nb's SQL cells bind ($name), from its parameters
// cell as written (and an earlier run's injected cell), as an interactive
// run binds them.
func SQLParams(nb *notebook.Notebook) (map[string]any, error) {
	p, err := injectParameters(nb, Options{})
	if err != nil {
		return nil, err
	}
	return p.sql(), nil
}
