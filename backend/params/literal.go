package params

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Python values, as Go values:
//
//	None → nil          int → int64, or *big.Int past 64 bits
//	float → float64     bool → bool       str → string     bytes → []byte
//	list → List         tuple → Tuple     set → Set        dict → Dict
//	datetime.date → Date                  datetime.datetime (naive) → Datetime
//	anything else (a call, arithmetic, a name) → Expr: only Python knows it
type (
	List  []any
	Tuple []any
	Set   []any // in the order written, without duplicates
	Dict  []Item
	// Item is one key and value of a Dict, in the order written.
	Item struct{ Key, Value any }
	// Date is a datetime.date, at midnight UTC.
	Date struct{ time.Time }
	// Datetime is a naive datetime.datetime, its clock time held as UTC.
	Datetime struct{ time.Time }
	// Expr is a default that is not a literal: Python computes it when the
	// parameters cell runs, and SQL cannot know it.
	Expr struct {
		Source string // as written
		Why    string // what makes it more than a literal
		Line   int    // where in the cell it is written
	}
)

// notLiteral says an expression is valid Python (as far as can be told)
// but not a literal this package evaluates.
type notLiteral struct{ why string }

func (e *notLiteral) Error() string { return e.why }

func notLit(format string, args ...any) error { return &notLiteral{fmt.Sprintf(format, args...)} }

// ParseLiteral reads text as a Python literal (a -p value for a list or
// dict parameter, say). Anything that is not a literal is an error.
func ParseLiteral(text string) (any, error) {
	lines, err := lex(text)
	if err != nil {
		return nil, err
	}
	if len(lines) != 1 || lines[0].indent {
		return nil, errors.New("not a single Python literal")
	}
	v, err := evalTokens(text, lines[0].toks)
	var nl *notLiteral
	if errors.As(err, &nl) {
		return nil, fmt.Errorf("not a Python literal (%s)", nl.why)
	}
	return v, err
}

// evalTokens evaluates an expression's tokens as a literal: the errors are
// *notLiteral or *SyntaxError.
func evalTokens(src string, toks []tok) (any, error) {
	p := &litParser{src: src, toks: toks}
	list, comma, err := p.items("")
	switch {
	case err != nil:
		return nil, err
	case p.i < len(p.toks):
		return nil, notLit("%s follows the literal", p.toks[p.i].text)
	case len(list) == 0:
		return nil, syntaxErrorf(p.lineAt(), "nothing after =")
	case len(list) == 1 && !comma:
		return list[0], nil
	}
	return Tuple(list), nil
}

type litParser struct {
	src  string
	toks []tok
	i    int
}

func (p *litParser) peek() *tok {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return nil
}

func (p *litParser) isOp(text string) bool {
	t := p.peek()
	return t != nil && t.kind == tOp && t.text == text
}

// cannotStart are tokens no expression starts with: seeing one where an
// item is due is a syntax error whatever the rest says.
var cannotStart = map[string]bool{
	",": true, ")": true, "]": true, "}": true, "=": true, ";": true, "/": true, "//": true, "%": true,
	"@": true, "&": true, "|": true, "^": true, "<": true, ">": true, "<=": true, ">=": true, "==": true,
	"!=": true, "<<": true, ">>": true, "->": true, ":=": true, "+=": true, "-=": true, "*=": true, "/=": true,
	"//=": true, "%=": true, "@=": true, "&=": true, "|=": true, "^=": true, ">>=": true, "<<=": true, "**=": true,
}

// items reads comma-separated items up to close ("" for the end of the
// tokens), and tells whether a comma came after the last (or only) one.
func (p *litParser) items(close string) (list []any, comma bool, err error) {
	for {
		t := p.peek()
		if t == nil || close != "" && t.kind == tOp && t.text == close {
			return list, comma, nil
		}
		v, err := p.item()
		if err != nil {
			return nil, false, err
		}
		list, comma = append(list, v), false
		if !p.isOp(",") {
			return list, false, nil
		}
		p.i++
		comma = true
	}
}

func (p *litParser) lineAt() int {
	if t := p.peek(); t != nil {
		return t.line
	}
	if len(p.toks) > 0 {
		return p.toks[len(p.toks)-1].line
	}
	return 1
}

// item reads one literal: a constant, a container, a signed number or one
// of the calls literals are written with (datetime.date(…), float('inf')).
func (p *litParser) item() (any, error) {
	t := p.peek()
	if t == nil {
		return nil, syntaxErrorf(p.lineAt(), "the expression is incomplete")
	}
	if t.kind == tOp && cannotStart[t.text] {
		return nil, syntaxErrorf(t.line, "unexpected %s", t.text)
	}
	if t.kind == tOp && (t.text == "-" || t.text == "+") {
		p.i++
		v, err := p.item()
		if err != nil {
			return nil, err
		}
		if t.text == "+" {
			if !isNumber(v) {
				return nil, notLit("+ applied to a %s", typeName(v))
			}
			return v, nil
		}
		return negate(v)
	}
	p.i++
	switch t.kind {
	case tNumber:
		return number(t)
	case tString:
		return p.strings(t)
	case tName:
		switch t.text {
		case "None":
			return nil, nil
		case "True":
			return true, nil
		case "False":
			return false, nil
		}
		if keywords[t.text] {
			return nil, notLit("a %s expression", t.text)
		}
		return p.call(t)
	}
	switch t.text {
	case "[":
		list, _, err := p.items("]")
		if err != nil {
			return nil, err
		}
		if !p.isOp("]") {
			return nil, notLit("a list with more than literals")
		}
		p.i++
		if list == nil {
			list = []any{}
		}
		return List(list), nil
	case "(":
		list, comma, err := p.items(")")
		if err != nil {
			return nil, err
		}
		if !p.isOp(")") {
			return nil, notLit("an expression in parentheses")
		}
		p.i++
		if len(list) == 1 && !comma {
			return list[0], nil
		}
		if list == nil {
			list = []any{}
		}
		return Tuple(list), nil
	case "{":
		return p.braces()
	}
	return nil, notLit("%s is an expression", t.text)
}

// braces reads a dict or a set, after its {.
func (p *litParser) braces() (any, error) {
	if p.isOp("}") {
		p.i++
		return Dict{}, nil
	}
	var (
		dict  Dict
		set   Set
		isSet bool
		seen  = map[string]int{}
	)
	for n := 0; ; n++ {
		if p.isOp("}") {
			break
		}
		if p.isOp("**") || p.isOp("*") {
			return nil, notLit("unpacking in a display")
		}
		k, err := p.item()
		if err != nil {
			return nil, err
		}
		key, err := hashKey(k)
		if err != nil {
			return nil, syntaxErrorf(p.lineAt(), "%v", err)
		}
		if n == 0 {
			isSet = !p.isOp(":")
		}
		if isSet {
			if _, dup := seen[key]; !dup {
				seen[key] = len(set)
				set = append(set, k)
			}
		} else {
			if !p.isOp(":") {
				return nil, notLit("a dict with more than literals")
			}
			p.i++
			v, err := p.item()
			if err != nil {
				return nil, err
			}
			if at, dup := seen[key]; dup {
				dict[at].Value = v // Python keeps the first key and the last value
			} else {
				seen[key] = len(dict)
				dict = append(dict, Item{k, v})
			}
		}
		if !p.isOp(",") {
			break
		}
		p.i++
	}
	if !p.isOp("}") {
		return nil, notLit("a display with more than literals")
	}
	p.i++
	if isSet {
		return set, nil
	}
	return dict, nil
}

// hashKey is a value's identity as a dict key or set member, equal where
// Python's hash and == are (1, 1.0 and True are one key); unhashable
// values are an error.
func hashKey(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "None", nil
	case bool:
		if x {
			return "n1", nil
		}
		return "n0", nil
	case int64:
		return "n" + strconv.FormatInt(x, 10), nil
	case *big.Int:
		return "n" + x.String(), nil
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) && math.Abs(x) < 1e18 {
			return "n" + strconv.FormatInt(int64(x), 10), nil
		}
		return "f" + strconv.FormatFloat(x, 'g', -1, 64), nil
	case string:
		return "s" + x, nil
	case []byte:
		return "b" + string(x), nil
	case Date:
		return "d" + x.Format(time.DateOnly), nil
	case Datetime:
		return "t" + x.Format(time.RFC3339Nano), nil
	case Tuple:
		parts := make([]string, len(x))
		for i, e := range x {
			k, err := hashKey(e)
			if err != nil {
				return "", err
			}
			parts[i] = strconv.Quote(k)
		}
		return "(" + strings.Join(parts, ",") + ")", nil
	}
	return "", fmt.Errorf("a %s cannot be a dict key or set member (it is unhashable)", typeName(v))
}

// number evaluates a number token the lexer accepted.
func number(t *tok) (any, error) {
	text := strings.ReplaceAll(t.text, "_", "")
	last := text[len(text)-1]
	if last == 'j' || last == 'J' {
		return nil, notLit("%s is a complex number", t.text)
	}
	if len(text) > 1 && text[0] == '0' && strings.ContainsRune("xXoObB", rune(text[1])) {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[text[1]|0x20]
		n, ok := new(big.Int).SetString(text[2:], base)
		if !ok {
			return nil, syntaxErrorf(t.line, "%s is not a valid number", t.text)
		}
		return normalInt(n), nil
	}
	if !strings.ContainsAny(text, ".eE") {
		n, ok := new(big.Int).SetString(text, 10)
		if !ok {
			return nil, syntaxErrorf(t.line, "%s is not a valid number", t.text)
		}
		return normalInt(n), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) { // 1e400 is inf in Python too
		return nil, syntaxErrorf(t.line, "%s is not a valid number", t.text)
	}
	return f, nil
}

// normalInt is n as an int64 when it fits.
func normalInt(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, *big.Int, float64, bool:
		return true
	}
	return false
}

func negate(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		if x == math.MinInt64 {
			return new(big.Int).Neg(big.NewInt(x)), nil
		}
		return -x, nil
	case *big.Int:
		return normalInt(new(big.Int).Neg(x)), nil
	case float64:
		return -x, nil
	case bool:
		if x {
			return int64(-1), nil
		}
		return int64(0), nil
	}
	return nil, notLit("- applied to a %s", typeName(v))
}

// typeName is a value's Python type name, for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case List:
		return "list"
	case Tuple:
		return "tuple"
	case Set:
		return "set"
	case Dict:
		return "dict"
	case Date:
		return "datetime.date"
	case Datetime:
		return "datetime.datetime"
	case Expr:
		return "expression"
	}
	return fmt.Sprintf("%T", v)
}
