package params

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Value is a parameter with the value a run uses.
type Value struct {
	Param
	Value any
}

// Resolve types the raw name=value strings of a run against the declared
// parameters. Every name must be declared and every value must parse as its
// parameter's type; the errors say which and why, before anything runs.
// Declared parameters that were not given keep their defaults.
func Resolve(declared []Param, given map[string]string) ([]Value, error) {
	byName := map[string]Param{}
	for _, p := range declared {
		byName[p.Name] = p
	}
	var problems []string
	for _, name := range sortedKeys(given) {
		if _, ok := byName[name]; !ok {
			problems = append(problems, fmt.Sprintf("unknown parameter %q (this notebook's parameters: %s)", name, describe(declared)))
		}
	}
	var out []Value
	for _, p := range declared {
		v := Value{Param: p, Value: p.Default}
		if raw, ok := given[p.Name]; ok {
			typed, err := Parse1(p.Type, raw)
			if err != nil {
				problems = append(problems, fmt.Sprintf("parameter %s: %v", p.Name, err))
				continue
			}
			v.Value = typed
		}
		out = append(out, v)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return out, nil
}

// Infer types values for a notebook with no parameters cell: each value's
// type is guessed from its text (int, float, bool, date, else string).
func Infer(given map[string]string) []Value {
	var out []Value
	for _, name := range sortedKeys(given) {
		raw := given[name]
		v := Value{Param: Param{Name: name, Type: String}, Value: raw}
		for _, t := range []Type{Int, Float, Bool, Date} {
			if typed, err := Parse1(t, raw); err == nil {
				v.Type, v.Value, v.Default = t, typed, typed
				break
			}
		}
		out = append(out, v)
	}
	return out
}

// Parse1 parses raw text as a value of type t.
func Parse1(t Type, raw string) (any, error) {
	switch t {
	case Int:
		n, err := strconv.ParseInt(strings.ReplaceAll(raw, "_", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an int", raw)
		}
		return n, nil
	case Float:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a float", raw)
		}
		return f, nil
	case Bool:
		switch strings.ToLower(raw) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a bool (use true or false)", raw)
	case Date:
		d, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date (use YYYY-MM-DD)", raw)
		}
		return d, nil
	case String:
		return raw, nil
	}
	return nil, fmt.Errorf("unknown type %s", t)
}

// Args returns the values as SQL parameters, by name.
func Args(values []Value) map[string]any {
	m := make(map[string]any, len(values))
	for _, v := range values {
		m[v.Name] = v.Value
	}
	return m
}

// JSON returns the values as JSON-friendly data (dates as YYYY-MM-DD), for
// run records and notebook metadata.
func JSON(values []Value) map[string]any {
	m := make(map[string]any, len(values))
	for _, v := range values {
		if d, ok := v.Value.(time.Time); ok {
			m[v.Name] = d.Format(time.DateOnly)
		} else {
			m[v.Name] = v.Value
		}
	}
	return m
}

// Render writes the injected-parameters cell in Python syntax, as papermill
// does, so the output notebook also runs in Jupyter.
func Render(values []Value) string {
	var b strings.Builder
	b.WriteString("# Parameters\n")
	for _, v := range values {
		if _, ok := v.Value.(time.Time); ok && v.dateCall {
			b.WriteString("import datetime\n")
			break
		}
	}
	for _, v := range values {
		b.WriteString(v.Name + " = " + pyLiteral(v) + "\n")
	}
	return b.String()
}

func pyLiteral(v Value) string {
	switch x := v.Value.(type) {
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case time.Time:
		if v.dateCall {
			return fmt.Sprintf("datetime.date(%d, %d, %d)", x.Year(), x.Month(), x.Day())
		}
		return pyString(x.Format(time.DateOnly))
	case string:
		return pyString(x)
	}
	return pyString(fmt.Sprint(v.Value))
}

func pyString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

func describe(ps []Param) string {
	if len(ps) == 0 {
		return "none"
	}
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Name+" ("+string(p.Type)+")")
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
