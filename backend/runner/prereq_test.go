package runner

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"smallfry/backend/notebook"
)

func TestPrerequisites(t *testing.T) {
	nb, err := notebook.ReadFile(filepath.Join("testdata", "prereq", "notebook.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		run    []string
		exists []string // named results the session has
		want   []string
	}{
		{"a cell reading nothing runs alone", []string{"sales"}, nil, []string{"sales"}},
		{"a missing result's cell runs first, whatever case the reader spells it in", []string{"by-country"}, nil, []string{"sales", "by-country"}},
		{"and its own prerequisites before it", []string{"top"}, nil, []string{"sales", "by-country", "top"}},
		{"a result the session has is not run again", []string{"top"}, []string{"by_country"}, []string{"top"}},
		{"the session's names compare ignoring case", []string{"top"}, []string{"BY_COUNTRY"}, []string{"top"}},
		{"names in comments and strings are not read", []string{"commented"}, nil, []string{"commented"}},
		{"a qualified name is not a result", []string{"qualified"}, nil, []string{"qualified"}},
		{"a quoted name is", []string{"quoted"}, []string{"sales"}, []string{"by-country", "quoted"}},
		{"Python reads results by name, not in comments", []string{"py-reads"}, []string{"sales"}, []string{"by-country", "py-reads"}},
		{"nor in Python strings", []string{"py-string"}, nil, []string{"py-string"}},
		{"a result defined below the reader is not run", []string{"reads-below"}, nil, []string{"reads-below"}},
		{"cells asked for keep notebook order", []string{"top", "sales"}, []string{"sales"}, []string{"sales", "by-country", "top"}},
		{"an unknown id stays, for the run to refuse", []string{"nope"}, nil, []string{"nope"}},
		{"a Python cell's smallfry.table is a result too", []string{"reads-py"}, nil, []string{"py-defines", "reads-py"}},
		{"but not in a comment", []string{"reads-commented"}, nil, []string{"reads-commented"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exists := func(name string) bool {
				return slices.ContainsFunc(tt.exists, func(e string) bool { return strings.EqualFold(e, name) })
			}
			if got := Prerequisites(nb, tt.run, Have{Result: exists}); !slices.Equal(got, tt.want) {
				t.Errorf("Prerequisites(%v) = %v, want %v", tt.run, got, tt.want)
			}
		})
	}
}

func TestPrerequisitesVariables(t *testing.T) {
	nb, err := notebook.ReadFile(filepath.Join("testdata", "prereq", "variables.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  []string
		vars []string // the kernel's globals
		want []string
	}{
		{"a variable the kernel lacks runs its defining cell first", []string{"use"}, nil, []string{"load", "use"}},
		{"one the kernel has does not", []string{"use"}, []string{"pd", "df"}, []string{"use"}},
		{"a function and a variable", []string{"both"}, nil, []string{"load", "helper", "both"}},
		{"only the missing one", []string{"both"}, []string{"df"}, []string{"helper", "both"}},
		{"the nearest definition above, and what it reads in turn", []string{"after-rebind"}, nil, []string{"load", "rebind", "after-rebind"}},
		{"the nearest is there: nothing else runs", []string{"after-rebind"}, []string{"df"}, []string{"after-rebind"}},
		{"not in comments or strings", []string{"commented"}, nil, []string{"commented"}},
		{"not an attribute", []string{"attribute"}, nil, []string{"attribute"}},
		{"Python names compare exactly", []string{"case"}, nil, []string{"case"}},
		{"SQL reads results, not Python's variables", []string{"sql-reads"}, nil, []string{"sql-reads"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have := Have{
				Result: func(string) bool { return false },
				Var:    func(name string) bool { return slices.Contains(tt.vars, name) },
			}
			if got := Prerequisites(nb, tt.run, have); !slices.Equal(got, tt.want) {
				t.Errorf("Prerequisites(%v) with %v = %v, want %v", tt.run, tt.vars, got, tt.want)
			}
		})
	}
}
