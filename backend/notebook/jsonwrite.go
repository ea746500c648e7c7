package notebook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// layout is the whitespace style of a file, detected on read and reused on
// write so that a save does not reformat the whole document.
// nbformat (and so JupyterLab) writes indent 1, "\n", ": " and ",".
type layout struct {
	multiline bool   // values on their own lines, as json.dumps(indent=N) does
	newline   string // "\n" or "\r\n" (nbformat.write on Windows)
	indent    string // one level; "" is valid (indent=0)
	colon     string // ": " or ":"
	comma     string // between items on one line: "," or ", " (compact files only)
}

var nbformatLayout = layout{multiline: true, newline: "\n", indent: " ", colon: ": ", comma: ","}

// detectLayout reads the style from the bytes around the root object's first
// member. Every notebook has several root members, so this is always there.
func detectLayout(data []byte) layout {
	l := nbformatLayout
	i := bytes.IndexByte(data, '{')
	if i < 0 {
		return l
	}
	j := i + 1
	for j < len(data) && isSpace(data[j]) {
		j++
	}
	ws := data[i+1 : j]
	if nl := bytes.IndexByte(ws, '\n'); nl >= 0 {
		l.multiline = true
		l.newline = "\n"
		if nl > 0 && ws[nl-1] == '\r' {
			l.newline = "\r\n"
		}
		last := bytes.LastIndexByte(ws, '\n')
		k := len(ws)
		for k > last+1 && (ws[k-1] == ' ' || ws[k-1] == '\t') {
			k--
		}
		l.indent = string(ws[k:])
	} else {
		l.multiline = false
	}
	// The first key, then the separator after it.
	if j < len(data) && data[j] == '"' {
		p := &parser{data: data, pos: j}
		if _, err := p.str(); err == nil {
			p.skipSpace()
			if p.pos < len(data) && data[p.pos] == ':' {
				l.colon = ":"
				if p.pos+1 < len(data) && isSpace(data[p.pos+1]) {
					l.colon = ": "
				}
				p.pos++
				p.skipSpace()
				if _, err := p.value(); err == nil {
					p.skipSpace()
					if !l.multiline && p.pos+1 < len(data) && data[p.pos] == ',' {
						l.comma = ","
						if isSpace(data[p.pos+1]) {
							l.comma = ", "
						}
					}
				}
			}
		}
	}
	return l
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// writeNode writes n the way json.dumps does with the given layout: empty
// containers as [] and {}, scalars as their raw tokens.
func writeNode(b *bytes.Buffer, n *node, l *layout, depth int) {
	switch n.kind {
	case kindObject:
		if len(n.members) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteString(l.itemSep())
			}
			l.lineStart(b, depth+1)
			b.WriteString(m.rawKey)
			b.WriteString(l.colon)
			writeNode(b, m.val, l, depth+1)
		}
		l.lineStart(b, depth)
		b.WriteByte('}')
	case kindArray:
		if len(n.items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, v := range n.items {
			if i > 0 {
				b.WriteString(l.itemSep())
			}
			l.lineStart(b, depth+1)
			writeNode(b, v, l, depth+1)
		}
		l.lineStart(b, depth)
		b.WriteByte(']')
	default:
		b.WriteString(n.raw)
	}
}

func (l *layout) itemSep() string {
	if l.multiline {
		return ","
	}
	return l.comma
}

func (l *layout) lineStart(b *bytes.Buffer, depth int) {
	if !l.multiline {
		return
	}
	b.WriteString(l.newline)
	for i := 0; i < depth; i++ {
		b.WriteString(l.indent)
	}
}

// compact renders n as standard JSON on one line, for callers that want
// json.RawMessage. NaN and Infinity, which Python may have written, are not
// JSON, so they become null there.
func compact(n *node) json.RawMessage {
	var b bytes.Buffer
	l := layout{colon: ":", comma: ","}
	var walk func(n *node) *node
	walk = func(n *node) *node {
		switch n.kind {
		case kindNumber:
			if strings.HasSuffix(n.raw, "NaN") || strings.HasSuffix(n.raw, "Infinity") {
				return nullNode()
			}
		case kindObject:
			out := &node{kind: kindObject, members: make([]member, len(n.members))}
			for i, m := range n.members {
				out.members[i] = member{key: m.key, rawKey: m.rawKey, val: walk(m.val)}
			}
			return out
		case kindArray:
			out := &node{kind: kindArray, items: make([]*node, len(n.items))}
			for i, v := range n.items {
				out.items[i] = walk(v)
			}
			return out
		}
		return n
	}
	writeNode(&b, walk(n), &l, 0)
	return b.Bytes()
}

// encodeString quotes s as Python's json.dumps(ensure_ascii=False) does:
// only '"', '\\' and control characters are escaped. Unlike Go's
// encoding/json it leaves <, >, & and U+2028/U+2029 alone. Invalid UTF-8
// (which Python strings cannot hold) becomes U+FFFD.
func encodeString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString("\uFFFD")
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
	return b.String()
}

// pyFloat formats f as Python's repr(float), which json.dumps uses:
// the shortest round-tripping digits, exponent form below 1e-4 and from 1e16
// on (1e-05, 1e+16), and always a ".0" on whole numbers in fixed form.
func pyFloat(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("unsupported number %v (JSON has no NaN or Infinity)", f)
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // e.g. "-1.2345e-05"
	at := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[at+1:])
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		return fmt.Sprintf("%se%s%02d", e[:at], sign, exp), nil
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s, nil
}

// valueNode converts a Go value into a tree in nbformat's canonical form:
// keys sorted, strings escaped as Python does, floats as Python prints them.
// Anything encoding/json can marshal is accepted, including json.RawMessage.
func valueNode(v any) (*node, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	n, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	return canonical(n)
}

// canonical rewrites a tree the way json.loads followed by nbformat's
// json.dumps would: it is how new objects are written.
func canonical(n *node) (*node, error) {
	switch n.kind {
	case kindString:
		return stringNode(decodeString(n.raw)), nil
	case kindNumber:
		if n.raw == "-0" {
			return &node{kind: kindNumber, raw: "0"}, nil
		}
		if !strings.ContainsAny(n.raw, ".eE") {
			return n, nil // Python ints are exact, so keep the digits
		}
		f, err := strconv.ParseFloat(n.raw, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", n.raw)
		}
		s, err := pyFloat(f)
		if err != nil {
			return nil, err
		}
		return &node{kind: kindNumber, raw: s}, nil
	case kindObject:
		out := &node{kind: kindObject, members: make([]member, 0, len(n.members))}
		seen := make(map[string]int, len(n.members))
		for _, m := range n.members {
			v, err := canonical(m.val)
			if err != nil {
				return nil, err
			}
			if i, dup := seen[m.key]; dup { // json.loads keeps the last one
				out.members[i].val = v
				continue
			}
			seen[m.key] = len(out.members)
			out.members = append(out.members, member{key: m.key, rawKey: encodeString(m.key), val: v})
		}
		// Python sorts str keys by code point, which is UTF-8 byte order.
		sort.Slice(out.members, func(i, j int) bool { return out.members[i].key < out.members[j].key })
		return out, nil
	case kindArray:
		out := &node{kind: kindArray, items: make([]*node, len(n.items))}
		for i, v := range n.items {
			c, err := canonical(v)
			if err != nil {
				return nil, err
			}
			out.items[i] = c
		}
		return out, nil
	}
	return n, nil
}
