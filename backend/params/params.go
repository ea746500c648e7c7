// Package params reads a notebook's parameters cell (papermill's convention:
// `name = literal` lines in Python syntax) and types the values a run is given.
package params

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Type is a parameter's type, inferred from its default (or its hint).
type Type string

const (
	Int    Type = "int"
	Float  Type = "float"
	Bool   Type = "bool"
	String Type = "string"
	Date   Type = "date"
)

// Param is one parameter declared in the parameters cell.
type Param struct {
	Name    string
	Type    Type
	Default any // int64, float64, bool, string or time.Time (a date)
	Line    int // 1-based line in the cell
	// dateCall records that the default was written date(...), so injected
	// values keep the user's style.
	dateCall bool
}

var (
	assign   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z_.]+)\s*)?=\s*(.+?)\s*$`)
	dateCall = regexp.MustCompile(`^(?:datetime\.)?date\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)$`)
	isoDate  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// Parse reads a parameters cell. Blank lines and # comments are skipped;
// every other line must assign a literal: an int, a float, True/False, a
// quoted string, or a date (date(1997, 1, 1), or a string "1997-01-01").
func Parse(source string) ([]Param, error) {
	var out []Param
	seen := map[string]bool{}
	for i, line := range strings.Split(source, "\n") {
		text := strings.TrimSpace(stripComment(line))
		if text == "" {
			continue
		}
		m := assign.FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("line %d: %q is not `name = value`", i+1, text)
		}
		p, err := literal(m[1], m[3])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if hint := m[2]; hint != "" {
			if p, err = applyHint(p, hint); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("line %d: parameter %s is set twice", i+1, p.Name)
		}
		seen[p.Name] = true
		p.Line = i + 1
		out = append(out, p)
	}
	return out, nil
}

func literal(name, text string) (Param, error) {
	p := Param{Name: name}
	switch {
	case text == "True" || text == "False":
		p.Type, p.Default = Bool, text == "True"
	case dateCall.MatchString(text):
		m := dateCall.FindStringSubmatch(text)
		d, err := time.Parse("2006-1-2", m[1]+"-"+m[2]+"-"+m[3])
		if err != nil {
			return p, fmt.Errorf("%s: %s is not a valid date", name, text)
		}
		p.Type, p.Default, p.dateCall = Date, d, true
	case strings.HasPrefix(text, `"`) || strings.HasPrefix(text, `'`):
		s, err := unquote(text)
		if err != nil {
			return p, fmt.Errorf("%s: %w", name, err)
		}
		p.Type, p.Default = String, s
		if isoDate.MatchString(s) {
			if d, err := time.Parse(time.DateOnly, s); err == nil {
				p.Type, p.Default = Date, d
			}
		}
	default:
		clean := strings.ReplaceAll(text, "_", "")
		if n, err := strconv.ParseInt(clean, 10, 64); err == nil {
			p.Type, p.Default = Int, n
		} else if f, err := strconv.ParseFloat(clean, 64); err == nil {
			p.Type, p.Default = Float, f
		} else {
			return p, fmt.Errorf("%s: the default %s is not a number, True/False, a quoted string or a date", name, text)
		}
	}
	return p, nil
}

// applyHint honours a type annotation such as `year: int = 1997`.
func applyHint(p Param, hint string) (Param, error) {
	want := map[string]Type{"int": Int, "float": Float, "bool": Bool, "str": String, "date": Date, "datetime.date": Date}[hint]
	switch {
	case want == "":
		return p, fmt.Errorf("%s: unsupported type hint %q (use int, float, bool, str or date)", p.Name, hint)
	case want == p.Type:
		return p, nil
	case want == Float && p.Type == Int:
		p.Type, p.Default = Float, float64(p.Default.(int64))
		return p, nil
	case want == String && p.Type == Date:
		p.Type, p.Default = String, p.Default.(time.Time).Format(time.DateOnly)
		return p, nil
	}
	return p, fmt.Errorf("%s: the default does not match the type hint %s", p.Name, hint)
}

// stripComment removes a # comment that is not inside quotes.
func stripComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0 && r == '\\':
			// the next rune is escaped; handled by skipping below
		case quote != 0 && r == quote && (i == 0 || line[i-1] != '\\'):
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == '#':
			return line[:i]
		}
	}
	return line
}

// unquote reads a Python string literal with the common escapes.
func unquote(text string) (string, error) {
	q := text[0]
	if len(text) < 2 || text[len(text)-1] != q {
		return "", fmt.Errorf("unterminated string %s", text)
	}
	body := text[1 : len(text)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == q {
			return "", fmt.Errorf("unexpected quote in %s", text)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(body) {
			return "", fmt.Errorf("unterminated string %s", text)
		}
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"':
			b.WriteByte(body[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(body[i])
		}
	}
	return b.String(), nil
}
