package params

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parameters-cell reader arbitrary text: it must
// answer (parameters or an error), never panic, and what it reads as a
// literal must read back the same from its Python form.
func FuzzParse(f *testing.F) {
	cells, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.py"))
	for _, c := range cells {
		data, _ := os.ReadFile(c)
		f.Add(string(data))
	}
	for _, s := range []string{"a = [1,, 2]", "s = '''x", `b = b"\777"`, `x = "\N{DASH}"`, "x = f'{y}'", "x = {1: 2, 3}", "a = -", "a = ()", "a = (,)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ps, err := Parse(src)
		if err != nil {
			return
		}
		for _, p := range ps {
			if _, ok := p.Default.(Expr); ok {
				continue
			}
			text := pyRepr(p.Default, p.dateCall)
			back, err := ParseLiteral(text)
			if err != nil {
				t.Fatalf("%s = %s does not read back: %v", p.Name, text, err)
			}
			if again := pyRepr(back, p.dateCall); again != text {
				if d, ok := back.(string); ok && p.Type == TypeDate && pyRepr(d, false) == text {
					continue
				}
				t.Fatalf("%s: %s reads back as %s", p.Name, text, again)
			}
		}
	})
}
