package params

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// strings reads one string literal and the ones written right after it,
// which Python joins.
func (p *litParser) strings(first *tok) (any, error) {
	v, err := stringValue(first)
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t != nil && t.kind == tString; t = p.peek() {
		p.i++
		w, err := stringValue(t)
		if err != nil {
			return nil, err
		}
		switch a := v.(type) {
		case string:
			b, ok := w.(string)
			if !ok {
				return nil, syntaxErrorf(t.line, "cannot mix bytes and str literals")
			}
			v = a + b
		case []byte:
			b, ok := w.([]byte)
			if !ok {
				return nil, syntaxErrorf(t.line, "cannot mix bytes and str literals")
			}
			v = append(a, b...)
		}
	}
	return v, nil
}

// stringValue evaluates one string literal token: a string, or []byte for
// a bytes literal.
func stringValue(t *tok) (any, error) {
	text := t.text
	q := strings.IndexAny(text, `"'`)
	prefix := strings.ToLower(text[:q])
	quote := text[q : q+1]
	if strings.HasPrefix(text[q:], quote+quote+quote) && len(text)-q >= 6 {
		quote += quote + quote
	}
	body := text[q+len(quote) : len(text)-len(quote)]
	raw := strings.Contains(prefix, "r")
	bytes := strings.Contains(prefix, "b")
	if strings.Contains(prefix, "t") {
		return nil, notLit("a template string")
	}
	if strings.Contains(prefix, "f") {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(body, "{{", ""), "}}", ""), "{") ||
			strings.Contains(strings.ReplaceAll(strings.ReplaceAll(body, "{{", ""), "}}", ""), "}") {
			return nil, notLit("an f-string with replacement fields")
		}
		body = strings.ReplaceAll(strings.ReplaceAll(body, "{{", "{"), "}}", "}")
	}
	if bytes {
		for i := 0; i < len(body); i++ {
			if body[i] >= utf8.RuneSelf {
				return nil, syntaxErrorf(t.line, "bytes can only contain ASCII literal characters")
			}
		}
	}
	if raw {
		if bytes {
			return []byte(body), nil
		}
		return body, nil
	}
	return unescape(body, bytes, t.line)
}

// unescape applies Python's backslash escapes to a string literal's body.
func unescape(body string, bytes bool, line int) (any, error) {
	var b []byte
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b = append(b, c)
			continue
		}
		i++
		e := body[i]
		switch e {
		case '\n':
		case '\\', '\'', '"':
			b = append(b, e)
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'v':
			b = append(b, '\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(body) && j < i+3 && body[j] >= '0' && body[j] <= '7' {
				j++
			}
			digits := body[i:j]
			n, _ := strconv.ParseUint(digits, 8, 32)
			i = j - 1
			switch {
			case !bytes:
				b = utf8.AppendRune(b, rune(n))
			case n > 0xff:
				return nil, syntaxErrorf(line, `the octal escape \%s is out of range for bytes`, digits)
			default:
				b = append(b, byte(n))
			}
		case 'x', 'u', 'U':
			size := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if e != 'x' && bytes {
				b = append(b, '\\', e) // not an escape in bytes
				continue
			}
			if i+1+size > len(body) || !isHex(body[i+1:i+1+size]) {
				return nil, syntaxErrorf(line, `truncated \%c escape: it takes %d hex digits`, e, size)
			}
			n, _ := strconv.ParseUint(body[i+1:i+1+size], 16, 32)
			i += size
			switch {
			case e == 'x' && bytes:
				b = append(b, byte(n))
			case n > utf8.MaxRune:
				return nil, syntaxErrorf(line, `\U%08x is not a Unicode character`, n)
			case n >= 0xd800 && n <= 0xdfff:
				return nil, notLit("a lone surrogate escape")
			default:
				b = utf8.AppendRune(b, rune(n))
			}
		case 'N':
			if bytes {
				b = append(b, '\\', e)
				continue
			}
			return nil, notLit(`a \N{…} escape (write the character itself)`)
		default:
			b = append(b, '\\', e) // Python keeps unknown escapes as written
		}
	}
	if bytes {
		if b == nil {
			b = []byte{}
		}
		return b, nil
	}
	return string(b), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
