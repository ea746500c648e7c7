// Package outputs renders SQL cells' results as Jupyter outputs (a text
// preview, an HTML table, a Table Schema bundle, a Vega-Lite chart) and
// reads them back from output notebooks, so one place knows the format.
package outputs

import (
	"context"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"smallfry/backend/duckdb"
)

const (
	// textRows is how many rows the text and HTML previews show.
	textRows = 20
	// bundleRows is how many rows the machine-readable bundle carries; the
	// whole result stays queryable in the session (and the lake, if saved).
	bundleRows = 1000
	// TableMIME is the Table Schema data resource bundle JupyterLab and
	// nteract know (pandas writes it with display.html.table_schema).
	TableMIME = "application/vnd.dataresource+json"
)

// Windower fetches rows of a result: a DuckDB session.
type Windower interface {
	Window(ctx context.Context, req duckdb.WindowRequest) (*duckdb.Window, error)
}

// Result renders a cell's result as a Jupyter execute_result: a text
// preview, an HTML table, and a Table Schema bundle of the first rows.
func Result(ctx context.Context, s Windower, res *duckdb.Result, count int) (map[string]any, error) {
	w, err := s.Window(ctx, duckdb.WindowRequest{Table: res.Table, Limit: bundleRows})
	if err != nil {
		return nil, err
	}
	defer w.Release()
	var rows [][]any     // JSON values
	var texts [][]string // display text
	for _, rec := range w.Records {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			text := make([]string, rec.NumCols())
			for c := 0; c < int(rec.NumCols()); c++ {
				row[c], text[c] = cellValue(rec.Column(c), i)
			}
			rows = append(rows, row)
			texts = append(texts, text)
		}
	}
	fields := make([]any, len(res.Columns))
	names := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		names[i] = c.Name
		fields[i] = map[string]any{"name": c.Name, "type": tableSchemaType(c.Type)}
	}
	data := make([]any, len(rows))
	for i, r := range rows {
		obj := make(map[string]any, len(r))
		for c, v := range r {
			obj[names[c]] = v
		}
		data[i] = obj
	}
	columns := make([]any, len(res.Columns))
	for i, c := range res.Columns {
		columns[i] = map[string]any{"name": c.Name, "type": c.Type}
	}
	meta := map[string]any{"rows": res.Rows, "columns": columns, "truncated": res.Rows > int64(len(rows))}
	return map[string]any{
		"output_type":     "execute_result",
		"execution_count": count,
		"metadata":        map[string]any{"smallfry": meta},
		"data": map[string]any{
			"text/plain": textTable(names, texts, res.Rows),
			"text/html":  htmlTable(names, texts, res.Rows),
			TableMIME:    map[string]any{"schema": map[string]any{"fields": fields}, "data": data},
		},
	}, nil
}

// cellValue gives an Arrow value as JSON data and as display text.
func cellValue(col arrow.Array, i int) (any, string) {
	if col.IsNull(i) {
		return nil, "NULL"
	}
	text := col.ValueStr(i)
	switch col.DataType().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.BOOL:
		return col.GetOneForMarshal(i), text
	case arrow.STRUCT, arrow.LIST, arrow.LARGE_LIST, arrow.MAP:
		return col.GetOneForMarshal(i), text
	}
	return text, text // dates, decimals, strings: their text is exact
}

// tableSchemaType is a column's Table Schema type.
func tableSchemaType(duck string) string {
	switch duckdb.Classify(duck) {
	case duckdb.ClassBoolean:
		return "boolean"
	case duckdb.ClassInteger:
		return "integer"
	case duckdb.ClassNumber:
		return "number"
	case duckdb.ClassDate:
		return "date"
	case duckdb.ClassTimestamp:
		return "datetime"
	case duckdb.ClassTime:
		return "time"
	case duckdb.ClassStruct:
		return "object"
	case duckdb.ClassList:
		return "array"
	}
	return "string"
}

// textTable draws the first rows as an aligned table, with a count line.
func textTable(names []string, rows [][]string, total int64) string {
	n := min(len(rows), textRows)
	width := make([]int, len(names))
	for c, name := range names {
		width[c] = utf8.RuneCountInString(name)
		for _, r := range rows[:n] {
			width[c] = max(width[c], min(utf8.RuneCountInString(r[c]), 40))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for c, v := range cells {
			if c > 0 {
				b.WriteString(" | ")
			}
			v = clip(v, 40)
			b.WriteString(v + strings.Repeat(" ", width[c]-utf8.RuneCountInString(v)))
		}
		b.WriteString("\n")
	}
	line(names)
	for c := range names {
		if c > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", width[c]))
	}
	b.WriteString("\n")
	for _, r := range rows[:n] {
		line(r)
	}
	b.WriteString(countLine(total, n))
	return b.String()
}

func htmlTable(names []string, rows [][]string, total int64) string {
	n := min(len(rows), textRows)
	var b strings.Builder
	b.WriteString("<table class=\"smallfry-result\">\n<thead><tr>")
	for _, name := range names {
		b.WriteString("<th>" + html.EscapeString(name) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows[:n] {
		b.WriteString("<tr>")
		for _, v := range r {
			b.WriteString("<td>" + html.EscapeString(v) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n<p>" + html.EscapeString(countLine(total, n)) + "</p>")
	return b.String()
}

func countLine(total int64, shown int) string {
	noun := "rows"
	if total == 1 {
		noun = "row"
	}
	if int64(shown) < total {
		return fmt.Sprintf("%d %s (showing the first %d)", total, noun, shown)
	}
	return fmt.Sprintf("%d %s", total, noun)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Stream is a stdout stream output.
func Stream(text string) map[string]any {
	return map[string]any{"output_type": "stream", "name": "stdout", "text": text}
}

// Error is a Jupyter error output; the traceback shows the cell line.
func Error(ename, evalue string, traceback []string) map[string]any {
	tb := make([]any, len(traceback))
	for i, t := range traceback {
		tb[i] = t
	}
	return map[string]any{"output_type": "error", "ename": ename, "evalue": evalue, "traceback": tb}
}
