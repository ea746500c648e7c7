package kernel

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultPaths(t *testing.T) {
	tests := []struct {
		name   string
		goos   string
		env    map[string]string
		prefix string
		want   []string
	}{
		{"linux", "linux", map[string]string{"HOME": "/home/ann", "JUPYTER_PATH": "/a:/b"}, "/venv",
			[]string{"/a", "/b", "/home/ann/.local/share/jupyter", "/venv/share/jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"linux XDG", "linux", map[string]string{"HOME": "/home/ann", "XDG_DATA_HOME": "/xdg"}, "/venv",
			[]string{"/xdg/jupyter", "/venv/share/jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"JUPYTER_DATA_DIR", "linux", map[string]string{"HOME": "/home/ann", "JUPYTER_DATA_DIR": "/data"}, "",
			[]string{"/data", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"darwin", "darwin", map[string]string{"HOME": "/Users/ann"}, "/opt/py",
			[]string{"/Users/ann/Library/Jupyter", "/opt/py/share/jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"windows", "windows", map[string]string{"APPDATA": "/C/Users/ann/AppData/Roaming", "PROGRAMDATA": "/C/ProgramData", "JUPYTER_PATH": "/x;/y"}, "/C/Python311",
			[]string{"/x", "/y", "/C/Users/ann/AppData/Roaming/jupyter", "/C/Python311/share/jupyter", "/C/ProgramData/jupyter"}},
		{"duplicates dropped", "linux", map[string]string{"HOME": "/home/ann", "JUPYTER_PATH": "/usr/share/jupyter"}, "",
			[]string{"/usr/share/jupyter", "/home/ann/.local/share/jupyter", "/usr/local/share/jupyter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := defaultPaths(tt.goos, func(k string) string { return tt.env[k] }, tt.prefix)
			for i := range got {
				got[i] = filepath.ToSlash(got[i])
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func writeSpec(t *testing.T, root, name, body string) {
	t.Helper()
	dir := filepath.Join(root, "kernels", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if body == "" {
		return // a folder without kernel.json
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSpecs(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	writeSpec(t, first, "py", `{"argv": ["python", "-f", "{connection_file}"], "display_name": "First", "language": "python", "env": {"A": "1"}}`)
	writeSpec(t, first, "broken", `{"argv": [`)
	writeSpec(t, first, "noargv", `{"display_name": "No argv"}`)
	writeSpec(t, first, "notaspec", "")
	writeSpec(t, second, "py", `{"argv": ["other"], "display_name": "Second"}`)
	writeSpec(t, second, "broken", `{"argv": ["fine here"], "display_name": "shadowed by the broken one"}`)
	writeSpec(t, second, "r", `{"argv": ["R"], "display_name": "R", "language": "R", "interrupt_mode": "message"}`)

	specs, errs := Specs([]string{filepath.Join(t.TempDir(), "missing"), first, second})

	want := []Spec{
		{Name: "py", DisplayName: "First", Language: "python", Argv: []string{"python", "-f", "{connection_file}"},
			Env: map[string]string{"A": "1"}, InterruptMode: "signal", Dir: filepath.Join(first, "kernels", "py")},
		{Name: "r", DisplayName: "R", Language: "R", Argv: []string{"R"}, InterruptMode: "message",
			Dir: filepath.Join(second, "kernels", "r")},
	}
	if !reflect.DeepEqual(specs, want) {
		t.Errorf("got specs %+v\nwant %+v", specs, want)
	}
	if len(errs) != 2 {
		t.Fatalf("got errors %v, want 2 (broken, noargv)", errs)
	}
	for i, name := range []string{`"broken"`, `"noargv"`} {
		if !strings.Contains(errs[i].Error(), name) {
			t.Errorf("error %d: got %q, want it to name %s", i, errs[i], name)
		}
	}
}

func TestWithPython(t *testing.T) {
	tests := []struct {
		argv0, want string
	}{
		{"python", "/venv/bin/python"},
		{"python3", "/venv/bin/python"},
		{"python.exe", "/venv/bin/python"},
		{"/usr/bin/python3", "/usr/bin/python3"},
		{"R", "R"},
	}
	for _, tt := range tests {
		t.Run(tt.argv0, func(t *testing.T) {
			s := Spec{Argv: []string{tt.argv0, "-f", "{connection_file}"}}
			got := s.WithPython("/venv/bin/python")
			if got.Argv[0] != tt.want || s.Argv[0] != tt.argv0 {
				t.Errorf("got %q (original now %q), want %q and the original unchanged", got.Argv[0], s.Argv[0], tt.want)
			}
		})
	}
}
