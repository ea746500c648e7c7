package params

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// pyRepr writes a value as Python source that evaluates to it. Dates are
// datetime.date(…) when dateCall, else their "YYYY-MM-DD" string (the
// style of the parameter's default); datetimes are datetime.datetime(…).
func pyRepr(v any, dateCall bool) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case *big.Int:
		return x.String()
	case float64:
		switch {
		case math.IsNaN(x):
			return "float('nan')"
		case math.IsInf(x, 1):
			return "float('inf')"
		case math.IsInf(x, -1):
			return "float('-inf')"
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case string:
		return pyString(x)
	case []byte:
		return pyBytes(x)
	case Date:
		if !dateCall {
			return pyString(x.Format(time.DateOnly))
		}
		return fmt.Sprintf("datetime.date(%d, %d, %d)", x.Year(), x.Month(), x.Day())
	case Datetime:
		s := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d, %d", x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second())
		if us := x.Nanosecond() / 1000; us != 0 {
			s += ", " + strconv.Itoa(us)
		}
		return s + ")"
	case List:
		return "[" + pyItems(x) + "]"
	case Tuple:
		if len(x) == 1 {
			return "(" + pyItems(x) + ",)"
		}
		return "(" + pyItems(x) + ")"
	case Set:
		if len(x) == 0 {
			return "set()"
		}
		return "{" + pyItems(x) + "}"
	case Dict:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = pyRepr(it.Key, true) + ": " + pyRepr(it.Value, true)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case Expr:
		return x.Source
	}
	return pyString(fmt.Sprint(v))
}

func pyItems(items []any) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = pyRepr(it, true)
	}
	return strings.Join(parts, ", ")
}

// pyString writes a str literal in double quotes, escaping what must be
// (backslashes, quotes, control characters) and keeping the rest as is.
func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r > 0xffff && !unicode.IsPrint(r):
				fmt.Fprintf(&b, `\U%08x`, r)
			case r > 0x7f && (r == '\u2028' || r == '\u2029' || r == '\ufeff' || !unicode.IsPrint(r) && !unicode.IsSpace(r)):
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// pyBytes writes a bytes literal as Python's repr does.
func pyBytes(data []byte) string {
	var b strings.Builder
	quote := byte('\'')
	if strings.IndexByte(string(data), '\'') >= 0 && strings.IndexByte(string(data), '"') < 0 {
		quote = '"'
	}
	b.WriteString("b")
	b.WriteByte(quote)
	for _, c := range data {
		switch {
		case c == '\\' || c == quote:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// JSON returns the values as JSON-friendly data, for run records and
// notebook metadata: dates as YYYY-MM-DD, datetimes as ISO 8601, lists,
// tuples and sets as arrays, dicts as objects (keys as Python writes
// them), bytes as Python's b'…', infinities and NaN as "inf", "-inf",
// "nan". A value only Python knows (an Expr) is left out.
func JSON(values []Value) map[string]any {
	m := make(map[string]any, len(values))
	for _, v := range values {
		if _, ok := v.Value.(Expr); ok {
			continue
		}
		m[v.Name] = jsonValue(v.Value)
	}
	return m
}

// DefaultsJSON is the declared defaults as JSON (see JSON).
func DefaultsJSON(declared []Param) map[string]any {
	values := make([]Value, len(declared))
	for i, p := range declared {
		values[i] = Value{Param: p, Value: p.Default}
	}
	return JSON(values)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case *big.Int:
		return json.Number(x.String())
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return x
	case []byte:
		return pyBytes(x)
	case Date:
		return x.Format(time.DateOnly)
	case Datetime:
		return x.Format("2006-01-02T15:04:05.999999")
	case List:
		return jsonList(x)
	case Tuple:
		return jsonList(x)
	case Set:
		return jsonList(x)
	case Dict:
		m := make(map[string]any, len(x))
		for _, it := range x {
			k, ok := it.Key.(string)
			if !ok {
				k = pyRepr(it.Key, false)
			}
			m[k] = jsonValue(it.Value)
		}
		return m
	case Expr:
		return nil
	}
	return v
}

func jsonList(items []any) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = jsonValue(it)
	}
	return out
}

// Render writes the injected-parameters cell in Python syntax, as papermill
// does, so the output also runs in Jupyter.
func Render(values []Value) string {
	var b strings.Builder
	b.WriteString("# Parameters\n")
	for _, v := range values {
		if needsDatetime(v.Value, v.dateCall) {
			b.WriteString("import datetime\n")
			break
		}
	}
	for _, v := range values {
		b.WriteString(v.Name + " = " + pyRepr(v.Value, v.dateCall) + "\n")
	}
	return b.String()
}

func needsDatetime(v any, dateCall bool) bool {
	switch x := v.(type) {
	case Date:
		return dateCall
	case Datetime:
		return true
	case List:
		return anyNeedsDatetime(x)
	case Tuple:
		return anyNeedsDatetime(x)
	case Set:
		return anyNeedsDatetime(x)
	case Dict:
		for _, it := range x {
			if needsDatetime(it.Key, true) || needsDatetime(it.Value, true) {
				return true
			}
		}
	}
	return false
}

func anyNeedsDatetime(items []any) bool {
	for _, it := range items {
		if needsDatetime(it, true) {
			return true
		}
	}
	return false
}
