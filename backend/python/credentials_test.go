package python

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend/bridge"
	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
	"smallfry/backend/notebook"
)

// keySource is the app's provider: keys the test sets.
type keySource struct {
	mu    sync.Mutex
	creds aws.Credentials
}

func (s *keySource) Retrieve(context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds, nil
}

func (s *keySource) set(c aws.Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = c
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newKeys(d time.Duration) aws.Credentials {
	return aws.Credentials{AccessKeyID: "AKIATEST" + strings.ToUpper(randomHex(6)), SecretAccessKey: "secret" + randomHex(18),
		SessionToken: "token" + randomHex(40), CanExpire: true, Expires: time.Now().Add(d).Truncate(time.Second)}
}

func fingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

func keysFingerprint(c aws.Credentials) string {
	return fingerprint(c.AccessKeyID + "|" + c.SecretAccessKey + "|" + c.SessionToken)
}

// The same keys path as a local kernel's (backend/bridge's tests), in a
// kernel container of the test image: Debian's ipykernel 6.17 there, the
// endpoint on the container's own loopback, the control channel through
// the port published on the host's 127.0.0.1. MinIO on the host's loopback
// is out of the container's reach (its own network namespace, and no route
// out with --iptables=false), so the S3 read itself is tested with a local
// kernel; here pyarrow's signature shows which keys it would send.
func TestDockerKernelGetsKeys(t *testing.T) {
	image := os.Getenv("SMALLFRY_KERNEL_IMAGE")
	if os.Getenv("SMALLFRY_DOCKER") == "" || image == "" {
		t.Skip("SMALLFRY_DOCKER and SMALLFRY_KERNEL_IMAGE are not set: run `make docker` (make test does)")
	}
	k1, k2 := newKeys(14*time.Minute), newKeys(time.Hour)
	src := &keySource{creds: k1}
	kk := startDockerKeyKernel(t, image, "keys-", src, k1, k2)
	scratch := kk.scratch
	run := func(code string, onOutput func(kernel.Output)) string { t.Helper(); return kk.run(t, code, onOutput) }

	got := run(`
import hashlib, os, boto3, ipykernel
def fp(c):
    return hashlib.sha256(f"{c.access_key}|{c.secret_key}|{c.token}".encode()).hexdigest()[:16]
c = boto3.Session().get_credentials()
print(c.method, fp(c.get_frozen_credentials()))
print(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"].split(":")[1], sorted(k for k in os.environ if k.startswith("AWS_")))
print("ipykernel", ipykernel.__version__)
`, nil)
	lines := strings.Split(got, "\n")
	if len(lines) < 3 || lines[0] != "container-role "+keysFingerprint(k1) ||
		lines[1] != "//127.0.0.1 ['AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_SHARED_CREDENTIALS_FILE']" {
		t.Fatalf("in the container:\n%s\nwant container-role %s, the endpoint on 127.0.0.1 and no key in the environment", got, keysFingerprint(k1))
	}
	t.Log(lines[2])

	// Rotation while a cell runs, as in backend/bridge's test.
	var once sync.Once
	got = run(`
import time
print("first", fp(c.get_frozen_credentials()), flush=True)
deadline = time.monotonic() + 30
while not os.path.exists("/smallfry/rotated") and time.monotonic() < deadline:
    time.sleep(0.05)
print("second", fp(c.get_frozen_credentials()))
`, func(o kernel.Output) {
		if s, _ := o["text"].(string); strings.Contains(s, "first") {
			once.Do(func() {
				src.set(k2)
				os.WriteFile(filepath.Join(scratch, "rotated"), nil, 0o644)
			})
		}
	})
	if want := "first " + keysFingerprint(k1) + "\nsecond " + keysFingerprint(k2) + "\n"; got != want {
		t.Errorf("the running cell printed\n%s\nwant\n%s", got, want)
	}

	// pyarrow 25 (the image's) signs with the same keys, found by itself.
	got = run(`
import http.server, threading
import pyarrow.fs as pafs
seen = []
class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        seen.append(self.headers.get("Authorization", ""))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_HEAD = do_GET
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
threading.Thread(target=srv.serve_forever, daemon=True).start()
pafs.S3FileSystem(endpoint_override=f"127.0.0.1:{srv.server_address[1]}", scheme="http", region="us-east-1").get_file_info("b/k")
srv.shutdown()
print(hashlib.sha256(seen[0].split("Credential=")[1].split("/")[0].encode()).hexdigest()[:16])
`, nil)
	if want := fingerprint(k2.AccessKeyID) + "\n"; got != want {
		t.Errorf("pyarrow in the container signed with %q, want %s", got, want)
	}
}

func cellText(out *bridge.Outcome) string {
	if out == nil || out.Reply == nil {
		return ""
	}
	var s strings.Builder
	for _, o := range out.Outputs {
		if t, ok := o["text"].(string); ok {
			s.WriteString(t)
		}
	}
	return s.String()
}

// checkNoSecrets looks for the keys' values in every file of the scratch
// folder (bind-mounted into the container) and in the outputs and logs.
func checkNoSecrets(t *testing.T, scratch string, outputs []string, keys ...aws.Credentials) {
	t.Helper()
	var values []string
	for _, k := range keys {
		values = append(values, k.AccessKeyID, k.SecretAccessKey, k.SessionToken)
	}
	files := 0
	filepath.WalkDir(scratch, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		for _, v := range values {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("a key is in %s", p)
			}
		}
		return nil
	})
	if files == 0 {
		t.Error("no files in the scratch folder: the check proves nothing")
	}
	for _, o := range outputs {
		for _, v := range values {
			if strings.Contains(o, v) {
				t.Error("a key is in an output")
			}
		}
	}
}

// dockerKeyKernel is a Docker kernel of the test image whose keys come from
// a provider. When the test ends it checks that none of the keys reached
// the scratch folder, a cell's output or the container's own log.
type dockerKeyKernel struct {
	b                *bridge.Bridge
	session, scratch string
	outputs          []string
}

func startDockerKeyKernel(t *testing.T, image, prefix string, src aws.CredentialsProvider, secrets ...aws.Credentials) *dockerKeyKernel {
	t.Helper()
	ctx := context.Background()
	ks := &Kernels{ScratchRoot: t.TempDir(), Docker: &DockerKernels{}, Credentials: func() aws.CredentialsProvider { return src }}
	db, err := duckdb.Open(ctx, duckdb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	session := prefix + randomHex(4)
	b, err := ks.Open(ctx, db, notebook.New(), session, image)
	if err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(ks.ScratchRoot, session)
	kk := &dockerKeyKernel{b: b, session: session, scratch: scratch}
	t.Cleanup(func() {
		// The kernel's own stdout and stderr, as the engine keeps them.
		ids, err := exec.Command("docker", "ps", "-q", "--filter", "label=smallfry.session="+session).Output()
		if err != nil || len(strings.Fields(string(ids))) != 1 {
			t.Errorf("the session's container: %q, %v", ids, err)
		} else if logs, err := exec.Command("docker", "logs", strings.TrimSpace(string(ids))).CombinedOutput(); err != nil {
			t.Errorf("docker logs: %v", err)
		} else {
			kk.outputs = append(kk.outputs, string(logs))
		}
		// Before Close, which removes the session's scratch folder.
		checkNoSecrets(t, scratch, kk.outputs, secrets...)
		b.Close(context.Background())
	})
	return kk
}

// run runs code in the kernel and fails the test unless it ran without
// error; it returns the cell's text, which the leak check reads too.
func (kk *dockerKeyKernel) run(t *testing.T, code string, onOutput func(kernel.Output)) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out, err := kk.b.Execute(ctx, code, onOutput)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	got := cellText(out)
	kk.outputs = append(kk.outputs, got, out.Evalue, strings.Join(out.Traceback, "\n"))
	if out.Status != "ok" {
		t.Fatalf("%s: %s %q", out.Ename, out.Evalue, out.Traceback)
	}
	return got
}
