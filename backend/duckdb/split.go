package duckdb

import "strings"

// statement is one statement of a cell's SQL and the cell line it starts on,
// so that DuckDB's "LINE n" can be mapped back to the line the user sees.
type statement struct {
	SQL  string
	Line int // 1-based
}

// splitStatements cuts SQL text at top-level semicolons, honouring quoted
// strings (”, "", E”, $tag$...$tag$) and comments. Statements that hold only
// white space or comments are dropped. Each statement starts at its first token.
func splitStatements(src string) []statement {
	var out []statement
	start, line, startLine := -1, 1, 1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, statement{SQL: strings.TrimRightFunc(src[start:end], isSpace), Line: startLine})
		}
		start = -1
	}
	mark := func(i int) {
		if start < 0 {
			start, startLine = i, line
		}
	}
	for i := 0; i < len(src); {
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
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				end = len(src) - i - 2 // unterminated: DuckDB will report it
			}
			j := i + 2 + end + 2
			if j > len(src) {
				j = len(src)
			}
			line += strings.Count(src[i:j], "\n")
			i = j
		case c == ';':
			flush(i)
			i++
		case c == '\'' || c == '"':
			mark(i)
			escapes := c == '\'' && i > 0 && (src[i-1] == 'E' || src[i-1] == 'e') && (i < 2 || !isIdent(src[i-2]))
			j := skipQuoted(src, i, c, escapes)
			line += strings.Count(src[i:j], "\n")
			i = j
		case c == '$':
			mark(i)
			j := skipDollar(src, i)
			line += strings.Count(src[i:j], "\n")
			i = j
		default:
			mark(i)
			i++
		}
	}
	flush(len(src))
	return out
}

// skipQuoted returns the index just past the quoted run opening at i.
// A doubled quote stands for itself; with escapes, a backslash escapes too.
func skipQuoted(src string, i int, q byte, escapes bool) int {
	for j := i + 1; j < len(src); j++ {
		switch {
		case escapes && src[j] == '\\':
			j++
		case src[j] == q:
			if j+1 < len(src) && src[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(src)
}

// skipDollar handles both $name parameters and $tag$ ... $tag$ strings.
func skipDollar(src string, i int) int {
	j := i + 1
	for j < len(src) && isIdent(src[j]) {
		j++
	}
	if j >= len(src) || src[j] != '$' {
		return j // a parameter such as $year, or a lone $
	}
	tag := src[i : j+1]
	end := strings.Index(src[j+1:], tag)
	if end < 0 {
		return len(src)
	}
	return j + 1 + end + len(tag)
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

// firstWord is a statement's leading keyword (statements start at their
// first token), or "(" for a parenthesized query.
func firstWord(stmt string) string {
	if strings.HasPrefix(stmt, "(") {
		return "("
	}
	i := 0
	for i < len(stmt) && isIdent(stmt[i]) {
		i++
	}
	return stmt[:i]
}

// token is one lexical unit of a statement, outside comments.
type token struct {
	kind byte   // 'n' name (bare or quoted), 's' string, '0' number, 'p' punctuation, '$' parameter or dollar string
	text string // a name unquoted, a string's content, a number or operator as written
}

// scanTokens cuts a statement into tokens, dropping comments and white space.
// It is a lexer for recognising names and simple predicates, not a parser.
func scanTokens(stmt string) []token {
	var out []token
	for i := 0; i < len(stmt); {
		c := stmt[i]
		switch {
		case c == '-' && strings.HasPrefix(stmt[i:], "--"):
			for i < len(stmt) && stmt[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(stmt[i:], "/*"):
			if end := strings.Index(stmt[i+2:], "*/"); end >= 0 {
				i += end + 4
			} else {
				i = len(stmt)
			}
		case isSpace(rune(c)):
			i++
		case c == '"':
			j := skipQuoted(stmt, i, '"', false)
			if j == len(stmt) && (j-i < 2 || stmt[j-1] != '"') {
				return out // unterminated: DuckDB reports it
			}
			out = append(out, token{'n', strings.ReplaceAll(stmt[i+1:j-1], `""`, `"`)})
			i = j
		case c == '\'':
			j := skipQuoted(stmt, i, '\'', false)
			text := ""
			if j-i >= 2 {
				text = strings.ReplaceAll(stmt[i+1:j-1], "''", "'")
			}
			out = append(out, token{'s', text})
			i = j
		case c == '$':
			j := skipDollar(stmt, i)
			out = append(out, token{'$', stmt[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(stmt) && (isIdent(stmt[j]) || stmt[j] == '.') {
				j++
			}
			out = append(out, token{'0', stmt[i:j]})
			i = j
		case isIdent(c):
			j := i
			for j < len(stmt) && isIdent(stmt[j]) {
				j++
			}
			out = append(out, token{'n', stmt[i:j]})
			i = j
		default:
			j := i + 1
			if j < len(stmt) && strings.Contains("<>=!", string(c)) && strings.Contains("<>=", string(stmt[j])) {
				j++
			}
			out = append(out, token{'p', stmt[i:j]})
			i = j
		}
	}
	return out
}

// dottedNames lists the dotted chains of names a statement mentions, bare
// or double-quoted, outside strings and comments: memory.raw.events gives
// [memory raw events]. It over-approximates (a column written table.column
// is listed too); callers only act on names they know.
func dottedNames(stmt string) [][]string {
	var out [][]string
	toks := scanTokens(stmt)
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != 'n' {
			continue
		}
		chain := []string{toks[i].text}
		for i+2 < len(toks) && toks[i+1] == (token{'p', "."}) && toks[i+2].kind == 'n' {
			chain = append(chain, toks[i+2].text)
			i += 2
		}
		if len(chain) > 1 {
			out = append(out, chain)
		}
	}
	return out
}
