package runner

import (
	"fmt"
	"regexp"
	"strings"
)

// missingTable finds the name in DuckDB's "Table with name X does not
// exist" (X may be quoted, or schema-qualified).
var missingTable = regexp.MustCompile(`Table with name "?([^"\s!]+)"? does not exist`)

// missingName finds the name in Python's "name 'x' is not defined".
var missingName = regexp.MustCompile(`^NameError: name '(\w+)' is not defined`)

// definedBy says which cell of the notebook defines the result a failed
// statement could not find, when one does: the user runs that cell first
// (or Run all), instead of guessing at DuckDB's own tables. "" when no
// cell names it.
func (r *run) definedBy(failing int, msg string) string {
	m := missingTable.FindStringSubmatch(msg)
	if m == nil {
		m = missingName.FindStringSubmatch(msg)
	}
	if m == nil {
		return ""
	}
	name := m[1]
	if _, after, ok := strings.Cut(name, "."); ok {
		name = after
	}
	for i, c := range r.nb.Cells {
		if c.Name == "" || !strings.EqualFold(c.Name, name) || i == failing {
			continue
		}
		label := fmt.Sprintf("cell %d", i+1)
		if i > failing {
			return fmt.Sprintf("%s is defined by %s, below this one: move it up or run it first", c.Name, label)
		}
		return fmt.Sprintf("%s is defined by %s, which has not run in this session: run it first (or Run all)", c.Name, label)
	}
	return ""
}
