package duckdb

import (
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Parameter values a Cell binds to $name: nil (NULL), bool, int64,
// *big.Int (BIGNUM), float64, string, []byte (BLOB), time.Time (TIMESTAMP
// WITH TIME ZONE), and these:
type (
	// Date binds as a DATE.
	Date time.Time
	// Timestamp binds as a TIMESTAMP (no time zone): its clock time in UTC.
	Timestamp time.Time
	// List binds as a DuckDB list of its items. A list of non-NULL items
	// of one of the types bool, int64, float64 or string binds as one value
	// (the statement's $name stands for CAST($name AS BIGINT[])); any other
	// (NULLs, dates, nested lists) binds each item as a parameter of its
	// own ($name stands for [$name__1, $name__2, …]), which DuckDB types
	// from the items, at some cost for long lists.
	List []any
)

// A parameter whose value is an error cannot be bound: a statement that
// names it fails with that error, placed on the line that names it. One
// that does not name it runs.

// bindable is a parameter value as the driver binds it.
func bindable(v any) any {
	switch x := v.(type) {
	case Date:
		return duckdb.Typed(time.Time(x), duckdb.TYPE_DATE)
	case Timestamp:
		return duckdb.Typed(time.Time(x), duckdb.TYPE_TIMESTAMP)
	}
	return v
}

// expandLists rewrites the $name of each List parameter a statement names
// into a list of one parameter per item, outside strings and comments,
// and returns the parameters with those items added. Lines stay as they
// were, so DuckDB's "LINE n" still points at the cell's line.
func expandLists(text string, params map[string]any) (string, map[string]any) {
	hasList := false
	for _, v := range params {
		if _, ok := v.(List); ok {
			hasList = true
			break
		}
	}
	if !hasList {
		return text, params
	}
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = v
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			if end := strings.Index(text[i+2:], "*/"); end >= 0 {
				i += end + 4
			} else {
				i = len(text)
			}
		case c == '\'' || c == '"':
			escapes := c == '\'' && i > 0 && (text[i-1] == 'E' || text[i-1] == 'e') && (i < 2 || !isIdent(text[i-2]))
			i = skipQuoted(text, i, c, escapes)
		case c == '$':
			j := skipDollar(text, i)
			name := text[i+1 : j]
			if l, ok := params[name].(List); ok {
				b.WriteString(text[last:i])
				if sqlType, slice := typedSlice(l); slice != nil {
					b.WriteString("CAST($" + name + " AS " + sqlType + "[])")
					out[name] = slice
				} else {
					b.WriteString(listPlaceholders(name, l, out))
				}
				last = j
			}
			i = j
		case isIdent(c):
			for i < len(text) && isIdent(text[i]) {
				i++
			}
		default:
			i++
		}
	}
	b.WriteString(text[last:])
	return b.String(), out
}

// listPlaceholders writes [$name__1, $name__2, …] (nested lists nest),
// adding each item to params under a name no parameter has.
func listPlaceholders(name string, l List, params map[string]any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, item := range l {
		if i > 0 {
			b.WriteString(", ")
		}
		itemName := name + "__" + strconv.Itoa(i+1)
		for _, taken := params[itemName]; taken; _, taken = params[itemName] {
			itemName += "_"
		}
		if inner, ok := item.(List); ok {
			b.WriteString(listPlaceholders(itemName, inner, params))
			continue
		}
		params[itemName] = item
		b.WriteString("$" + itemName)
	}
	b.WriteByte(']')
	return b.String()
}

// typedSlice is a list of non-NULL items of one driver type as a slice of
// that type, which the driver binds as a list of the SQL type named; nil
// for any other list.
func typedSlice(l List) (string, any) {
	if len(l) == 0 {
		return "", nil
	}
	switch l[0].(type) {
	case bool:
		return sliceOf[bool](l, "BOOLEAN")
	case int64:
		return sliceOf[int64](l, "BIGINT")
	case float64:
		return sliceOf[float64](l, "DOUBLE")
	case string:
		return sliceOf[string](l, "VARCHAR")
	}
	return "", nil
}

func sliceOf[T any](l List, sqlType string) (string, any) {
	out := make([]T, len(l))
	for i, item := range l {
		v, ok := item.(T)
		if !ok {
			return "", nil
		}
		out[i] = v
	}
	return sqlType, out
}
