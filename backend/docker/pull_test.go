package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"smallfry/backend"
)

// The testdata streams were recorded from Debian's docker.io 20.10 pulling
// from a local docker-registry (curl on the engine socket, POST /images/create).
func TestDecodePullRecordedStreams(t *testing.T) {
	for _, tc := range []struct {
		file    string
		layers  []string // layers that report progress
		wantErr string
		// lastPercent is the Percent of the last message.
		lastPercent float64
	}{
		{file: "pull-new.jsonl", layers: []string{"02cc4917f1f2", "afd3c5eece76"}, lastPercent: 100},
		{file: "pull-up-to-date.jsonl", lastPercent: 100},
		{file: "pull-layers-exist.jsonl", layers: []string{"02cc4917f1f2", "afd3c5eece76", "e57b5ca3291d"}, lastPercent: 100},
		{file: "pull-broken-layer.jsonl", layers: []string{"02cc4917f1f2", "afd3c5eece76", "e3ff1033d758"},
			wantErr: "filesystem layer verification failed", lastPercent: 50},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var got []Progress
			err = decodePull(f, func(p Progress) { got = append(got, p) })
			if tc.wantErr == "" && err != nil {
				t.Fatalf("decodePull = %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("decodePull = %v, want an error containing %q", err, tc.wantErr)
			}
			if len(got) == 0 {
				t.Fatal("no progress")
			}
			last := -1.0
			seen := map[string]bool{}
			for _, p := range got {
				if p.Percent < last {
					t.Errorf("percent went back: %.1f after %.1f (%+v)", p.Percent, last, p)
				}
				if p.Percent > 100 {
					t.Errorf("percent %.1f over 100", p.Percent)
				}
				last = p.Percent
				if p.Layer != "" {
					seen[p.Layer] = true
				}
				if p.Status == "Downloading" && (p.Total == 0 || p.Current == 0) {
					t.Errorf("Downloading without byte counts: %+v", p)
				}
			}
			if len(seen) != len(tc.layers) {
				t.Errorf("layers seen %v, want %v", seen, tc.layers)
			}
			for _, l := range tc.layers {
				if !seen[l] {
					t.Errorf("layer %s not reported", l)
				}
			}
			if last != tc.lastPercent {
				t.Errorf("last percent %.1f, want %.1f", last, tc.lastPercent)
			}
		})
	}
}

// Layers whose size is not known yet count as the average known size, and a
// layer's download and extraction are half of it each.
func TestPullTrackerPercent(t *testing.T) {
	tr := newPullTracker()
	step := func(status, id string, cur, total int64) float64 {
		var m jsonstream.Message
		line := fmt.Sprintf(`{"status":%q,"id":%q,"progressDetail":{"current":%d,"total":%d}}`, status, id, cur, total)
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		return tr.update(m).Percent
	}
	if got := step("Pulling fs layer", "a", 0, 0); got != -1 {
		t.Errorf("before any size: %v, want -1", got)
	}
	step("Waiting", "b", 0, 0)
	// a: 100 bytes, half downloaded (a quarter of its share); b counts as 100 too.
	if got := step("Downloading", "a", 50, 100); got != 12.5 {
		t.Errorf("a half downloaded: %v, want 12.5", got)
	}
	if got := step("Download complete", "a", 0, 0); got != 25 {
		t.Errorf("a downloaded: %v, want 25", got)
	}
	// b turns out to be 300 bytes: a's share shrinks to a quarter.
	if got := step("Downloading", "b", 150, 300); got != 100*(100*0.5+300*0.25)/400 {
		t.Errorf("b half downloaded: %v", got)
	}
	step("Pull complete", "a", 0, 0)
	if got := step("Pull complete", "b", 0, 0); got != 100 {
		t.Errorf("all complete: %v, want 100", got)
	}
}

// A pull from a real registry on 127.0.0.1 (Debian's docker-registry) through
// the real engine: progress arrives and ends at 100 %, EnsureImage skips an
// image that is already here, and a missing image fails fast, by name.
func TestPullFromLocalRegistry(t *testing.T) {
	e := testEngine(t)
	registry := startRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	image := registry + "/smallfry/pull-test:1"
	pushFixtureImage(t, e, image)

	var got []Progress
	if err := e.EnsureImage(ctx, image, func(p Progress) { got = append(got, p) }); err != nil {
		t.Fatalf("EnsureImage: %v", err)
	}
	t.Cleanup(func() { e.cli.ImageRemove(context.Background(), image, client.ImageRemoveOptions{Force: true}) })
	if len(got) == 0 {
		t.Fatal("no progress reported")
	}
	layers := 0
	for _, p := range got {
		if p.Status == "Pull complete" {
			layers++
		}
	}
	if layers != 1 || got[len(got)-1].Percent != 100 {
		t.Errorf("progress %+v: want one completed layer and 100%% at the end", got)
	}
	if ok, err := e.HasImage(ctx, image); err != nil || !ok {
		t.Errorf("HasImage after the pull = %v, %v", ok, err)
	}

	calls := 0
	if err := e.EnsureImage(ctx, image, func(Progress) { calls++ }); err != nil || calls != 0 {
		t.Errorf("EnsureImage of a present image: %v, %d progress calls; want no pull", err, calls)
	}

	missing := registry + "/smallfry/no-such-image:1"
	start := time.Now()
	err := e.Pull(ctx, missing, nil)
	if backend.ErrorCode(err) != backend.ENOTFOUND || !strings.Contains(err.Error(), missing) {
		t.Errorf("Pull(%s) = %v (code %s), want not_found naming the image", missing, err, backend.ErrorCode(err))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the failed pull took %s", d)
	}
	t.Logf("error: %v", err)
}

// No public registry is reachable: the pull fails by the deadline at the
// latest, naming the image.
func TestPullUnreachableRegistry(t *testing.T) {
	e := testEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	image := "smallfry-test/does-not-exist:1"
	start := time.Now()
	err := e.Pull(ctx, image, nil)
	if err == nil {
		t.Fatalf("Pull(%s) succeeded", image)
	}
	if !strings.Contains(err.Error(), image) {
		t.Errorf("error %q does not name %s", err, image)
	}
	if d := time.Since(start); d > 11*time.Second {
		t.Errorf("Pull took %s despite a 10 s deadline", d)
	}
	t.Logf("error after %s: %v", time.Since(start).Round(time.Millisecond), err)
}

func TestPullInvalidName(t *testing.T) {
	e := testEngine(t)
	err := e.Pull(context.Background(), "Not A Valid/Name!", nil)
	if backend.ErrorCode(err) != backend.EINVALID {
		t.Errorf("Pull of an invalid name = %v (code %s), want invalid", err, backend.ErrorCode(err))
	}
}

// startRegistry runs Debian's docker-registry on a free loopback port until the
// test ends and returns its host:port. The engine treats 127.0.0.0/8 registries
// as insecure (plain HTTP) by default.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatal("docker-registry is missing: install it with scripts/install-deps.sh")
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pushFixtureImage imports a one-layer image (4 MB of random bytes, so the
// download reports progress) as image, pushes it, and removes it locally.
func pushFixtureImage(t *testing.T, e *Engine, image string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	blob := make([]byte, 4<<20)
	rand.Read(blob)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "data/blob", Mode: 0o644, Size: int64(len(blob)), Typeflag: tar.TypeReg})
	tw.Write(blob)
	tw.Close()
	res, err := e.cli.ImageImport(ctx, client.ImageImportSource{Source: &buf, SourceName: "-"}, image, client.ImageImportOptions{})
	if err != nil {
		t.Fatalf("import fixture: %v", err)
	}
	if err := decodePull(res, nil); err != nil {
		t.Fatalf("import fixture: %v", err)
	}
	res.Close()
	// The engine wants an auth header even for a registry without auth.
	push, err := e.cli.ImagePush(ctx, image, client.ImagePushOptions{RegistryAuth: base64.URLEncoding.EncodeToString([]byte("{}"))})
	if err != nil {
		t.Fatalf("push fixture: %v", err)
	}
	err = decodePull(push, nil)
	push.Close()
	if err != nil {
		t.Fatalf("push fixture: %v", err)
	}
	if _, err := e.cli.ImageRemove(ctx, image, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
		t.Fatalf("remove fixture: %v", err)
	}
	if ok, _ := e.HasImage(ctx, image); ok {
		t.Fatal("fixture still present after remove")
	}
}
