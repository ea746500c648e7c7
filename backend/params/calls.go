package params

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// call reads a name and what follows it: the calls literals are written
// with, else the expression is not a literal.
func (p *litParser) call(name *tok) (any, error) {
	dotted := name.text
	for p.isOp(".") && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tName {
		dotted += "." + p.toks[p.i+1].text
		p.i += 2
	}
	if !p.isOp("(") {
		return nil, notLit("%s is a name", dotted)
	}
	p.i++
	var pos []any
	kw := map[string]any{}
	for !p.isOp(")") {
		if t := p.peek(); t != nil && t.kind == tName && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "=" {
			p.i += 2
			v, err := p.item()
			if err != nil {
				return nil, err
			}
			kw[t.text] = v
		} else {
			v, err := p.item()
			if err != nil {
				return nil, err
			}
			if len(kw) > 0 {
				return nil, syntaxErrorf(p.lineAt(), "a positional argument follows a keyword argument")
			}
			pos = append(pos, v)
		}
		if !p.isOp(",") {
			break
		}
		p.i++
	}
	if !p.isOp(")") {
		return nil, notLit("%s(…) with more than literals", dotted)
	}
	p.i++
	switch dotted {
	case "date", "datetime.date":
		return dateCall(dotted, pos, kw, name.line, false)
	case "datetime", "datetime.datetime":
		return dateCall(dotted, pos, kw, name.line, true)
	case "float":
		if len(pos) == 1 && len(kw) == 0 {
			if s, ok := pos[0].(string); ok {
				if f, ok := pyFloat(s); ok {
					return f, nil
				}
			}
		}
	case "set", "list", "tuple", "dict":
		if len(pos) == 0 && len(kw) == 0 {
			return map[string]any{"set": Set{}, "list": List{}, "tuple": Tuple{}, "dict": Dict{}}[dotted], nil
		}
	}
	return nil, notLit("%s(…) is a call", dotted)
}

// dateCall builds a datetime.date or a naive datetime.datetime from its
// arguments, checked as Python checks them.
func dateCall(name string, pos []any, kw map[string]any, line int, withTime bool) (any, error) {
	fields := []string{"year", "month", "day"}
	if withTime {
		fields = append(fields, "hour", "minute", "second", "microsecond")
	}
	if len(pos) > len(fields) {
		return nil, notLit("%s(…) with more arguments than it takes", name)
	}
	vals := make([]int64, len(fields))
	have := make([]bool, len(fields))
	for i, v := range pos {
		n, ok := v.(int64)
		if !ok {
			return nil, notLit("%s(…) with a %s argument", name, typeName(v))
		}
		vals[i], have[i] = n, true
	}
	for k, v := range kw {
		i := indexOf(fields, k)
		if i < 0 {
			return nil, notLit("%s(…) with the argument %s", name, k) // tzinfo=, fold=: Python's own
		}
		n, ok := v.(int64)
		if !ok || have[i] {
			return nil, notLit("%s(…) with an odd %s", name, k)
		}
		vals[i], have[i] = n, true
	}
	for i := range 3 {
		if !have[i] {
			return nil, syntaxErrorf(line, "%s(…) is missing its %s", name, fields[i])
		}
	}
	y, m, d := vals[0], vals[1], vals[2]
	invalid := func(why string) error {
		return syntaxErrorf(line, "%s is not a valid %s: %s", callText(name, vals, have), map[bool]string{false: "date", true: "datetime"}[withTime], why)
	}
	switch {
	case y < 1 || y > 9999:
		return nil, invalid(fmt.Sprintf("year %d is out of range", y))
	case m < 1 || m > 12:
		return nil, invalid("month must be in 1..12")
	case d < 1 || d > int64(time.Date(int(y), time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()):
		return nil, invalid("day is out of range for month")
	}
	if !withTime {
		return Date{time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)}, nil
	}
	limits := []int64{24, 60, 60, 1_000_000}
	for i, lim := range limits {
		if v := vals[3+i]; v < 0 || v >= lim {
			return nil, invalid(fmt.Sprintf("%s must be in 0..%d", fields[3+i], lim-1))
		}
	}
	return Datetime{time.Date(int(y), time.Month(m), int(d), int(vals[3]), int(vals[4]), int(vals[5]), int(vals[6])*1000, time.UTC)}, nil
}

func callText(name string, vals []int64, have []bool) string {
	var parts []string
	for i, v := range vals {
		if have[i] {
			parts = append(parts, strconv.FormatInt(v, 10))
		}
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// pyFloat reads what float(s) takes: a decimal number, inf or nan.
func pyFloat(s string) (float64, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	sign := 1.0
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		if t[0] == '-' {
			sign = -1
		}
		t = t[1:]
	}
	switch t {
	case "inf", "infinity":
		return sign * math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	if t == "" || strings.ContainsAny(t, "xpn") || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return sign * f, true
}
