package notebook

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, and a
// notebook it accepts must marshal, parse again and marshal to the same
// bytes: saving is stable, so a file never drifts through repeated saves.
func FuzzParse(f *testing.F) {
	for _, path := range fixtures(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"cells":[{"cell_type":"code","source":"%%sql\nSELECT 1","metadata":{"smallfry":{"kind":"sql","name":"x"}}}],"nbformat":4,"nbformat_minor":5}`))
	f.Add([]byte("{\r\n\t\"cells\": [], \"nbformat\": 4, \"x\": [NaN, -Infinity, 1E400, \"\\ud800\"]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Parse("fuzz.ipynb", data)
		if err != nil {
			return
		}
		// Exercise the edit paths too, on whatever cells there are.
		for i, c := range nb.Cells {
			if i%2 == 1 {
				c.Source += "\n-- edited"
			}
		}
		first, err := nb.Marshal()
		if err != nil {
			t.Fatalf("Marshal after a successful Parse: %v", err)
		}
		again, err := Parse("fuzz.ipynb", first)
		if err != nil {
			t.Fatalf("Parse(Marshal(x)): %v\n%q", err, first)
		}
		second, err := again.Marshal()
		if err != nil {
			t.Fatalf("Marshal(Parse(Marshal(x))): %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("a second save changed the bytes:\nfirst  %q\nsecond %q", first, second)
		}
	})
}
