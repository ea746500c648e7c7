package notebook

import (
	"fmt"
	"regexp"
	"strings"

	"smallfry/backend"
)

var (
	// Names become DuckDB views, so they must be identifiers that need no
	// quoting. ASCII only: that is what every SQL dialect accepts bare.
	namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// nbformat 4.5's cell id schema.
	idPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
)

// Validate checks what the engine relies on and nbformat's schema cannot
// express: valid, unique result names (compared case-insensitively, as
// DuckDB compares identifiers), unique ids, well-formed tags and at most one
// parameters cell. Parse does not call it, so a notebook with such problems
// still opens and can be fixed. Cells are numbered from 1, as in the UI.
func (nb *Notebook) Validate() error {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	names := map[string]int{}
	ids := map[string]int{}
	params := 0
	for i, c := range nb.Cells {
		num := i + 1
		if c == nil {
			report("cell %d is missing (nil)", num)
			continue
		}
		if !c.Kind.valid() {
			report("cell %d has an unknown kind %q", num, c.Kind)
		}
		if c.Name != "" {
			key := strings.ToLower(c.Name)
			switch {
			case !namePattern.MatchString(c.Name):
				report("cell %d: name %q is not valid (use letters, digits and underscores, not starting with a digit)", num, c.Name)
			case names[key] != 0:
				report("cell %d: name %q is already used by cell %d", num, c.Name, names[key])
			default:
				names[key] = num
			}
		}
		if nb.hasIDs() && !idPattern.MatchString(c.ID) {
			report("cell %d: id %q is not valid (1 to 64 letters, digits, '-' or '_')", num, c.ID)
		} else if first := ids[c.ID]; first != 0 {
			report("cell %d: id %q is already used by cell %d", num, c.ID, first)
		} else {
			ids[c.ID] = num
		}
		seen := map[string]bool{}
		for _, t := range c.Tags {
			switch {
			case t == "" || strings.Contains(t, ","):
				report("cell %d: tag %q must not be empty or contain a comma", num, t)
			case seen[t]:
				report("cell %d: tag %q appears twice", num, t)
			}
			seen[t] = true
		}
		if c.IsParameters() {
			if params != 0 {
				report("cell %d: only one cell may be tagged parameters (cell %d is too)", num, params)
			} else {
				params = num
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return backend.Errorf(backend.EINVALID, "check notebook %s: %s", nb.label(), strings.Join(problems, "; "))
}
