package params

import (
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
