package backend

import (
	"encoding/json"
	"os"
	"testing"
)

// The rule is a table the frontend's isIdentifier is checked against too.
func TestIsIdentifier(t *testing.T) {
	data, err := os.ReadFile("testdata/identifiers.json")
	if err != nil {
		t.Fatal(err)
	}
	var table map[string]any
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	delete(table, "_")
	for name, want := range table {
		if got := IsIdentifier(name); got != want {
			t.Errorf("IsIdentifier(%q) = %v, want %v", name, got, want)
		}
	}
}
