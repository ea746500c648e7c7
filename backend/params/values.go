package params

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Value is a parameter with the value a run uses.
type Value struct {
	Param
	Value any
	// Given says the value was passed to the run (or kept from an earlier
	// run's injected-parameters cell) rather than taken from the default:
	// only given values are injected, as papermill injects them.
	Given bool
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
			v.Value, v.Given = typed, true
		}
		out = append(out, v)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// Keep applies an earlier run's injected-parameters cell (read with Parse)
// to the values, as a run given no parameters keeps that cell: its values
// win over the defaults, and count as given. Names the parameters cell does
// not declare are added.
func Keep(values []Value, injected []Param) []Value {
	out := append([]Value(nil), values...)
	at := map[string]int{}
	for i, v := range out {
		at[v.Name] = i
	}
	for _, p := range injected {
		if i, ok := at[p.Name]; ok {
			out[i].Value, out[i].Given = p.Default, true
			if out[i].Type == TypeDate && p.Type == TypeDate {
				out[i].dateCall = p.dateCall
			}
			continue
		}
		out = append(out, Value{Param: p, Value: p.Default, Given: true})
	}
	return out
}

// Given is the values that were given, in order.
func Given(values []Value) []Value {
	var out []Value
	for _, v := range values {
		if v.Given {
			out = append(out, v)
		}
	}
	return out
}

// Infer types values for a notebook with no parameters cell: each value's
// type is guessed from its text, as for a parameter of TypeAny.
func Infer(given map[string]string) []Value {
	var out []Value
	for _, name := range sortedKeys(given) {
		v, _ := Parse1(TypeAny, given[name])
		p := typed(name, v)
		p.dateCall = false // a date given as text stays text in Python
		out = append(out, Value{Param: p, Value: v, Given: true})
	}
	return out
}

// Parse1 parses a -p value's text as a value of type t. TypeAny guesses,
// as papermill does: None, an int, a float, a bool, a YYYY-MM-DD date,
// else the text as a string. Lists, tuples, sets and dicts are written as
// Python literals (or JSON).
func Parse1(t Type, raw string) (any, error) {
	switch t {
	case TypeInt:
		n, ok := new(big.Int).SetString(strings.ReplaceAll(strings.TrimSpace(raw), "_", ""), 10)
		if !ok {
			return nil, fmt.Errorf("%q is not an int", raw)
		}
		return normalInt(n), nil
	case TypeFloat:
		f, ok := pyFloat(raw)
		if !ok {
			return nil, fmt.Errorf("%q is not a float", raw)
		}
		return f, nil
	case TypeBool:
		switch strings.ToLower(raw) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a bool (use true or false)", raw)
	case TypeDate:
		d, ok := isoDate(raw)
		if !ok {
			return nil, fmt.Errorf("%q is not a date (use YYYY-MM-DD)", raw)
		}
		return d, nil
	case TypeDatetime:
		for _, layout := range []string{"2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
			if d, err := time.Parse(layout, raw); err == nil {
				return Datetime{d}, nil
			}
		}
		return nil, fmt.Errorf("%q is not a date and time (use YYYY-MM-DDTHH:MM:SS, without a time zone)", raw)
	case TypeString:
		return raw, nil
	case TypeBytes:
		return []byte(raw), nil
	case TypeList, TypeTuple, TypeSet, TypeDict:
		return parseContainer(t, raw)
	case TypeAny:
		if raw == "None" {
			return nil, nil
		}
		for _, t := range []Type{TypeInt, TypeFloat, TypeBool, TypeDate} {
			if v, err := Parse1(t, raw); err == nil {
				return v, nil
			}
		}
		return raw, nil
	}
	return nil, fmt.Errorf("unknown type %s", t)
}

// parseContainer reads a list, tuple, set or dict given as a Python literal
// or as JSON; lists, tuples and sets stand for one another.
func parseContainer(t Type, raw string) (any, error) {
	v, err := ParseLiteral(raw)
	if err != nil {
		if j, jerr := fromJSON(raw); jerr == nil {
			v, err = j, nil
		}
	}
	want := map[Type]string{TypeList: "[1, 2]", TypeTuple: "[1, 2]", TypeSet: "[1, 2]", TypeDict: `{"a": 1}`}[t]
	if err != nil {
		return nil, fmt.Errorf("%q is not a %s: write a Python or JSON literal such as %s (%v)", excerpt(raw), t, want, err)
	}
	var items []any
	switch x := v.(type) {
	case Dict:
		if t == TypeDict {
			return x, nil
		}
	case List:
		items = x
	case Tuple:
		items = x
	case Set:
		items = x
	}
	if items == nil || t == TypeDict {
		return nil, fmt.Errorf("%q is a %s, not a %s (write it such as %s)", excerpt(raw), typeName(v), t, want)
	}
	switch t {
	case TypeTuple:
		return Tuple(items), nil
	case TypeSet:
		var set Set
		seen := map[string]bool{}
		for _, it := range items {
			k, err := hashKey(it)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", excerpt(raw), err)
			}
			if !seen[k] {
				seen[k] = true
				set = append(set, it)
			}
		}
		return set, nil
	}
	return List(items), nil
}

// fromJSON reads JSON as Python values: arrays are lists, objects dicts.
func fromJSON(raw string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	var conv func(any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case json.Number:
			if n, ok := new(big.Int).SetString(string(x), 10); ok {
				return normalInt(n)
			}
			f, _ := x.Float64()
			return f
		case []any:
			l := make(List, len(x))
			for i, e := range x {
				l[i] = conv(e)
			}
			return l
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			d := make(Dict, 0, len(x))
			for _, k := range keys {
				d = append(d, Item{k, conv(x[k])})
			}
			return d
		}
		return v
	}
	return conv(v), nil
}

var isoDateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func isoDate(s string) (Date, bool) {
	if !isoDateRE.MatchString(s) {
		return Date{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	return Date{d}, err == nil
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
