package outputs

import (
	"context"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"smallfry/backend/duckdb"
)

const (
	// VegaLiteMIME is the bundle JupyterLab draws with its built-in Vega
	// renderer (and VS Code with its notebook renderers).
	VegaLiteMIME = "application/vnd.vegalite.v5+json"
	// chartRows caps the rows a chart carries into the output notebook.
	chartRows = 5000
)

// Chart renders a cell's chart for the output notebook: the stored spec
// names its data (the result); here the result's first rows are put
// inline, so the output draws anywhere, without Smallfry.
func Chart(ctx context.Context, s Windower, res *duckdb.Result, spec map[string]any) (map[string]any, error) {
	w, err := s.Window(ctx, duckdb.WindowRequest{Table: res.Table, Limit: chartRows})
	if err != nil {
		return nil, err
	}
	defer w.Release()
	values := make([]map[string]any, 0, w.Rows())
	for _, rec := range w.Records {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make(map[string]any, rec.NumCols())
			for c := 0; c < int(rec.NumCols()); c++ {
				row[rec.ColumnName(c)] = chartValue(rec.Column(c), i)
			}
			values = append(values, row)
		}
	}
	inline := make(map[string]any, len(spec)+1)
	for k, v := range spec {
		inline[k] = v
	}
	inline["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
	inline["data"] = map[string]any{"values": values}
	return map[string]any{
		"output_type": "display_data",
		"metadata":    map[string]any{"smallfry": map[string]any{"chart": true, "rows": len(values), "truncated": res.Rows > int64(len(values))}},
		"data": map[string]any{
			VegaLiteMIME: inline,
			"text/plain": "<Vega-Lite chart of " + res.Table.Name + ">",
		},
	}, nil
}

// chartValue is a value as Vega-Lite wants it: numbers as numbers
// (decimals too, which the table bundle keeps as exact text), the rest as
// the table bundle has them.
func chartValue(col arrow.Array, i int) any {
	if col.DataType().ID() == arrow.DECIMAL128 || col.DataType().ID() == arrow.DECIMAL256 {
		if col.IsNull(i) {
			return nil
		}
		if f, err := strconv.ParseFloat(col.ValueStr(i), 64); err == nil {
			return f
		}
	}
	v, _ := cellValue(col, i)
	return v
}
