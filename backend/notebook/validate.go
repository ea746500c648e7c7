package notebook

import (
	"fmt"
	"regexp"
	"strings"

	"smallfry/backend"
)

// nbformat 4.5's cell id schema.
var idPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

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
			case !backend.IsIdentifier(c.Name):
				// Names become DuckDB tables that later cells name bare.
				report("cell %d: name %q is not valid (%s)", num, c.Name, backend.IdentifierRule)
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
		if l := c.Meta.Lake; l != nil {
			switch {
			case !backend.IsIdentifier(l.Table) || strings.EqualFold(l.Table, "raw"):
				report("cell %d: save to lake: %q is not a valid table name (%s, and not raw)", num, l.Table, backend.IdentifierRule)
			case l.Lake != "" && l.Lake != LakeLocal && l.Lake != LakeS3:
				report("cell %d: save to lake: lake %q is neither %q nor %q", num, l.Lake, LakeLocal, LakeS3)
			case l.Mode != "" && l.Mode != SaveOverwrite && l.Mode != SavePartitions:
				report("cell %d: save to lake: mode %q is neither %q nor %q", num, l.Mode, SaveOverwrite, SavePartitions)
			case l.Mode == SavePartitions && len(l.PartitionBy) == 0:
				report("cell %d: save to lake: mode %q needs partition_by", num, SavePartitions)
			}
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

// ValidID reports whether id is a cell id nbformat 4.5 accepts.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// FreshID returns a new valid cell id unused in used.
func FreshID(used map[string]bool) string { return freshID(used) }
