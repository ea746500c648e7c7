package cluster

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind is what a token of Spark SQL is.
type tokenKind int

const (
	tokWord     tokenKind = iota // a keyword or plain identifier
	tokQuoted                    // a `backtick` identifier
	tokString                    // a 'single-quoted' string
	tokDQString                  // a "double-quoted" string: an identifier in DuckDB
	tokNumber
	tokParam // $name or :name
	tokPunct
)

// token is one token of a statement, with where it is in the cell.
type token struct {
	kind       tokenKind
	text       string // as written
	start, end int    // byte offsets in the cell
	line       int    // 1-based line of the cell
}

// ident is the token's identifier (unquoted), for words and quoted ones.
func (t token) ident() string {
	if t.kind == tokQuoted {
		return strings.ReplaceAll(t.text[1:len(t.text)-1], "``", "`")
	}
	return t.text
}

func (t token) is(word string) bool { return t.kind == tokWord && strings.EqualFold(t.text, word) }

// statement is one statement of a cell: its tokens (comments dropped) and
// where it starts.
type statement struct {
	tokens     []token
	start, end int
	line       int
}

// lex splits a cell of Spark SQL into statements at top-level semicolons.
// Spark's lexical rules: strings in single or double quotes with backslash
// escapes, identifiers in backticks (“ doubles one), -- line comments
// and nested /* */ comments.
func lex(src string) ([]statement, *SyntaxError) {
	var out []statement
	cur := statement{start: 0, line: 1}
	line := 1
	i := 0
	flush := func(end int) {
		cur.end = end
		if len(cur.tokens) > 0 {
			out = append(out, cur)
		}
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			depth, startLine := 0, line
			for i < len(src) {
				switch {
				case strings.HasPrefix(src[i:], "/*"):
					depth++
					i += 2
				case strings.HasPrefix(src[i:], "*/"):
					depth--
					i += 2
				default:
					if src[i] == '\n' {
						line++
					}
					i++
				}
				if depth == 0 {
					break
				}
			}
			if depth > 0 {
				return nil, &SyntaxError{Line: startLine, Message: "a /* comment is not closed"}
			}
		case c == ';':
			flush(i)
			i++
			cur = statement{start: i, line: line}
		case c == '\'' || c == '"' || c == '`':
			start, startLine := i, line
			i++
			closed := false
			for i < len(src) {
				ch := src[i]
				if ch == '\n' {
					line++
				}
				if ch == '\\' && c != '`' && i+1 < len(src) {
					if src[i+1] == '\n' {
						line++
					}
					i += 2
					continue
				}
				if ch == c {
					if c == '`' && i+1 < len(src) && src[i+1] == '`' {
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				i++
			}
			if !closed {
				what := map[byte]string{'\'': "a 'string", '"': "a \"string", '`': "a `name"}[c]
				return nil, &SyntaxError{Line: startLine, Message: what + " is not closed"}
			}
			kind := map[byte]tokenKind{'\'': tokString, '"': tokDQString, '`': tokQuoted}[c]
			if len(cur.tokens) == 0 {
				cur.start, cur.line = start, startLine
			}
			cur.tokens = append(cur.tokens, token{kind: kind, text: src[start:i], start: start, end: i, line: startLine})
		default:
			start := i
			kind := tokPunct
			r, size := utf8.DecodeRuneInString(src[i:])
			switch {
			case isIdentStart(r):
				kind = tokWord
				i += size
				for i < len(src) {
					r, size := utf8.DecodeRuneInString(src[i:])
					if !isIdentPart(r) {
						break
					}
					i += size
				}
			case r >= '0' && r <= '9':
				kind = tokNumber
				for i < len(src) && (isIdentPart(rune(src[i])) || src[i] == '.') {
					i++
				}
			case (r == '$' || r == ':') && i+1 < len(src) && isIdentStart(rune(src[i+1])) && !(r == ':' && i > 0 && src[i-1] == ':'):
				kind = tokParam
				i++
				for i < len(src) && isIdentPart(rune(src[i])) {
					i++
				}
			case strings.HasPrefix(src[i:], "::"):
				i += 2
			default:
				i += size
			}
			if len(cur.tokens) == 0 {
				cur.start, cur.line = start, line
			}
			cur.tokens = append(cur.tokens, token{kind: kind, text: src[start:i], start: start, end: i, line: line})
		}
	}
	flush(len(src))
	return out, nil
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
