package duckdb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// KeyFilter tells which values of a column a statement can possibly read,
// from the simple comparisons of that column with constants it finds:
//
//	day = '2026-03-01'   day IN ('a', 'b')   day BETWEEN x AND y
//	day >= x   day < x   x = day   day = DATE '…'   day = $param
//
// It is meant for Hive partition keys: a reader fetches only the partitions
// that can match before DuckDB runs the statement. It is a hint, not a
// proof: the comparisons are intersected wherever they stand (inside an OR
// too), so a caller must still be able to serve every file DuckDB asks for.
// ok is false when the statement constrains the column in a way the lexer
// does not understand (a function of it, NOT, a join on it) or not at all.
func KeyFilter(stmt, column string, params map[string]any) (match func(value string) bool, ok bool) {
	toks := scanTokens(stmt)
	var conds []func(string) bool
	for i, t := range toks {
		if t.kind != 'n' || !strings.EqualFold(t.text, column) {
			continue
		}
		// table.column is the column too; column.field is not.
		if i+1 < len(toks) && toks[i+1] == (token{'p', "."}) {
			continue
		}
		if i > 0 && toks[i-1].kind == 'n' && strings.EqualFold(toks[i-1].text, "not") {
			return nil, false
		}
		if cond, ok := compareAfter(toks, i, params); ok {
			conds = append(conds, cond)
			continue
		}
		if cond, ok := compareBefore(toks, i, params); ok {
			conds = append(conds, cond)
			continue
		}
		if !neutral(toks, i) {
			return nil, false
		}
	}
	if len(conds) == 0 {
		return nil, false
	}
	return func(v string) bool {
		for _, c := range conds {
			if !c(v) {
				return false
			}
		}
		return true
	}, true
}

// neutral reports whether the mention at i neither filters nor transforms
// the column: a select-list entry, a GROUP BY or ORDER BY key.
func neutral(toks []token, i int) bool {
	if i+1 == len(toks) {
		return true
	}
	next := toks[i+1]
	if next.kind == 'p' {
		return next.text == "," || next.text == ")" || next.text == ";"
	}
	if next.kind == 'n' {
		switch strings.ToLower(next.text) {
		case "from", "as", "asc", "desc", "limit", "order", "group", "having", "where", "union", "window", "qualify", "nulls":
			return true
		}
	}
	return false
}

// compareAfter reads "column op constant" starting at the column.
func compareAfter(toks []token, i int, params map[string]any) (func(string) bool, bool) {
	if i+1 >= len(toks) {
		return nil, false
	}
	op := toks[i+1]
	switch {
	case op.kind == 'p' && isComparison(op.text):
		v, end, ok := constant(toks, i+2, params)
		if !ok || !endsTerm(toks, end) {
			return nil, false
		}
		return compareWith(op.text, v), true
	case op.kind == 'n' && strings.EqualFold(op.text, "in"):
		if i+2 >= len(toks) || toks[i+2] != (token{'p', "("}) {
			return nil, false
		}
		var set []string
		j := i + 3
		for {
			v, end, ok := constant(toks, j, params)
			if !ok || end >= len(toks) {
				return nil, false
			}
			set = append(set, v)
			if toks[end] == (token{'p', ")"}) {
				j = end + 1
				break
			}
			if toks[end] != (token{'p', ","}) {
				return nil, false
			}
			j = end + 1
		}
		if !endsTerm(toks, j) {
			return nil, false
		}
		return func(s string) bool {
			for _, v := range set {
				if compare(s, v) == 0 {
					return true
				}
			}
			return false
		}, true
	case op.kind == 'n' && strings.EqualFold(op.text, "between"):
		lo, end, ok := constant(toks, i+2, params)
		if !ok || end >= len(toks) || !(toks[end].kind == 'n' && strings.EqualFold(toks[end].text, "and")) {
			return nil, false
		}
		hi, end, ok := constant(toks, end+1, params)
		if !ok || !endsTerm(toks, end) {
			return nil, false
		}
		return func(s string) bool { return compare(s, lo) >= 0 && compare(s, hi) <= 0 }, true
	}
	return nil, false
}

// compareBefore reads "constant op column" ending at the column.
func compareBefore(toks []token, i int, params map[string]any) (func(string) bool, bool) {
	if i < 2 || toks[i-1].kind != 'p' || !isComparison(toks[i-1].text) || !endsTerm(toks, i+1) {
		return nil, false
	}
	// The constant is one token, or DATE '…' (two).
	for _, start := range []int{i - 2, i - 3} {
		if start < 0 {
			continue
		}
		if v, end, ok := constant(toks, start, params); ok && end == i-1 {
			if start > 0 && !startsTerm(toks[start-1]) {
				return nil, false
			}
			return compareWith(flip(toks[i-1].text), v), true
		}
	}
	return nil, false
}

// endsTerm reports whether the comparison that ends before j stands alone:
// what follows is AND, OR, a closing bracket or the end, not an operator
// that would bind tighter (x = 1 + 2 is not x = 1).
func endsTerm(toks []token, j int) bool {
	if j >= len(toks) {
		return true
	}
	t := toks[j]
	if t.kind == 'p' {
		return t.text == ")" || t.text == ";"
	}
	if t.kind == 'n' {
		switch strings.ToLower(t.text) {
		case "and", "or", "group", "order", "limit", "having", "union", "window", "qualify", "then", "when", "else", "end":
			return true
		}
	}
	return false
}

func startsTerm(t token) bool {
	if t.kind == 'p' {
		return t.text == "("
	}
	if t.kind == 'n' {
		switch strings.ToLower(t.text) {
		case "where", "and", "or", "on", "having", "when":
			return true
		}
	}
	return false
}

// constant reads a literal at j: 'text', a number, DATE 'text' (any type
// name before a string), 'text'::TYPE, or a bound $parameter. It returns
// the value as text and the index after it.
func constant(toks []token, j int, params map[string]any) (string, int, bool) {
	if j >= len(toks) {
		return "", j, false
	}
	t := toks[j]
	var v string
	switch {
	case t.kind == 's':
		v, j = t.text, j+1
	case t.kind == '0':
		v, j = t.text, j+1
	case t.kind == '$' && len(t.text) > 1 && !strings.HasSuffix(t.text, "$"):
		p, ok := params[t.text[1:]]
		if !ok {
			return "", j, false
		}
		s, ok := paramText(p)
		if !ok {
			return "", j, false
		}
		v, j = s, j+1
	case t.kind == 'n' && j+1 < len(toks) && toks[j+1].kind == 's' && isTypeName(t.text):
		v, j = toks[j+1].text, j+2
	case t.kind == 'p' && t.text == "-" && j+1 < len(toks) && toks[j+1].kind == '0':
		v, j = "-"+toks[j+1].text, j+2
	default:
		return "", j, false
	}
	// A cast written after the constant: '2026-01-01'::DATE.
	if j+2 < len(toks) && toks[j] == (token{'p', ":"}) && toks[j+1] == (token{'p', ":"}) && toks[j+2].kind == 'n' && isTypeName(toks[j+2].text) {
		j += 3
	}
	return v, j, true
}

func isTypeName(s string) bool {
	switch strings.ToLower(s) {
	case "date", "timestamp", "varchar", "text", "integer", "int", "bigint":
		return true
	}
	return false
}

func paramText(p any) (string, bool) {
	switch v := p.(type) {
	case string:
		return v, true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
		return fmt.Sprint(v), true
	case time.Time:
		if v.Equal(v.Truncate(24 * time.Hour)) {
			return v.Format("2006-01-02"), true
		}
		return v.Format("2006-01-02 15:04:05"), true
	case Date:
		return time.Time(v).Format("2006-01-02"), true
	case Timestamp:
		return paramText(time.Time(v))
	}
	return "", false
}

func isComparison(op string) bool {
	switch op {
	case "=", "==", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func compareWith(op, v string) func(string) bool {
	return func(s string) bool {
		c := compare(s, v)
		switch op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		case ">=":
			return c >= 0
		}
		return c == 0
	}
}

// compare orders a partition value and a constant: as numbers when both
// are, else as text (ISO dates order correctly as text).
func compare(value, constant string) int {
	a, errA := strconv.ParseFloat(value, 64)
	b, errB := strconv.ParseFloat(constant, 64)
	if errA == nil && errB == nil {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	return strings.Compare(value, constant)
}
