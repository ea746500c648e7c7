package notebook

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds nesting so that a hostile file cannot exhaust the stack.
// Real notebooks nest a dozen levels at most.
const maxDepth = 1000

// syntaxError is a JSON error at a byte offset; Parse turns the offset into
// a line and column so the user can open the file at the right place.
type syntaxError struct {
	off       int
	msg       string
	truncated bool
}

func (e *syntaxError) Error() string { return e.msg }

type parser struct {
	data  []byte
	pos   int
	depth int
}

// parseJSON parses one JSON document. It accepts exactly what Python's
// json.loads accepts from a UTF-8 file (so NaN and Infinity too, which
// json.dumps writes for float("nan")), since that is what nbformat reads.
func parseJSON(data []byte) (*node, error) {
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, &syntaxError{off: off, msg: "the file is not valid UTF-8"}
	}
	p := &parser{data: data}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the end of the JSON document", p.describe())
	}
	return v, nil
}

func (p *parser) errorf(format string, args ...any) *syntaxError {
	return &syntaxError{off: p.pos, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) eof() *syntaxError {
	return &syntaxError{off: p.pos, msg: "unexpected end of file (the file looks truncated)", truncated: true}
}

// describe names the character at the current position for error messages.
func (p *parser) describe() string {
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	if r < 0x20 {
		return fmt.Sprintf("character %U", r)
	}
	return fmt.Sprintf("character %q", r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (*node, error) {
	if p.pos >= len(p.data) {
		return nil, p.eof()
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		raw, err := p.str()
		if err != nil {
			return nil, err
		}
		return &node{kind: kindString, raw: raw}, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	default:
		for _, lit := range []string{"true", "false", "null", "NaN", "Infinity"} {
			if p.hasPrefix(lit) {
				p.pos += len(lit)
				k := kindLiteral
				if lit == "NaN" || lit == "Infinity" {
					k = kindNumber
				}
				return &node{kind: k, raw: lit}, nil
			}
			if len(p.data)-p.pos < len(lit) && strings.HasPrefix(lit, string(p.data[p.pos:])) {
				p.pos = len(p.data)
				return nil, p.eof()
			}
		}
		return nil, p.errorf("unexpected %s, expected a JSON value", p.describe())
	}
}

func (p *parser) hasPrefix(s string) bool {
	return len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("values nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) object() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++ // '{'
	n := &node{kind: kindObject, members: []member{}}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		if p.data[p.pos] != '"' {
			return nil, p.errorf("unexpected %s, expected a quoted object key", p.describe())
		}
		rawKey, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		if p.data[p.pos] != ':' {
			return nil, p.errorf("unexpected %s, expected ':' after an object key", p.describe())
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: decodeString(rawKey), rawKey: rawKey, val: v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return n, nil
		default:
			return nil, p.errorf("unexpected %s, expected ',' or '}' in an object", p.describe())
		}
	}
}

func (p *parser) array() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++ // '['
	n := &node{kind: kindArray, items: []*node{}}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.eof()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return n, nil
		default:
			return nil, p.errorf("unexpected %s, expected ',' or ']' in a list", p.describe())
		}
	}
}

// str scans a string token and returns it raw, quotes included.
func (p *parser) str() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(p.data[start:p.pos]), nil
		case c == '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return "", p.eof()
			}
			switch p.data[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				p.pos++
				for i := 0; i < 4; i++ {
					if p.pos >= len(p.data) {
						return "", p.eof()
					}
					if !isHex(p.data[p.pos]) {
						return "", p.errorf("invalid \\u escape in a string")
					}
					p.pos++
				}
			default:
				return "", p.errorf("invalid escape \\%c in a string", p.data[p.pos])
			}
		case c < 0x20:
			return "", p.errorf("unescaped control %s in a string", p.describe())
		default:
			p.pos++
		}
	}
	return "", p.eof()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number scans a JSON number (or Python's -Infinity) and keeps its spelling.
func (p *parser) number() (*node, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
		if p.hasPrefix("Infinity") {
			p.pos += len("Infinity")
			return &node{kind: kindNumber, raw: "-Infinity"}, nil
		}
	}
	digits := func() (int, error) {
		n := 0
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
			n++
		}
		if n == 0 {
			if p.pos >= len(p.data) {
				return 0, p.eof()
			}
			return 0, p.errorf("unexpected %s in a number", p.describe())
		}
		return n, nil
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++ // a leading zero stands alone
	} else if _, err := digits(); err != nil {
		return nil, err
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if _, err := digits(); err != nil {
			return nil, err
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if _, err := digits(); err != nil {
			return nil, err
		}
	}
	return &node{kind: kindNumber, raw: string(p.data[start:p.pos])}, nil
}

// lineCol converts a byte offset into a 1-based line and column (in
// characters), the way editors count.
func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1
	start := 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}
