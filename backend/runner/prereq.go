package runner

import (
	"regexp"
	"slices"
	"strings"

	"smallfry/backend/notebook"
	"smallfry/backend/params"
)

// Have tells what a session holds. Result is asked about named results
// with names as the cells spell them (DuckDB compares names ignoring
// case); Var about the global names of its Python kernel, which compare
// exactly. A nil Var leaves Python's variables out.
type Have struct {
	Result func(name string) bool
	Var    func(name string) bool
}

// Prerequisites returns the cells to run so that the cells ids can run in
// a session that holds what have says: ids, plus every cell above them
// defining a result (a named SQL cell, a Python cell's smallfry.table) or a
// Python variable (df = … in one cell, df.head() in a later one) that one
// of them (or one of those cells, in turn) mentions and the session does
// not have, in notebook order. A notebook reopened after its last run
// shows that run's grids, but its results and variables are gone; this is
// what runs them again before a cell reads them.
func Prerequisites(nb *notebook.Notebook, ids []string, have Have) []string {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	// Walking up from the last cell, a cell that will run adds the defining
	// cells above it; those are reached later in the walk and add theirs.
	for i := len(nb.Cells) - 1; i >= 0; i-- {
		c := nb.Cells[i]
		if !want[c.ID] || !c.Kind.IsCode() {
			continue
		}
		words := mentions(c)
		var exact map[string]bool
		if have.Var != nil && isPython(c) {
			exact = pythonMentions(c)
		}
		// A variable the reader binds before reading (or a later cell above
		// it rebinds) is the nearest definition's: walk up from the reader.
		bound := map[string]bool{}
		for j := i - 1; j >= 0; j-- {
			d := nb.Cells[j]
			for _, name := range defines(d) {
				if !want[d.ID] && words[strings.ToLower(name)] && !have.Result(name) {
					want[d.ID] = true
				}
			}
			if exact == nil || !isPython(d) || d.IsParameters() || d.IsInjectedParameters() {
				continue // the parameters cells run in every kernel before any cell
			}
			for _, name := range params.Bindings(d.Source) {
				if bound[name] || !exact[name] {
					continue
				}
				bound[name] = true
				if !want[d.ID] && !have.Var(name) {
					want[d.ID] = true
				}
			}
		}
	}
	out := make([]string, 0, len(want))
	for _, c := range nb.Cells {
		if want[c.ID] {
			out = append(out, c.ID)
		}
	}
	// ids the notebook does not have stay, for the run to refuse by name.
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func isPython(c *notebook.Cell) bool {
	return c.Kind == notebook.KindPython || c.Kind == notebook.KindCode
}

// PythonBindings is the global names a Python cell binds (see
// params.Bindings); nil for other cells.
func PythonBindings(c *notebook.Cell) []string {
	if !isPython(c) {
		return nil
	}
	return params.Bindings(c.Source)
}

// pythonTable finds smallfry.table("name", ...) calls: a Python cell's
// named results.
var pythonTable = regexp.MustCompile(`smallfry\.table\(\s*(?:name\s*=\s*)?["']([A-Za-z_][A-Za-z0-9_]*)["']`)

// defines is the named results a cell makes: a SQL cell's name, the
// tables a Python cell hands to SQL with smallfry.table.
func defines(c *notebook.Cell) []string {
	switch c.Kind {
	case notebook.KindSQL:
		if c.Name != "" {
			return []string{c.Name}
		}
	case notebook.KindPython:
		var names []string
		for _, m := range pythonTable.FindAllStringSubmatch(stripPythonComments(c.Source), -1) {
			names = append(names, m[1])
		}
		return names
	}
	return nil
}

// stripPythonComments blanks # comments outside strings, so a commented-out
// smallfry.table call defines nothing.
func stripPythonComments(code string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(code) {
				b.WriteByte(c)
				i++
				c = code[i]
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			for i < len(code) && code[i] != '\n' {
				i++
			}
			if i < len(code) {
				c = '\n'
			} else {
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// mentions is the set of words (lower case) a code cell's text names
// outside comments and string literals; a word right after a dot is a
// qualified name's part (raw.events), not a result.
func mentions(c *notebook.Cell) map[string]bool {
	code := c.Source
	if c.Kind == notebook.KindSQL {
		code = stripSQL(code)
	} else {
		code = params.CodeOnly(code)
	}
	out := map[string]bool{}
	start := -1
	for i := 0; i <= len(code); i++ {
		wordByte := i < len(code) && (code[i] == '_' || code[i] >= 'a' && code[i] <= 'z' || code[i] >= 'A' && code[i] <= 'Z' || start >= 0 && code[i] >= '0' && code[i] <= '9')
		switch {
		case wordByte && start < 0:
			start = i
		case !wordByte && start >= 0:
			if start == 0 || code[start-1] != '.' {
				out[strings.ToLower(code[start:i])] = true
			}
			start = -1
		}
	}
	return out
}

// pythonMentions is the words a Python cell's text names outside comments
// and strings, as spelled, except attribute names (obj.df).
func pythonMentions(c *notebook.Cell) map[string]bool {
	code := params.CodeOnly(c.Source)
	out := map[string]bool{}
	start := -1
	for i := 0; i <= len(code); i++ {
		wordByte := i < len(code) && (code[i] == '_' || code[i] >= 'a' && code[i] <= 'z' || code[i] >= 'A' && code[i] <= 'Z' || code[i] >= 0x80 || start >= 0 && code[i] >= '0' && code[i] <= '9')
		switch {
		case wordByte && start < 0:
			start = i
		case !wordByte && start >= 0:
			if start == 0 || code[start-1] != '.' {
				out[code[start:i]] = true
			}
			start = -1
		}
	}
	return out
}

// stripSQL blanks SQL comments and single-quoted literals; double-quoted
// identifiers keep their text without the quotes.
func stripSQL(sql string) string {
	var b strings.Builder
	for i := 0; i < len(sql); {
		switch {
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				i = len(sql)
			} else {
				i += 2 + end + 2
			}
			b.WriteByte(' ')
		case sql[i] == '\'':
			i++
			for i < len(sql) && sql[i] != '\'' {
				i++
			}
			i++
			b.WriteByte(' ')
		case sql[i] == '"':
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(sql[i])
			i++
		}
	}
	return b.String()
}
