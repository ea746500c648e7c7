package params

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is a mistake in a parameters cell's Python, placed on the
// cell's line (1-based) as Python would place it.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

func syntaxErrorf(line int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// maxNesting is how deep brackets may nest: Python's own parser stops at 200.
const maxNesting = 200

type tokKind byte

const (
	tName   tokKind = 'n'
	tNumber tokKind = '0'
	tString tokKind = 's' // with its prefix and quotes, as written
	tOp     tokKind = 'p'
)

type tok struct {
	kind       tokKind
	text       string
	line       int // where the token starts
	start, end int // byte offsets in the cell's source
}

// logical is one logical line of Python: a statement, or several separated
// by semicolons, possibly spanning lines inside brackets, strings or after
// a backslash.
type logical struct {
	toks   []tok
	indent bool // its first line is indented
}

// lex cuts a cell's source into logical lines of tokens, as Python's
// tokenizer does. Comments and blank lines are dropped. Errors are the
// tokenizer's: unterminated strings, unclosed or mismatched brackets,
// malformed numbers, characters Python does not use.
func lex(src string) ([]logical, error) {
	var (
		out      []logical
		cur      logical
		open     []tok // brackets not closed yet
		line     = 1
		bol      = true // at the beginning of a physical line outside brackets
		indented bool   // the current physical line began with white space
	)
	flush := func() {
		if len(cur.toks) > 0 {
			out = append(out, cur)
		}
		cur = logical{}
	}
	emit := func(t tok) {
		if len(cur.toks) == 0 {
			cur.indent = indented
		}
		cur.toks = append(cur.toks, t)
	}
	for i := 0; i < len(src); {
		c := src[i]
		if bol {
			indented = c == ' ' || c == '\t' || c == '\f'
			bol = false
		}
		switch {
		case c == '\n':
			line++
			i++
			if len(open) == 0 {
				flush()
				bol = true
			}
		case c == ' ' || c == '\t' || c == '\f' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\\':
			switch {
			case strings.HasPrefix(src[i:], "\\\n"):
				i += 2
				line++
			case strings.HasPrefix(src[i:], "\\\r\n"):
				i += 3
				line++
			case i+1 == len(src):
				return nil, syntaxErrorf(line, "the cell ends right after a line-continuation backslash")
			default:
				return nil, syntaxErrorf(line, "unexpected character after a line-continuation backslash")
			}
		case c == '"' || c == '\'' || isPrefixed(src, i):
			j, lines, err := scanString(src, i, line)
			if err != nil {
				return nil, err
			}
			emit(tok{kind: tString, text: src[i:j], line: line, start: i, end: j})
			line += lines
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j, err := scanNumber(src, i, line)
			if err != nil {
				return nil, err
			}
			emit(tok{kind: tNumber, text: src[i:j], line: line, start: i, end: j})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r != '_' && !unicode.IsLetter(r) {
				return nil, syntaxErrorf(line, "invalid character %q in the code", r)
			}
			j := i + size
			for j < len(src) {
				r, size := utf8.DecodeRuneInString(src[j:])
				if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) {
					break
				}
				j += size
			}
			emit(tok{kind: tName, text: src[i:j], line: line, start: i, end: j})
			i = j
		default:
			op := operator(src[i:])
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, syntaxErrorf(line, "invalid character %q in the code", r)
			}
			t := tok{kind: tOp, text: op, line: line, start: i, end: i + len(op)}
			switch op {
			case "(", "[", "{":
				if len(open) == maxNesting {
					return nil, syntaxErrorf(line, "brackets nest more than %d deep, which Python refuses", maxNesting)
				}
				open = append(open, t)
			case ")", "]", "}":
				if len(open) == 0 {
					return nil, syntaxErrorf(line, "unmatched %s", op)
				}
				o := open[len(open)-1]
				if closing[o.text] != op {
					where := ""
					if o.line != line {
						where = fmt.Sprintf(" on line %d", o.line)
					}
					return nil, syntaxErrorf(line, "closing %s does not match the opening %s%s", op, o.text, where)
				}
				open = open[:len(open)-1]
			}
			emit(t)
			i += len(op)
		}
	}
	if len(open) > 0 {
		o := open[len(open)-1]
		return nil, syntaxErrorf(o.line, "the %s opened here is never closed", o.text)
	}
	flush()
	return out, nil
}

var closing = map[string]string{"(": ")", "[": "]", "{": "}"}

// operators, longest first within each starting character.
var operators = []string{
	"**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=",
	":=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=",
	"!", "%", "&", "(", ")", "*", "+", ",", "-", ".", "/", ":", ";", "<", "=", ">", "@", "[", "]", "^", "{", "|", "}", "~",
}

func operator(s string) string {
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			if op == "!" {
				return "" // only != (and f-string conversions, inside strings)
			}
			return op
		}
	}
	return ""
}

// stringPrefixes are the letters that may open a string literal (any case).
var stringPrefixes = map[string]bool{"r": true, "u": true, "b": true, "br": true, "rb": true, "f": true, "fr": true, "rf": true, "t": true, "tr": true, "rt": true}

// isPrefixed tells a string literal with a prefix (r"…", b'…', f"…") at i.
func isPrefixed(src string, i int) bool {
	if i > 0 && (isNameByte(src[i-1])) {
		return false
	}
	j := i
	for j < len(src) && j-i < 2 && (src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z') {
		j++
	}
	return j > i && j < len(src) && (src[j] == '"' || src[j] == '\'') && stringPrefixes[strings.ToLower(src[i:j])]
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf
}

// scanString finds the end of the string literal at i (prefix included) and
// how many newlines it spans.
func scanString(src string, i, line int) (end, lines int, err error) {
	j := i
	for src[j] != '"' && src[j] != '\'' {
		j++
	}
	q := src[j : j+1]
	triple := strings.HasPrefix(src[j:], q+q+q)
	if triple {
		q += q + q
	}
	for k := j + len(q); k < len(src); k++ {
		switch c := src[k]; {
		case c == '\\':
			// Even in a raw string a backslash keeps the next quote in it.
			if k+1 < len(src) {
				if src[k+1] == '\n' {
					lines++
				}
				k++
			}
		case c == '\n':
			if !triple {
				return 0, 0, syntaxErrorf(line, "unterminated string: %s needs a closing %s on the same line", excerpt(src[i:k]), q)
			}
			lines++
		case strings.HasPrefix(src[k:], q):
			return k + len(q), lines, nil
		}
	}
	if triple {
		return 0, 0, syntaxErrorf(line, "the %s string that starts here is never closed", q)
	}
	return 0, 0, syntaxErrorf(line, "unterminated string: %s needs a closing %s", excerpt(src[i:]), q)
}

// scanNumber finds the end of the number at i, refusing what Python refuses.
func scanNumber(src string, i, line int) (int, error) {
	j := i
	digits := func(ok func(byte) bool) bool {
		start := j
		for j < len(src) && (ok(src[j]) || src[j] == '_' && j > start && j+1 < len(src) && ok(src[j+1])) {
			j++
		}
		return j > start
	}
	dec := func(c byte) bool { return c >= '0' && c <= '9' }
	bad := func() error { return syntaxErrorf(line, "%s is not a valid number", excerpt(wordAt(src, i))) }
	if src[i] == '0' && i+1 < len(src) && strings.ContainsRune("xXoObB", rune(src[i+1])) {
		j += 2
		if j < len(src) && src[j] == '_' {
			j++ // 0x_ff is allowed
		}
		var ok func(byte) bool
		switch src[i+1] | 0x20 {
		case 'x':
			ok = func(c byte) bool { return dec(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
		case 'o':
			ok = func(c byte) bool { return c >= '0' && c <= '7' }
		default:
			ok = func(c byte) bool { return c == '0' || c == '1' }
		}
		if !digits(ok) {
			return 0, bad()
		}
	} else {
		intPart := digits(dec)
		isFloat := false
		if j < len(src) && src[j] == '.' {
			isFloat = true
			j++
			if j < len(src) && src[j] == '_' {
				return 0, bad()
			}
			digits(dec)
		}
		if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
			isFloat = true
			j++
			if j < len(src) && (src[j] == '+' || src[j] == '-') {
				j++
			}
			if !digits(dec) {
				return 0, bad()
			}
		}
		if j < len(src) && (src[j] == 'j' || src[j] == 'J') {
			isFloat = true
			j++
		}
		text := strings.ReplaceAll(src[i:j], "_", "")
		if !isFloat && intPart && len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
			return 0, syntaxErrorf(line, "%s: leading zeros in decimal integers are not permitted in Python (write %s, or 0o%s for octal)",
				src[i:j], strings.TrimLeft(text, "0"), strings.TrimLeft(text, "0"))
		}
	}
	if j < len(src) && (isNameByte(src[j]) || src[j] == '_') {
		return 0, bad()
	}
	return j, nil
}

// wordAt is the run of name characters and dots at i, for messages.
func wordAt(src string, i int) string {
	j := i
	for j < len(src) && (isNameByte(src[j]) || src[j] == '.') {
		j++
	}
	return src[i:j]
}

// excerpt shortens source text for a message.
func excerpt(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 60 {
		cut := 57
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
