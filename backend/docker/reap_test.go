package docker

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Reap removes the containers of apps that are gone and keeps everything else.
func TestReap(t *testing.T) {
	e := testEngine(t)
	image := kernelImage(t, e)

	// A pid that was alive a moment ago and is not any more, like a
	// kill -9'd app's.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	// A live process that is not us: another Smallfry instance.
	live := exec.Command("sleep", "120")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Process.Kill(); live.Wait() })

	as := func(instance string, pid int, host string) *Engine {
		return &Engine{cli: e.cli, owner: owner{instance: instance, pid: pid, host: host}}
	}
	host := e.owner.host
	keepSession := session(t) + "-keep"
	cases := []struct {
		name    string
		by      *Engine
		session string
		removed bool
	}{
		{"app killed: its pid is dead", as("crashed", dead.Process.Pid, host), "", true},
		{"pid reused by this process: the old app is gone", as("earlier", os.Getpid(), host), "", true},
		{"another instance still running", as("other", live.Process.Pid, host), "", false},
		{"started by this engine", e, "", false},
		{"from another host: its pid means nothing here", as("remote", dead.Process.Pid, "another-host"), "", false},
		{"dead owner, but keep says so", as("crashed", dead.Process.Pid, host), keepSession, false},
	}
	ids := make([]string, len(cases))
	for i, tc := range cases {
		k := KernelContainer{Image: image, Cmd: []string{"python3", "-c", "import time; time.sleep(300)"}, Session: tc.session}
		if k.Session == "" {
			k.Session = session(t)
		}
		c, err := tc.by.RunKernel(context.Background(), k)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		t.Cleanup(func() { c.Remove(context.Background()) })
		ids[i] = c.ID
	}

	removed, err := e.Reap(context.Background(), func(labels map[string]string) bool {
		return labels[labelSession] == keepSession
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		_, ierr := e.cli.ContainerInspect(context.Background(), ids[i], client.ContainerInspectOptions{})
		gone := cerrdefs.IsNotFound(ierr)
		if gone != tc.removed {
			t.Errorf("%s: removed = %v, want %v (inspect: %v)", tc.name, gone, tc.removed, ierr)
		}
		if reported := slices.Contains(removed, ids[i]); reported != tc.removed {
			t.Errorf("%s: reported as removed = %v, want %v", tc.name, reported, tc.removed)
		}
	}
}

// The real thing: an app process starts a kernel container and is killed
// with SIGKILL, so nothing of its own cleans up; the next start's Reap
// removes the container.
func TestReapAfterKill9(t *testing.T) {
	e := testEngine(t)
	app := exec.Command(os.Args[0], "-test.run=^TestReapHelperApp$", "-test.v")
	app.Env = append(os.Environ(), "SMALLFRY_REAP_APP="+kernelImage(t, e))
	out, err := app.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	app.Stderr = os.Stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Process.Kill(); app.Wait() })
	var id string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "container "); ok {
			id = rest
			break
		}
	}
	if id == "" {
		t.Fatal("the helper app started no container")
	}
	t.Cleanup(func() { (&Container{ID: id, e: e}).remove(context.Background()) })

	if err := app.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	app.Wait()
	if _, err := e.cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{}); err != nil {
		t.Fatalf("the killed app's container should still exist before Reap: %v", err)
	}

	removed, err := e.Reap(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(removed, id) {
		t.Errorf("Reap removed %v, not the killed app's container %s", removed, id)
	}
	if _, err := e.cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Errorf("inspect after Reap = %v, want not found", err)
	}
}

// TestReapHelperApp is the app TestReapAfterKill9 kills: it starts a kernel
// container, says which, and waits to be killed.
func TestReapHelperApp(t *testing.T) {
	image := os.Getenv("SMALLFRY_REAP_APP")
	if image == "" {
		t.Skip("run by TestReapAfterKill9 only")
	}
	e, err := Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.RunKernel(context.Background(), KernelContainer{
		Image: image, Cmd: []string{"python3", "-c", "import time; time.sleep(300)"}, Session: "reap-helper",
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("container %s\n", c.ID)
	time.Sleep(2 * time.Minute)
}

func TestOrphanedRule(t *testing.T) {
	e := &Engine{owner: owner{instance: "me", pid: os.Getpid(), host: "here"}}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"ours", map[string]string{labelOwner: "me", labelPID: pid(os.Getpid()), labelHost: "here"}, false},
		{"dead pid", map[string]string{labelOwner: "x", labelPID: pid(dead.Process.Pid), labelHost: "here"}, true},
		{"our pid, other instance", map[string]string{labelOwner: "x", labelPID: pid(os.Getpid()), labelHost: "here"}, true},
		{"live pid", map[string]string{labelOwner: "x", labelPID: pid(1), labelHost: "here"}, false},
		{"other host", map[string]string{labelOwner: "x", labelPID: pid(dead.Process.Pid), labelHost: "there"}, false},
		{"no pid label", map[string]string{labelOwner: "x", labelHost: "here"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.orphaned(tc.labels); got != tc.want {
				t.Errorf("orphaned(%v) = %v, want %v", tc.labels, got, tc.want)
			}
		})
	}
}
