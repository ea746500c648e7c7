package backend

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
)

// IsIdentifier reports whether name is a name Smallfry gives to results and
// lake tables: ASCII letters, digits and underscores, not starting with a
// digit. Such names need no quoting in SQL unless they are keywords
// (SQLName quotes those), nor in Python.
// It is the one naming rule; every package that checks a name calls it.
func IsIdentifier(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// IdentifierRule says the rule in words, for error messages.
const IdentifierRule = "letters, digits and _, not starting with a digit"

//go:embed sqlkeywords.json
var sqlKeywordsJSON []byte

// The words DuckDB does not take as a bare name (backend/duckdb's tests keep
// the list equal to DuckDB's); the frontend reads the same file.
var sqlKeywords = func() map[string]bool {
	var list []string
	if err := json.Unmarshal(sqlKeywordsJSON, &list); err != nil {
		panic("backend/sqlkeywords.json: " + err.Error())
	}
	m := make(map[string]bool, len(list))
	for _, k := range list {
		m[k] = true
	}
	return m
}()

// SQLKeywords lists the keywords SQLName quotes, sorted.
func SQLKeywords() []string {
	out := make([]string, 0, len(sqlKeywords))
	for k := range sqlKeywords {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsSQLKeyword reports whether DuckDB takes name (any case) as a keyword,
// not a bare name: a result named so could only be queried quoted.
func IsSQLKeyword(name string) bool {
	return sqlKeywords[strings.ToLower(name)]
}

// SQLName is a name as SQL text to put in a cell: bare when it is an
// identifier that is no keyword (Sales), else double-quoted ("binary",
// "my name").
func SQLName(name string) string {
	if IsIdentifier(name) && !sqlKeywords[strings.ToLower(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
