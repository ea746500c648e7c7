package params

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBindings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bindings", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases := strings.Split("\n"+string(data), "\n== ")[1:]
	if len(cases) < 10 {
		t.Fatalf("read %d cases from cases.txt", len(cases))
	}
	for _, c := range cases {
		head, src, _ := strings.Cut(c, "\n")
		name, want, _ := strings.Cut(head, " | ")
		t.Run(name, func(t *testing.T) {
			got := Bindings(src)
			if w := strings.Fields(want); !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
				t.Errorf("Bindings(%q) = %q, want %q", src, got, w)
			}
		})
	}
}
