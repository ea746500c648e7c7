package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// SyntaxError is a cluster cell's SQL that cannot be sent: DuckDB-only
// syntax, a table that exists only on this laptop, an unclosed string.
type SyntaxError struct {
	Line    int
	Message string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// Names says what a cell's table names are, before it is sent.
type Names interface {
	// LakeTable tells whether the company lake (S3) has the table, and its
	// own spelling.
	LakeTable(ctx context.Context, name string) (canonical string, ok bool, err error)
	// Local tells whether name is a table only this laptop has: a local
	// lake table, a named result, a Python table.
	Local(ctx context.Context, name string) (bool, error)
}

// Planned is a statement as it will be sent to Spark.
type Planned struct {
	SQL    string   // the text sent: lake names replaced by their views, $name as :name
	Line   int      // the cell's line it starts on
	Params []string // the parameters it names, as written after $ or :
}

// Plan is a cluster cell ready to send.
type Plan struct {
	Statements []Planned
	// Tables are the company lake's tables the cell reads, by their own
	// spelling, each to be registered as a view first.
	Tables []string
}

// duckdbOnlyFunctions are DuckDB table functions that read files or
// tables directly; Spark has none of them (it reads lake tables by name).
var duckdbOnlyFunctions = map[string]bool{
	"read_parquet": true, "parquet_scan": true, "read_csv": true, "read_csv_auto": true,
	"read_json": true, "read_json_auto": true, "read_ndjson": true, "read_ndjson_auto": true,
	"read_text": true, "read_blob": true, "query_table": true, "parquet_metadata": true,
	"parquet_schema": true, "duckdb_tables": true, "duckdb_columns": true,
}

// duckdbOnlyStatements start statements Spark does not have.
var duckdbOnlyStatements = map[string]bool{
	"summarize": true, "pragma": true, "attach": true, "detach": true, "install": true,
	"copy": true, "export": true, "import": true, "checkpoint": true,
}

// clauseWords end a FROM list.
var clauseWords = map[string]bool{
	"where": true, "group": true, "order": true, "having": true, "limit": true, "on": true,
	"using": true, "union": true, "intersect": true, "except": true, "select": true,
	"window": true, "qualify": true, "sort": true, "cluster": true, "distribute": true,
	"lateral": true, "pivot": true, "unpivot": true, "tablesample": true, "offset": true,
}

// LakeSchema is how cells name the company lake's tables, locally and on
// the cluster: s3.Sales.
const LakeSchema = "s3"

// ViewName is the Spark temporary view a lake table is registered as.
func ViewName(table string) string { return "smallfry_s3_" + strings.ToLower(table) }

// Check turns a cluster cell into what is sent, or says why it cannot go:
// the rule (docs/spark.md, README) is that cluster cells are Spark SQL, and
// the DuckDB-only constructs below are refused by name rather than left for
// Spark to misread.
func Check(ctx context.Context, src string, names Names) (*Plan, error) {
	stmts, serr := lex(src)
	if serr != nil {
		return nil, serr
	}
	plan := &Plan{}
	seenTable := map[string]bool{}
	for _, st := range stmts {
		p, err := checkStatement(ctx, src, st, names, plan, seenTable)
		if err != nil {
			return nil, err
		}
		plan.Statements = append(plan.Statements, p)
	}
	return plan, nil
}

type edit struct {
	start, end int
	text       string
}

func checkStatement(ctx context.Context, src string, st statement, names Names, plan *Plan, seenTable map[string]bool) (Planned, error) {
	toks := st.tokens
	first := toks[0]
	if first.is("from") {
		return Planned{}, &SyntaxError{Line: first.line, Message: "a statement that starts with FROM is DuckDB's shorthand; Spark needs SELECT … FROM …"}
	}
	if first.kind == tokWord && duckdbOnlyStatements[strings.ToLower(first.text)] {
		return Planned{}, &SyntaxError{Line: first.line, Message: fmt.Sprintf("%s is a DuckDB statement; Spark has no %s (run the cell on this laptop's DuckDB instead)", strings.ToUpper(first.text), strings.ToUpper(first.text))}
	}
	ctes := cteNames(toks)
	var edits []edit
	var params []string
	fromAt := map[int]bool{} // paren depths whose FROM list is open
	depth := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func(k int) token {
			if i+k < len(toks) {
				return toks[i+k]
			}
			return token{kind: tokPunct}
		}
		switch t.kind {
		case tokDQString:
			return Planned{}, &SyntaxError{Line: t.line, Message: fmt.Sprintf("%s: double quotes make a name in DuckDB but a string in Spark; write `name` for a column or table, 'text' for a string", t.text)}
		case tokParam:
			name := t.text[1:]
			if t.text[0] == '$' {
				edits = append(edits, edit{t.start, t.end, ":" + name})
			}
			params = append(params, name)
			continue
		case tokPunct:
			switch t.text {
			case "(":
				depth++
			case ")":
				delete(fromAt, depth)
				depth--
			case "*":
				if n := next(1); n.is("exclude") || n.is("replace") || n.is("rename") {
					return Planned{}, &SyntaxError{Line: t.line, Message: fmt.Sprintf("* %s is DuckDB's; Spark has no star modifiers (list the columns)", strings.ToUpper(n.text))}
				}
			}
			continue
		case tokString:
			continue
		}
		// A word or a quoted name.
		lower := strings.ToLower(t.text)
		if t.kind == tokWord && next(1).text == "(" {
			if duckdbOnlyFunctions[lower] {
				return Planned{}, &SyntaxError{Line: t.line, Message: fmt.Sprintf("%s( is a DuckDB function; on the cluster, read lake tables by name (s3.Table)", lower)}
			}
			if lower == "columns" {
				return Planned{}, &SyntaxError{Line: t.line, Message: "COLUMNS( is DuckDB's; Spark has no column expressions (list the columns)"}
			}
		}
		if t.kind == tokWord && (lower == "from" || lower == "join" || lower == "table") {
			fromAt[depth] = lower == "from" || lower == "join"
			if n := next(1); n.kind == tokString {
				return Planned{}, &SyntaxError{Line: n.line, Message: fmt.Sprintf("FROM %s reads a file in DuckDB; on the cluster, read lake tables by name (s3.Table)", n.text)}
			}
			continue
		}
		if t.kind == tokWord && clauseWords[lower] {
			delete(fromAt, depth)
			continue
		}
		// A name: read its dotted chain.
		chain := []token{t}
		for i+2 < len(toks) && toks[i+1].text == "." && (toks[i+2].kind == tokWord || toks[i+2].kind == tokQuoted) {
			chain = append(chain, toks[i+2])
			i += 2
		}
		prev := token{kind: tokPunct}
		if k := i - 2*(len(chain)-1) - 1; k >= 0 {
			prev = toks[k]
		}
		isTableRef := prev.is("from") || prev.is("join") || prev.is("table") || (prev.text == "," && fromAt[depth])
		if strings.EqualFold(chain[0].ident(), LakeSchema) && len(chain) >= 2 {
			if len(chain) >= 3 && strings.EqualFold(chain[1].ident(), "raw") && isTableRef {
				return Planned{}, &SyntaxError{Line: t.line, Message: fmt.Sprintf("%s is a raw dataset; the cluster reads the company lake's Parquet tables only", joinChain(chain))}
			}
			name, ok, err := names.LakeTable(ctx, chain[1].ident())
			if err != nil {
				return Planned{}, fmt.Errorf("look up %s: %w", joinChain(chain[:2]), err)
			}
			if !ok {
				if isTableRef {
					return Planned{}, &SyntaxError{Line: t.line, Message: fmt.Sprintf("%s: the company lake has no table %s", joinChain(chain[:2]), chain[1].ident())}
				}
				continue
			}
			if !seenTable[strings.ToLower(name)] {
				seenTable[strings.ToLower(name)] = true
				plan.Tables = append(plan.Tables, name)
			}
			edits = append(edits, edit{chain[0].start, chain[1].end, "`" + ViewName(name) + "`"})
			continue
		}
		if len(chain) == 1 && isTableRef && !ctes[strings.ToLower(t.ident())] {
			local, err := names.Local(ctx, t.ident())
			if err != nil {
				return Planned{}, err
			}
			if local {
				return Planned{}, &SyntaxError{Line: t.line, Message: fmt.Sprintf("table %s exists only on this laptop; the cluster reads the company lake (s3.Table): save it to the S3 lake first, or run this cell locally", t.ident())}
			}
		}
	}
	// The text sent keeps the cell's lines, so Spark's line numbers are the cell's.
	var b strings.Builder
	b.WriteString(strings.Repeat("\n", st.line-1))
	at := st.start
	sort.Slice(edits, func(a, b int) bool { return edits[a].start < edits[b].start })
	for _, e := range edits {
		b.WriteString(src[at:e.start])
		b.WriteString(e.text)
		at = e.end
	}
	b.WriteString(src[at:st.end])
	return Planned{SQL: strings.TrimRight(b.String(), " \t\r\n"), Line: st.line, Params: params}, nil
}

// cteNames are the names a statement's WITH clauses define (name AS ( or
// name (cols) AS ().
func cteNames(toks []token) map[string]bool {
	out := map[string]bool{}
	for i := 0; i+2 < len(toks); i++ {
		if (toks[i].kind == tokWord || toks[i].kind == tokQuoted) && toks[i+1].is("as") && toks[i+2].text == "(" {
			out[strings.ToLower(toks[i].ident())] = true
		}
	}
	return out
}

func joinChain(chain []token) string {
	parts := make([]string, len(chain))
	for i, t := range chain {
		parts[i] = t.ident()
	}
	return strings.Join(parts, ".")
}
