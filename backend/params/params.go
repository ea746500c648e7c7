// Package params reads a notebook's parameters cell as papermill users
// write it (Python: `name = literal` lines among any other code) and types
// the values a run is given against the defaults it declares.
package params

import (
	"errors"
	"math/big"
	"strings"
)

// Type is a parameter's type, from its default (or its annotation): what a
// -p value is read as.
type Type string

const (
	TypeInt      Type = "int"
	TypeFloat    Type = "float"
	TypeBool     Type = "bool"
	TypeString   Type = "string"
	TypeBytes    Type = "bytes"
	TypeDate     Type = "date"
	TypeDatetime Type = "datetime"
	TypeList     Type = "list"
	TypeTuple    Type = "tuple"
	TypeSet      Type = "set"
	TypeDict     Type = "dict"
	// TypeAny is papermill's "no type": a None default, or one Python
	// computes. A -p value's type is guessed from its text.
	TypeAny Type = "any"
)

// Param is one parameter the parameters cell assigns at its top level.
type Param struct {
	Name    string
	Type    Type
	Default any // a Python value (see List), Expr for one only Python knows
	Line    int // 1-based line in the cell of the assignment that sets it last
	// dateCall records that a date default was written datetime.date(...),
	// not as a "YYYY-MM-DD" string, so injected values keep the user's style.
	dateCall bool
}

// Parse reads a parameters cell. Any Python is accepted, as papermill
// accepts it: imports, comments, other statements and blocks are left to
// Python. Top-level assignments `name = value` (or `name: hint = value`)
// declare the parameters; a literal value (numbers, strings, None, lists,
// tuples, dicts, sets, datetime.date(…), datetime.datetime(…)) is the
// default SQL cells see too, and any other expression is an Expr that only
// Python evaluates. A name assigned twice takes its last value, as in
// Python. Errors are Python syntax errors, placed on their line, found
// before anything runs.
func Parse(source string) ([]Param, error) {
	src := strings.ReplaceAll(source, "\r\n", "\n")
	lines, err := lex(src)
	if err != nil {
		return nil, err
	}
	d := &declarations{src: src, at: map[string]int{}}
	header, inBlock := 0, false // header: the line of a block's opening statement, awaiting its body
	for _, l := range lines {
		first := l.toks[0]
		if l.indent {
			if header == 0 && !inBlock {
				return nil, syntaxErrorf(first.line, "unexpected indent")
			}
			header, inBlock = 0, true
			for _, st := range statements(l.toks) {
				if len(st) == 0 {
					return nil, syntaxErrorf(first.line, "unexpected ;")
				}
				d.inBlock(st)
			}
			continue // a block's body is Python's business, but for what it assigns
		}
		if header != 0 {
			return nil, syntaxErrorf(first.line, "expected an indented block after line %d", header)
		}
		inBlock = false
		for _, st := range statements(l.toks) {
			if len(st) == 0 {
				return nil, syntaxErrorf(first.line, "unexpected ;")
			}
			if err := d.statement(st); err != nil {
				return nil, err
			}
		}
		if last := l.toks[len(l.toks)-1]; last.kind == tOp && last.text == ":" {
			header = first.line
		}
	}
	if header != 0 {
		return nil, syntaxErrorf(header, "expected an indented block after this line")
	}
	return d.params, nil
}

// statements cuts a logical line at its semicolons (brackets are closed in
// a logical line, so every ; is at the top level). A trailing ; ends the
// last statement.
func statements(toks []tok) [][]tok {
	var out [][]tok
	start := 0
	for i, t := range toks {
		if t.kind == tOp && t.text == ";" {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

type declarations struct {
	src    string
	params []Param
	at     map[string]int // name → index in params
}

func (d *declarations) set(p Param) {
	if i, ok := d.at[p.Name]; ok {
		d.params[i] = p
		return
	}
	d.at[p.Name] = len(d.params)
	d.params = append(d.params, p)
}

// changed makes a parameter that later code changes (x += 1, x[0] = 2)
// one whose value only Python knows.
func (d *declarations) changed(name string, st []tok) {
	i, ok := d.at[name]
	if !ok {
		return
	}
	// A -p value keeps the type the default gave.
	d.params[i].Default = Expr{Source: d.text(st), Why: "changed by a later statement", Line: st[0].line}
}

// inBlock notes what a statement inside a block (if, for, try…) does to
// the parameters: one it may assign to is known to Python only.
func (d *declarations) inBlock(st []tok) {
	if eqs, augmented := topLevelAssignments(st); st[0].kind == tName && (len(eqs) > 0 || augmented) {
		d.changed(st[0].text, st)
	}
}

// topLevelAssignments finds a statement's = signs outside brackets, and
// tells whether it is an augmented assignment (+=, |=, …).
func topLevelAssignments(st []tok) (eqs []int, augmented bool) {
	depth := 0
	for i, t := range st {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case "=":
			if depth == 0 {
				eqs = append(eqs, i)
			}
		default:
			if depth == 0 && len(t.text) > 1 && strings.HasSuffix(t.text, "=") && !comparison[t.text] && t.text != ":=" {
				augmented = true
			}
		}
	}
	return eqs, augmented
}

func (d *declarations) text(toks []tok) string {
	return d.src[toks[0].start:toks[len(toks)-1].end]
}

// statement declares what one top-level statement assigns, if anything.
func (d *declarations) statement(st []tok) error {
	eqs, augmented := topLevelAssignments(st)
	if len(eqs) == 0 {
		if augmented && st[0].kind == tName {
			d.changed(st[0].text, st) // x += 1, x[0] -= 1
		}
		return nil // import, a call, a bare annotation, del, pass, def ...: Python's
	}
	target := st[:eqs[0]]
	if len(target) == 0 {
		return syntaxErrorf(st[0].line, "= needs a name before it")
	}
	name := target[0]
	if name.kind != tName {
		return nil // (a, b) = …, *rest = …: not parameters papermill lists either
	}
	if len(target) > 1 && target[1].kind == tOp && target[1].text != ":" {
		if target[1].text == "[" || target[1].text == "." {
			d.changed(name.text, st)
		}
		return nil // a, b = …; x[0] = …; obj.attr = …
	}
	if keywords[name.text] || name.text == "None" || name.text == "True" || name.text == "False" {
		return syntaxErrorf(name.line, "cannot assign to %s", name.text)
	}
	var hint []tok
	if len(target) > 1 {
		hint = target[2:]
		if len(hint) == 0 {
			return syntaxErrorf(name.line, "%s: the annotation after : is missing", name.text)
		}
	}
	names := []tok{name}
	valueAt := eqs[0] + 1
	for k := 1; k < len(eqs) && hint == nil; k++ { // a = b = 1 assigns both
		seg := st[eqs[k-1]+1 : eqs[k]]
		if len(seg) != 1 || seg[0].kind != tName || keywords[seg[0].text] {
			break
		}
		names = append(names, seg[0])
		valueAt = eqs[k] + 1
	}
	value := st[valueAt:]
	if len(value) == 0 {
		return syntaxErrorf(st[valueAt-1].line, "%s = needs a value after =", names[len(names)-1].text)
	}
	v, err := evalTokens(d.src, value)
	var nl *notLiteral
	var se *SyntaxError
	switch {
	case errors.As(err, &nl):
		if err := checkExpression(value); err != nil {
			return prefixed(name.text, err)
		}
		v = Expr{Source: d.text(value), Why: nl.why, Line: value[0].line}
	case errors.As(err, &se):
		return prefixed(name.text, se)
	case err != nil:
		return err
	}
	for _, n := range names {
		p := typed(n.text, v)
		p.Line = n.line
		if hint != nil {
			p = applyHint(p, hintType(d.text(hint)))
		}
		d.set(p)
	}
	return nil
}

func prefixed(name string, err error) error {
	var se *SyntaxError
	if errors.As(err, &se) {
		return &SyntaxError{Line: se.Line, Msg: name + ": " + se.Msg}
	}
	return err
}

// typed is a parameter whose type comes from its default. A string in
// YYYY-MM-DD form is a date (in Python it stays the string).
func typed(name string, v any) Param {
	p := Param{Name: name, Default: v}
	switch x := v.(type) {
	case nil, Expr:
		p.Type = TypeAny
	case bool:
		p.Type = TypeBool
	case int64, *big.Int:
		p.Type = TypeInt
	case float64:
		p.Type = TypeFloat
	case string:
		p.Type = TypeString
		if d, ok := isoDate(x); ok {
			p.Type, p.Default = TypeDate, d
		}
	case []byte:
		p.Type = TypeBytes
	case Date:
		p.Type, p.dateCall = TypeDate, true
	case Datetime:
		p.Type = TypeDatetime
	case List:
		p.Type = TypeList
	case Tuple:
		p.Type = TypeTuple
	case Set:
		p.Type = TypeSet
	case Dict:
		p.Type = TypeDict
	}
	return p
}

// hintType reads a type annotation: the types -p values can be read as,
// Optional[X] and X | None as X. Anything else says nothing ("").
func hintType(text string) Type {
	h := strings.Join(strings.Fields(text), "")
	h = strings.Trim(h, `"'`)
	h = strings.TrimPrefix(h, "typing.")
	if inner, ok := strings.CutPrefix(h, "Optional["); ok && strings.HasSuffix(inner, "]") {
		h = strings.TrimSuffix(inner, "]")
	}
	if a, b, ok := strings.Cut(h, "|"); ok && !strings.Contains(b, "|") {
		switch {
		case b == "None":
			h = a
		case a == "None":
			h = b
		}
	}
	if i := strings.IndexByte(h, '['); i > 0 {
		h = h[:i] // list[int], Dict[str, int]
	}
	return map[string]Type{
		"int": TypeInt, "float": TypeFloat, "bool": TypeBool, "str": TypeString, "bytes": TypeBytes,
		"date": TypeDate, "datetime.date": TypeDate, "datetime": TypeDatetime, "datetime.datetime": TypeDatetime,
		"list": TypeList, "List": TypeList, "tuple": TypeTuple, "Tuple": TypeTuple, "set": TypeSet, "Set": TypeSet,
		"dict": TypeDict, "Dict": TypeDict, "Any": TypeAny, "typing.Any": TypeAny,
	}[h]
}

// applyHint lets an annotation type a parameter where its default cannot
// (x: int = None) or reads -p values wider (rate: float = 3 takes 2.5; its
// default stays the int Python has). Python does not enforce annotations,
// so one that disagrees with the default is ignored.
func applyHint(p Param, hint Type) Param {
	switch {
	case hint == "" || hint == p.Type:
	case p.Default == nil, isExpr(p.Default), hint == TypeAny:
		p.Type = hint
	case hint == TypeFloat && p.Type == TypeInt:
		p.Type = TypeFloat
	case hint == TypeString && p.Type == TypeDate && !p.dateCall:
		p.Type, p.Default = TypeString, p.Default.(Date).Format("2006-01-02")
	}
	return p
}

func isExpr(v any) bool { _, ok := v.(Expr); return ok }

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	}
	return 0
}

// keywords are Python's keywords, hard and soft (None, True and False,
// which are values, aside).
var keywords = map[string]bool{
	"and": true, "as": true, "assert": true, "async": true, "await": true, "break": true, "class": true,
	"continue": true, "def": true, "del": true, "elif": true, "else": true, "except": true, "finally": true,
	"for": true, "from": true, "global": true, "if": true, "import": true, "in": true, "is": true,
	"lambda": true, "nonlocal": true, "not": true, "or": true, "pass": true, "raise": true, "return": true,
	"try": true, "while": true, "with": true, "yield": true, "match": true, "case": true, "type": true,
}

var comparison = map[string]bool{"==": true, "!=": true, "<=": true, ">=": true}

// operandNext are tokens after which an operand must come.
var operandNext = map[string]bool{
	"(": true, "[": true, "{": true, ",": true, "+": true, "-": true, "*": true, "/": true, "//": true,
	"%": true, "**": true, "@": true, "&": true, "|": true, "^": true, "~": true, "<<": true, ">>": true,
	"<": true, ">": true, "<=": true, ">=": true, "==": true, "!=": true, "=": true, ":=": true,
}

var operandKeywords = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true, "if": true, "else": true, "await": true}

// checkExpression finds the syntax errors of an expression that is not a
// literal that can be told from its tokens alone: two operands in a row
// (1 2), an operator where an operand is due ([1,, 2], (1 +)), an operator
// at the end. It is not a parser: what it lets through, Python reports
// when the parameters cell runs.
func checkExpression(toks []tok) error {
	operand := func(t tok) bool {
		return t.kind == tNumber || t.kind == tString || t.kind == tName && !keywords[t.text]
	}
	closes := func(t tok) bool { return t.kind == tOp && (t.text == ")" || t.text == "]" || t.text == "}") }
	wantsOperand := func(t tok) bool {
		return t.kind == tOp && operandNext[t.text] || t.kind == tName && operandKeywords[t.text]
	}
	for i := 1; i < len(toks); i++ {
		a, b := toks[i-1], toks[i]
		switch {
		case (operand(a) || closes(a)) && operand(b) && !(a.kind == tString && b.kind == tString):
			return syntaxErrorf(b.line, "%s cannot follow %s without an operator or a comma", excerpt(b.text), excerpt(a.text))
		case b.kind == tOp && cannotStart[b.text] && wantsOperand(a):
			if closes(b) && (a.text == "(" || a.text == "[" || a.text == "{" || a.text == ",") {
				continue // (), f(x,)
			}
			return syntaxErrorf(b.line, "unexpected %s after %s", b.text, a.text)
		}
	}
	if last := toks[len(toks)-1]; wantsOperand(last) && last.text != "," || last.kind == tOp && last.text == "." {
		return syntaxErrorf(last.line, "the expression ends with %s", last.text)
	}
	return nil
}
