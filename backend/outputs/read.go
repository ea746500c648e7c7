package outputs

import (
	"encoding/json"

	"smallfry/backend/duckdb"
)

// Summary is what a SQL cell's saved outputs hold for a reader that has no
// live result: a preview of the rows, the chart drawn over them, the
// statement text, the error.
type Summary struct {
	Preview *Preview
	Chart   json.RawMessage // the Vega-Lite spec Chart wrote, rows inline
	Text    string
	Error   string
}

// Preview is a result's first rows, kept in an output notebook.
type Preview struct {
	Columns   []duckdb.Column `json:"columns"`
	Rows      [][]any         `json:"rows"`
	TotalRows int64           `json:"totalRows"`
}

// Read reads back the outputs Result, Chart, Stream and Error wrote (as an
// output notebook holds them). A live reader draws charts from the cell's
// spec over its result; Chart is for one that has only the notebook.
func Read(outs []json.RawMessage) Summary {
	var sum Summary
	for _, raw := range outs {
		var o struct {
			OutputType string          `json:"output_type"`
			Text       json.RawMessage `json:"text"`
			Evalue     string          `json:"evalue"`
			Data       map[string]json.RawMessage
			Metadata   struct {
				Smallfry struct {
					Rows    int64           `json:"rows"`
					Columns []duckdb.Column `json:"columns"`
				} `json:"smallfry"`
			} `json:"metadata"`
		}
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		switch o.OutputType {
		case "stream":
			sum.Text += multiline(o.Text)
		case "error":
			sum.Error = o.Evalue
		case "execute_result", "display_data":
			if spec, ok := o.Data[VegaLiteMIME]; ok {
				sum.Chart = spec
				continue
			}
			if bundle, ok := o.Data[TableMIME]; ok {
				sum.Preview = previewOf(bundle, o.Metadata.Smallfry.Columns, o.Metadata.Smallfry.Rows)
			} else if text, ok := o.Data["text/plain"]; ok {
				sum.Text += multiline(text)
			}
		}
	}
	return sum
}

// multiline reads nbformat's string-or-list-of-lines text.
func multiline(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines []string
	_ = json.Unmarshal(raw, &lines)
	text := ""
	for _, l := range lines {
		text += l
	}
	return text
}

func previewOf(bundle json.RawMessage, cols []duckdb.Column, total int64) *Preview {
	var b struct {
		Schema struct {
			Fields []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"fields"`
		} `json:"schema"`
		Data []map[string]any `json:"data"`
	}
	if json.Unmarshal(bundle, &b) != nil {
		return nil
	}
	if len(cols) != len(b.Schema.Fields) {
		cols = make([]duckdb.Column, len(b.Schema.Fields))
		for i, f := range b.Schema.Fields {
			cols[i] = duckdb.Column{Name: f.Name, Type: f.Type}
		}
	}
	p := &Preview{Columns: cols, Rows: make([][]any, len(b.Data)), TotalRows: total}
	for i, row := range b.Data {
		r := make([]any, len(cols))
		for j, c := range cols {
			r[j] = row[c.Name]
		}
		p.Rows[i] = r
	}
	if p.TotalRows < int64(len(p.Rows)) {
		p.TotalRows = int64(len(p.Rows))
	}
	return p
}
