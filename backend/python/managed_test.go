package python

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"smallfry/backend"
)

func TestPackagesAreTheRequirementsFile(t *testing.T) {
	b, err := os.ReadFile("../../scripts/requirements-setup-python.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	if !slices.Equal(Packages, want) {
		t.Fatalf("Packages %v, the requirements file %v", Packages, want)
	}
}

func TestDataDir(t *testing.T) {
	t.Setenv(DataDirEnv, "/somewhere/else")
	if d, err := DataDir(); err != nil || d != "/somewhere/else" {
		t.Fatalf("DataDir() = %q, %v", d, err)
	}
}

// basePython is a Python 3 with venv, or the test is skipped.
func basePython(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil || exec.Command(p, "-c", "import venv, ensurepip").Run() != nil {
		t.Skip("no python3 with venv and ensurepip on PATH")
	}
	return p
}

// With no package index (an empty wheel folder, --no-index), the set-up
// says what to install instead and leaves no half-made environment; a
// cancel does the same, saying canceled.
func TestManagedFailuresLeaveNothing(t *testing.T) {
	base := basePython(t)
	for _, tc := range []struct {
		name   string
		cancel bool
		code   string
		want   []string
	}{
		{name: "offline", code: backend.EINVALID, want: []string{"could not be downloaded", "pip install ipykernel==", "SMALLFRY_PYTHON"}},
		{name: "canceled", cancel: true, code: backend.ECANCELED, want: []string{"canceled", "removed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Managed{Dir: filepath.Join(t.TempDir(), "python"), Base: base, Wheels: t.TempDir()}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var lines []string
			err := m.Create(ctx, func(l string) {
				lines = append(lines, l)
				if tc.cancel && strings.HasPrefix(l, "pip install") {
					cancel() // as the user's Cancel once pip is to run
				}
			})
			if err == nil || backend.ErrorCode(err) != tc.code {
				t.Fatalf("Create: %v (code %s), want code %s; progress %q", err, backend.ErrorCode(err), tc.code, lines)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !tc.cancel && !errors.Is(err, ErrOffline) {
				t.Errorf("error %v is not ErrOffline", err)
			}
			if _, err := os.Stat(m.Dir); !os.IsNotExist(err) {
				t.Errorf("the environment is still there: %v", err)
			}
			if m.Ready() {
				t.Error("Ready after a failure")
			}
			if len(lines) < 2 {
				t.Errorf("progress %q, want the steps", lines)
			}
		})
	}
}
