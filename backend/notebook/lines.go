package notebook

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// splitLines is Python's str.splitlines(keepends=True), which nbformat uses
// to store multi-line text as a list. It breaks at more than "\n" (also "\r",
// "\r\n", \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029); matching it exactly
// is what lets a file we write come back unchanged through nbformat.
func splitLines(s string) []string {
	lines := []string{}
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := i + size
		switch r {
		case '\r':
			if end < len(s) && s[end] == '\n' {
				end++
			}
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		default:
			i = end
			continue
		}
		lines = append(lines, s[start:end])
		start, i = end, end
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

var errMultiline = errors.New("is neither a string nor a list of strings")

// multiline reads nbformat's multiline_string: a string or a list of strings
// that are joined. ok is false when the key is absent.
func multiline(n *node) (s string, ok bool, err error) {
	if n == nil {
		return "", false, nil
	}
	switch n.kind {
	case kindString:
		return decodeString(n.raw), true, nil
	case kindArray:
		var b strings.Builder
		for _, item := range n.items {
			if item.kind != kindString {
				return "", true, errMultiline
			}
			b.WriteString(decodeString(item.raw))
		}
		return b.String(), true, nil
	}
	return "", true, errMultiline
}

// sqlMagic is the first line of a jupysql cell. Only the bare magic is
// recognised: options such as a connection string or "<<" assignments are
// jupysql's business, and such a cell stays an ordinary code cell.
const sqlMagic = "%%sql"

// cutMagic splits a "%%sql" first line (with its line break) off src.
func cutMagic(src string) (magic, rest string) {
	line := src
	if i := strings.IndexByte(src, '\n'); i >= 0 {
		line = src[:i+1]
	}
	if strings.TrimRight(line, " \t\r\n") != sqlMagic {
		return "", src
	}
	return line, src[len(line):]
}

// joinMagic puts a kept magic line back in front of the SQL.
func joinMagic(magic, rest string) string {
	if magic != "" && rest != "" && !strings.HasSuffix(magic, "\n") {
		magic += "\n"
	}
	return magic + rest
}

// splitOutput applies nbformat's split_lines to one new output: text in
// mime bundles and stream text are stored as lists of lines.
func splitOutput(out *node) *node {
	if out.kind != kindObject {
		return out
	}
	typ, _ := out.get("output_type").str()
	switch typ {
	case "execute_result", "display_data":
		data := out.get("data")
		if data == nil || data.kind != kindObject {
			return out
		}
		split := &node{kind: kindObject, members: make([]member, len(data.members))}
		for i, m := range data.members {
			split.members[i] = m
			if s, ok := m.val.str(); ok && (strings.HasPrefix(m.key, "text/") ||
				m.key == "application/javascript" || m.key == "image/svg+xml") {
				split.members[i].val = stringList(splitLines(s))
			}
		}
		return out.with("data", split)
	case "stream":
		if s, ok := out.get("text").str(); ok {
			return out.with("text", stringList(splitLines(s)))
		}
	}
	return out
}

// joinOutput is nbformat's rejoin_lines for one output: what a reader of the
// output (the UI, the engine) wants, and what splitOutput turns back.
func joinOutput(out *node) *node {
	if out.kind != kindObject {
		return out
	}
	typ, _ := out.get("output_type").str()
	switch typ {
	case "execute_result", "display_data":
		data := out.get("data")
		if data == nil || data.kind != kindObject {
			return out
		}
		joined := &node{kind: kindObject, members: make([]member, len(data.members))}
		for i, m := range data.members {
			joined.members[i] = m
			if isJSONMime(m.key) || m.val.kind != kindArray {
				continue
			}
			if s, _, err := multiline(m.val); err == nil {
				joined.members[i].val = stringNode(s)
			}
		}
		return out.with("data", joined)
	case "":
		return out
	}
	if text := out.get("text"); text != nil && text.kind == kindArray {
		if s, _, err := multiline(text); err == nil {
			return out.with("text", stringNode(s))
		}
	}
	return out
}

func isJSONMime(mime string) bool {
	return mime == "application/json" ||
		strings.HasPrefix(mime, "application/") && strings.HasSuffix(mime, "+json")
}
