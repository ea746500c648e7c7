package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func needDocker(t *testing.T) string {
	t.Helper()
	needPython(t)
	image := os.Getenv("SMALLFRY_KERNEL_IMAGE")
	if os.Getenv("SMALLFRY_DOCKER") == "" || image == "" {
		t.Skip("SMALLFRY_DOCKER and SMALLFRY_KERNEL_IMAGE are not set: run `make docker` (make test does)")
	}
	return image
}

// containersOf lists the kernel containers of the workspace's runs, running
// or not, through the docker command a user would use.
func containers(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-a", "-q", "--filter", "label=smallfry=1").Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.Fields(string(out))
}

func TestRunPythonInDocker(t *testing.T) {
	image := needDocker(t)
	ws := newWorkspace(t)
	rel := copyNotebook(t, ws, "python-flow.ipynb")
	out := filepath.Join(t.TempDir(), "out.ipynb")
	before := len(containers(t))
	_, stderr, code := runSmallfry(t, ws, "run", rel, "--docker", image, "-p", "year=1998", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	nb := readOutput(t, out)
	text, mimes, _ := outputsOf(t, nb.Cell("plot"))
	if !strings.HasPrefix(text, "DataFrame 8 1998 units") || !strings.Contains(strings.Join(mimes, " "), "image/png") {
		t.Errorf("in Docker, python printed %q with %v", text, mimes)
	}
	if _, rows := bundle(t, nb.Cell("back")); len(rows) != 3 {
		t.Errorf("SQL over the Docker Python table: %v", rows)
	}
	if after := len(containers(t)); after != before {
		t.Errorf("%d kernel containers before the run, %d after", before, after)
	}
}

// A kill -9 of Smallfry leaves its kernel container; the next start removes it.
func TestContainersOfAKilledAppAreReaped(t *testing.T) {
	image := needDocker(t)
	bin := os.Getenv("SMALLFRY_BIN")
	if bin == "" {
		t.Skip("needs the built binary (SMALLFRY_BIN)")
	}
	ws, _, before, cmd := startSleepingRun(t, bin, image)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(containers(t)) == before {
		t.Fatal("the container went away with the app: nothing to reap (the test proves nothing)")
	}
	// The next start of Smallfry, whatever it does, reaps the orphan.
	if _, stderr, code := runSmallfry(t, ws, "run", "notebooks/tour.ipynb"); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if after := len(containers(t)); after != before {
		t.Errorf("%d kernel containers before, %d after the next start", before, after)
	}
}

// Ctrl+C of a headless run stops the cell and removes its container.
func TestCanceledDockerRunLeavesNoContainer(t *testing.T) {
	image := needDocker(t)
	bin := os.Getenv("SMALLFRY_BIN")
	if bin == "" {
		t.Skip("needs the built binary (SMALLFRY_BIN)")
	}
	ws, rel, before, cmd := startSleepingRun(t, bin, image)
	time.Sleep(time.Second) // the kernel is sleeping in the cell
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit after Ctrl+C: %v, want status 1", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the canceled run took %v to end", d)
	}
	if after := len(containers(t)); after != before {
		t.Errorf("%d kernel containers before, %d after the canceled run", before, after)
	}
	if rec := onlyRunOf(t, ws, filepath.ToSlash(rel)); rec.Status != "canceled" {
		t.Errorf("record status %s, want canceled", rec.Status)
	}
}

// startSleepingRun starts `smallfry run --docker` of a notebook whose cell
// sleeps, and returns once its kernel container exists, with the number of
// kernel containers there were before.
func startSleepingRun(t *testing.T, bin, image string) (ws, rel string, before int, cmd *exec.Cmd) {
	t.Helper()
	ws = newWorkspace(t)
	rel = copyNotebook(t, ws, "python-sleep.ipynb")
	before = len(containers(t))
	cmd = exec.Command(bin, "run", "--workspace", ws, "--docker", image, rel)
	cmd.Dir = ws
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for len(containers(t)) == before && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if len(containers(t)) == before {
		t.Fatal("no kernel container appeared within 60s")
	}
	return ws, rel, before, cmd
}
