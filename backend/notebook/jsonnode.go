package notebook

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A node is one JSON value kept the way the file spelled it: objects keep
// their key order and scalars keep their exact token text. That is what makes
// an unedited notebook come back byte for byte, whatever escapes or number
// spellings the tool that wrote it chose.
type node struct {
	kind    nodeKind
	raw     string   // scalars: the token exactly as in the file
	members []member // objects, in file order
	items   []*node  // arrays
}

type nodeKind uint8

const (
	kindObject nodeKind = iota + 1
	kindArray
	kindString
	kindNumber
	kindLiteral // true, false, null
)

type member struct {
	key    string // decoded, for lookups
	rawKey string // as in the file, quotes included
	val    *node
}

// decodeString turns a raw, already validated string token into its value.
// A lone surrogate escape (which Python accepts) becomes U+FFFD, as in Go's
// encoding/json; the raw token still keeps it for an unedited save.
func decodeString(raw string) string {
	s := raw[1 : len(raw)-1]
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(s[i+2:i+6])); pair != utf8.RuneError {
						b.WriteRune(pair)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default: // '"', '\\', '/'
			b.WriteByte(s[i+1])
		}
		i += 2
	}
	return b.String()
}

func hex4(s string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Helpers for reading and editing trees.

func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	// Python's json.loads keeps the last of duplicate keys, so nbformat does.
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return n.members[i].val
		}
	}
	return nil
}

// str returns the value of a string node, and false for anything else.
func (n *node) str() (string, bool) {
	if n == nil || n.kind != kindString {
		return "", false
	}
	return decodeString(n.raw), true
}

// with returns a copy of object n with key set to v. An existing key keeps
// its place (duplicates collapse into the last one, the one Python reads); a
// new key goes before the first key that sorts after it, so sorted objects
// (nbformat's) stay sorted.
func (n *node) with(key string, v *node) *node {
	last := -1
	for i := range n.members {
		if n.members[i].key == key {
			last = i
		}
	}
	out := &node{kind: kindObject, members: make([]member, 0, len(n.members)+1)}
	if last >= 0 {
		for i, m := range n.members {
			switch {
			case i == last:
				m.val = v
			case m.key == key:
				continue
			}
			out.members = append(out.members, m)
		}
		return out
	}
	at := len(n.members)
	for i := range n.members {
		if n.members[i].key > key {
			at = i
			break
		}
	}
	out.members = append(out.members, n.members[:at]...)
	out.members = append(out.members, member{key: key, rawKey: encodeString(key), val: v})
	out.members = append(out.members, n.members[at:]...)
	return out
}

// without returns a copy of object n without key.
func (n *node) without(key string) *node {
	out := &node{kind: kindObject, members: make([]member, 0, len(n.members))}
	for _, m := range n.members {
		if m.key != key {
			out.members = append(out.members, m)
		}
	}
	return out
}

// set changes key in place; used on trees the notebook owns outright.
func (n *node) set(key string, v *node) {
	*n = *n.with(key, v)
}

func stringNode(s string) *node { return &node{kind: kindString, raw: encodeString(s)} }

func nullNode() *node { return &node{kind: kindLiteral, raw: "null"} }

func emptyObject() *node { return &node{kind: kindObject, members: []member{}} }

func emptyArray() *node { return &node{kind: kindArray, items: []*node{}} }

func stringList(items []string) *node {
	n := emptyArray()
	for _, s := range items {
		n.items = append(n.items, stringNode(s))
	}
	return n
}
