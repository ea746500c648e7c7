package bridge

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend/duckdb"
	"smallfry/backend/kernel"
)

// keySource is the app's provider in these tests: keys the test sets, or an
// error, with the number of times it was asked.
type keySource struct {
	mu    sync.Mutex
	creds aws.Credentials
	err   error
	asked int
	delay time.Duration // each Retrieve takes this long (an STS call)
}

func (s *keySource) Retrieve(context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	s.asked++
	c, err, d := s.creds, s.err, s.delay
	s.mu.Unlock()
	time.Sleep(d)
	return c, err
}

func (s *keySource) set(c aws.Credentials, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds, s.err = c, err
}

func (s *keySource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked
}

// newKeys makes random keys that expire in d; every value is a secret the
// tests look for where it must not be.
func newKeys(t *testing.T, d time.Duration) aws.Credentials {
	t.Helper()
	r := func(n int) string {
		b := make([]byte, n)
		rand.Read(b)
		return hex.EncodeToString(b)
	}
	return aws.Credentials{AccessKeyID: "AKIATEST" + strings.ToUpper(r(6)), SecretAccessKey: "secret" + r(18),
		SessionToken: "token" + r(40), CanExpire: true, Expires: time.Now().Add(d).Truncate(time.Second)}
}

// fingerprint is what the kernel prints instead of keys (a test that printed
// them would put them in an output).
func fingerprint(c aws.Credentials) string {
	sum := sha256.Sum256([]byte(c.AccessKeyID + "|" + c.SecretAccessKey + "|" + c.SessionToken))
	return hex.EncodeToString(sum[:8])
}

// fingerprintPy defines fp(frozen_credentials) in the kernel, as fingerprint.
const fingerprintPy = `
import hashlib as _h
def fp(c):
    return _h.sha256(f"{c.access_key}|{c.secret_key}|{c.token or ''}".encode()).hexdigest()[:16]
`

// keyBridge is a bridge on a local kernel whose keys come from src. The
// test's end checks that no secret of the keys is in the scratch folder
// (connection file, start-up file, IPython's history), the bridge's log or
// any output the test collected with outputs.
type keyBridge struct {
	*Bridge
	scratch  string
	log      *lockedWriter
	launcher *recordingLauncher
	mu       sync.Mutex
	outputs  []string
}

func newKeyBridge(t *testing.T, src aws.CredentialsProvider, secrets func() []aws.Credentials) *keyBridge {
	t.Helper()
	ctx := context.Background()
	db, err := duckdb.Open(ctx, duckdb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	kb := &keyBridge{scratch: t.TempDir(), log: &lockedWriter{}, launcher: &recordingLauncher{}}
	logger := slog.New(slog.NewTextHandler(kb.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	kb.Bridge = New(db, Config{Spec: pythonSpec(t), Launcher: kb.launcher, Scratch: kb.scratch,
		Options: kernel.Options{Logger: logger}, Credentials: src})
	t.Cleanup(func() {
		kb.Close(context.Background())
		if secrets != nil {
			kb.checkNoSecrets(t, secrets())
		}
	})
	return kb
}

// run runs code and fails the test unless it ran without error; it returns
// the cell's text.
func (kb *keyBridge) run(t *testing.T, code string) string {
	t.Helper()
	out := kb.exec(t, code, nil)
	if out.Status != "ok" {
		t.Fatalf("%s: %s %q", out.Ename, out.Evalue, out.Traceback)
	}
	return text(out)
}

func (kb *keyBridge) exec(t *testing.T, code string, onOutput func(kernel.Output)) *Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := kb.Execute(ctx, code, onOutput)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	b, _ := json.Marshal(out.Reply)
	kb.mu.Lock()
	kb.outputs = append(kb.outputs, string(b))
	kb.mu.Unlock()
	return out
}

// checkNoSecrets fails the test for each place leaks finds a key in.
func (kb *keyBridge) checkNoSecrets(t *testing.T, keys []aws.Credentials) {
	t.Helper()
	for _, where := range kb.leaks(keys) {
		t.Errorf("a key is in %s", where)
	}
}

// leaks looks for each secret value of keys in every file under the scratch
// folder, the bridge's log, the kernel process's output and the cells'
// outputs, and says where it found one.
// flushHistory has IPython write its history now (it writes from a thread,
// when it gets to it; and at exit), so that a check reads all of it.
func (kb *keyBridge) flushHistory(t *testing.T) {
	t.Helper()
	kb.run(t, "get_ipython().history_manager.writeout_cache()")
}

func (kb *keyBridge) leaks(keys []aws.Credentials) []string {
	var values []string
	for _, k := range keys {
		for _, v := range []string{k.AccessKeyID, k.SecretAccessKey, k.SessionToken} {
			if v != "" {
				values = append(values, v)
			}
		}
	}
	var found []string
	has := func(where, s string) {
		for _, v := range values {
			if strings.Contains(s, v) {
				found = append(found, where)
				return
			}
		}
	}
	files := 0
	filepath.WalkDir(kb.scratch, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			files++
			has(p, string(b))
		}
		return nil
	})
	if files == 0 {
		found = append(found, "nowhere: no files in the scratch folder, the check proves nothing")
	}
	has("the log", kb.log.String())
	has("the kernel process's stdout or stderr", kb.launcher.logs())
	kb.mu.Lock()
	defer kb.mu.Unlock()
	for _, o := range kb.outputs {
		has("an output", o)
	}
	return found
}

// The leak check finds a key where one is: a file in the scratch folder,
// IPython's history, an output.
func TestLeakCheck(t *testing.T) {
	k1 := newKeys(t, time.Hour)
	kb := newKeyBridge(t, &keySource{creds: k1}, nil)
	kb.run(t, `
import boto3, os
c = boto3.Session().get_credentials().get_frozen_credentials()
open(os.path.join(os.environ["SMALLFRY_SCRATCH"], "leak.txt"), "w").write(c.secret_key)
print(c.access_key)
`)
	kb.run(t, "x = '"+k1.SessionToken+"'")
	kb.flushHistory(t)
	got := strings.Join(kb.leaks([]aws.Credentials{k1}), "\n")
	for _, want := range []string{"leak.txt", "history.sqlite", "an output"} {
		if !strings.Contains(got, want) {
			t.Errorf("the leak check found keys in\n%s\nnot in %s", got, want)
		}
	}
}

// recordingLauncher is a LocalLauncher that keeps its processes, for
// their stdout and stderr.
type recordingLauncher struct {
	mu    sync.Mutex
	procs []kernel.Process
}

func (l *recordingLauncher) Launch(ctx context.Context, ls kernel.LaunchSpec) (kernel.Process, error) {
	p, err := kernel.LocalLauncher{}.Launch(ctx, ls)
	if err == nil {
		l.mu.Lock()
		l.procs = append(l.procs, p)
		l.mu.Unlock()
	}
	return p, err
}

func (l *recordingLauncher) logs() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s strings.Builder
	for _, p := range l.procs {
		if lg, ok := p.(kernel.Logger); ok {
			s.WriteString(lg.Logs())
		}
	}
	return s.String()
}

func (kb *keyBridge) logText() string { return kb.log.String() }

// lockedWriter is a log buffer the bridge's goroutines write to.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// boto3's default chain in the kernel finds the pushed keys through the
// container provider; the kernel's environment has the endpoint and its
// token but no AWS key, not even those the app's own environment holds.
func TestKernelGetsKeys(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAINHERITED")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "inherited-secret")
	t.Setenv("AWS_PROFILE", "inherited")
	k1 := newKeys(t, time.Hour)
	src := &keySource{creds: k1}
	kb := newKeyBridge(t, src, func() []aws.Credentials { return []aws.Credentials{k1} })

	got := kb.run(t, fingerprintPy+`
import boto3
c = boto3.Session().get_credentials()
print(c.method, fp(c.get_frozen_credentials()))
`)
	if want := "container-role " + fingerprint(k1) + "\n"; got != want {
		t.Errorf("boto3 in the kernel: %q, want %q", got, want)
	}
	env := kb.run(t, `
import json, os, subprocess
print(json.dumps({"os.environ": dict(os.environ),
                  "a child's": subprocess.run(["env"], capture_output=True, text=True).stdout,
                  "/proc": open("/proc/self/environ", "rb").read().decode(errors="replace")}))
`)
	var dumps map[string]any
	if err := json.Unmarshal([]byte(env), &dumps); err != nil {
		t.Fatalf("env dump %q: %v", env, err)
	}
	for where, d := range dumps {
		s, _ := json.Marshal(d)
		for _, bad := range []string{k1.AccessKeyID, k1.SecretAccessKey, k1.SessionToken, "AKIAINHERITED", "inherited-secret", "AWS_PROFILE"} {
			if strings.Contains(string(s), bad) {
				t.Errorf("%s environment has %q", where, bad)
			}
		}
		// startup.py sets the endpoint's variables after the process began.
		if where != "/proc" && !strings.Contains(string(s), "AWS_CONTAINER_CREDENTIALS_FULL_URI") {
			t.Errorf("%s environment has no AWS_CONTAINER_CREDENTIALS_FULL_URI", where)
		}
	}
	if n := src.count(); n != 1 {
		t.Errorf("the provider was asked %d times for one push at start, want 1", n)
	}
}

// Keys rotate while a cell runs: the kernel asks on IOPub, the app answers
// on the control channel, and the running cell's second call gets the new
// keys. The first keys expire in 14 minutes, inside botocore's 15-minute
// advisory window (outside its 10-minute mandatory one), so botocore asks
// the endpoint again on every call, which asks the app.
func TestKeysRotateWhileACellRuns(t *testing.T) {
	k1, k2 := newKeys(t, 14*time.Minute), newKeys(t, time.Hour)
	src := &keySource{creds: k1}
	kb := newKeyBridge(t, src, func() []aws.Credentials { return []aws.Credentials{k1, k2} })
	gate := filepath.Join(kb.scratch, "rotated")

	rotated := make(chan struct{})
	var once sync.Once
	out := kb.exec(t, fingerprintPy+`
import boto3, os, time
c = boto3.Session().get_credentials()
print("first", fp(c.get_frozen_credentials()), flush=True)
deadline = time.monotonic() + 30
while not os.path.exists(os.path.join(os.environ["SMALLFRY_SCRATCH"], "rotated")) and time.monotonic() < deadline:
    time.sleep(0.05)
print("second", fp(c.get_frozen_credentials()))
print("third", fp(c.get_frozen_credentials()))
`, func(o kernel.Output) {
		if t, _ := o["text"].(string); strings.Contains(t, "first") {
			once.Do(func() {
				src.set(k2, nil)
				os.WriteFile(gate, nil, 0o644)
				close(rotated)
			})
		}
	})
	if out.Status != "ok" {
		t.Fatalf("%s: %s %q", out.Ename, out.Evalue, out.Traceback)
	}
	select {
	case <-rotated:
	default:
		t.Fatal("the cell never printed its first keys")
	}
	want := "first " + fingerprint(k1) + "\nsecond " + fingerprint(k2) + "\nthird " + fingerprint(k2) + "\n"
	if got := text(out); got != want {
		t.Errorf("the cell printed\n%s\nwant\n%s", got, want)
	}
	if n := strings.Count(kb.logText(), "the kernel asked for AWS keys"); n < 1 {
		t.Errorf("the kernel asked for keys %d times, want at least once (the second call's refresh)", n)
	}
	// A later cell, on a new session, gets the new keys straight from the
	// kernel's memory: they are fresh, so the app is not asked again.
	before := src.count()
	if got := kb.run(t, fingerprintPy+"import boto3\nprint(fp(boto3.Session().get_credentials().get_frozen_credentials()))"); got != fingerprint(k2)+"\n" {
		t.Errorf("a later cell got %q, want %s", got, fingerprint(k2))
	}
	if n := src.count() - before; n != 0 {
		t.Errorf("the provider was asked %d times for fresh keys the kernel holds", n)
	}
}

// The app pushes new keys on its own ahead of the kernel's expiry: the
// kernel holds them before any code asks.
func TestRefreshedKeysArePushed(t *testing.T) {
	k1, k2 := newKeys(t, refreshLead+3*time.Second), newKeys(t, time.Hour)
	src := &keySource{creds: k1}
	kb := newKeyBridge(t, src, func() []aws.Credentials { return []aws.Credentials{k1, k2} })
	kb.keys.retry = time.Second // before the kernel starts its refresh loop
	held := "import smallfry\nprint(smallfry._credentials_status()['expiration'])"
	if got, want := kb.run(t, held), expiration(k1)+"\n"; got != want {
		t.Fatalf("the kernel holds keys expiring %q, want the first keys' %s", got, want)
	}
	src.set(k2, nil)
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := kb.run(t, held)
		if got == expiration(k2)+"\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s on, the kernel holds keys expiring %q, want the new keys' %s", got, expiration(k2))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := strings.Count(kb.logText(), "the kernel asked for AWS keys"); n != 0 {
		t.Errorf("the kernel asked %d times: the keys were to be pushed unasked", n)
	}
}

func expiration(c aws.Credentials) string { return c.Expires.UTC().Format(time.RFC3339) }

// The endpoint's broken inputs: a wrong or missing token gets 403, another
// path 404; a provider that fails gets the kernel's cell botocore's error
// with the provider's message, quickly, not a hang.
func TestEndpointRefusals(t *testing.T) {
	k1 := newKeys(t, time.Hour)
	src := &keySource{creds: k1}
	kb := newKeyBridge(t, src, func() []aws.Credentials { return []aws.Credentials{k1} })
	got := kb.run(t, `
import os, urllib.request, urllib.error
uri, token = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
def status(url, headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
print(status(uri, {"Authorization": "wrong"}), status(uri, {}), status(uri, {"Authorization": token + "x"}),
      status(uri + "x", {"Authorization": token}), status(uri, {"Authorization": token}))
`)
	if got != "403 403 403 404 200\n" {
		t.Errorf("wrong token, none, a longer one, wrong path, right: %q, want 403 403 403 404 200", got)
	}
}

func TestProviderError(t *testing.T) {
	src := &keySource{err: errors.New("not signed in (the test's provider)")}
	kb := newKeyBridge(t, src, nil)
	begin := time.Now()
	out := kb.exec(t, "import boto3\nboto3.Session().get_credentials()", nil)
	took := time.Since(begin)
	if out.Status != "error" || out.Ename != "CredentialRetrievalError" ||
		!strings.Contains(out.Evalue, "500") || !strings.Contains(out.Evalue, "not signed in (the test's provider)") {
		t.Errorf("got %s %s: %q, want botocore's CredentialRetrievalError with the 500 and the provider's message", out.Status, out.Ename, out.Evalue)
	}
	if took > 20*time.Second {
		t.Errorf("the failing cell took %s", took)
	}
	t.Logf("botocore gave up after %s: %s", took.Round(time.Millisecond), out.Evalue)
	// Once the provider has keys again, the next call gets them.
	k1 := newKeys(t, time.Hour)
	src.set(k1, nil)
	if got := kb.run(t, fingerprintPy+"import boto3\nprint(fp(boto3.Session().get_credentials().get_frozen_credentials()))"); got != fingerprint(k1)+"\n" {
		t.Errorf("after the provider recovered: %q, want %s", got, fingerprint(k1))
	}
	kb.flushHistory(t)
	kb.checkNoSecrets(t, []aws.Credentials{k1})
}

// A provider slower than botocore's 2 s timeout for the endpoint: the
// endpoint answers each try within it (with the provider's last error while
// it waits), and a later try finds the keys that arrived meanwhile.
func TestSlowProvider(t *testing.T) {
	src := &keySource{err: errors.New("not yet")}
	kb := newKeyBridge(t, src, nil)
	kb.run(t, "1") // the kernel starts, with no keys
	k1 := newKeys(t, time.Hour)
	src.mu.Lock()
	src.creds, src.err, src.delay = k1, nil, 2500*time.Millisecond
	src.mu.Unlock()
	if got := kb.run(t, fingerprintPy+"import boto3\nprint(fp(boto3.Session().get_credentials().get_frozen_credentials()))"); got != fingerprint(k1)+"\n" {
		t.Errorf("with a slow provider: %q, want %s", got, fingerprint(k1))
	}
	if !strings.Contains(kb.logText(), "the kernel asked for AWS keys") {
		t.Error("the kernel never asked: the test proves nothing")
	}
	kb.flushHistory(t)
	kb.checkNoSecrets(t, []aws.Credentials{k1})
}

// A restarted kernel, a new process with a new endpoint, gets the keys
// pushed again.
func TestKeysAfterRestart(t *testing.T) {
	k1, k2 := newKeys(t, time.Hour), newKeys(t, time.Hour)
	src := &keySource{creds: k1}
	kb := newKeyBridge(t, src, func() []aws.Credentials { return []aws.Credentials{k1, k2} })
	code := fingerprintPy + "import boto3\nprint(fp(boto3.Session().get_credentials().get_frozen_credentials()))"
	if got := kb.run(t, code); got != fingerprint(k1)+"\n" {
		t.Fatalf("before the restart: %q, want %s", got, fingerprint(k1))
	}
	src.set(k2, nil)
	if err := kb.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	asked := src.count()
	if got := kb.run(t, code); got != fingerprint(k2)+"\n" {
		t.Errorf("after the restart: %q, want %s", got, fingerprint(k2))
	}
	if src.count() != asked {
		t.Error("the restarted kernel had to ask for keys: none were pushed at its start")
	}
}

// Without a provider nothing changes: no endpoint, no handler, and boto3's
// usual chain finds the keys of the environment the kernel inherits.
func TestNoProvider(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	kb := newKeyBridge(t, nil, nil)
	got := kb.run(t, `
import os, boto3
print(sorted(k for k in os.environ if k.startswith("AWS_CONTAINER")), "smallfry_credentials" in get_ipython().kernel.control_handlers)
print(boto3.Session().get_credentials().method)
`)
	if got != "[] False\nenv\n" {
		t.Errorf("without a provider: %q, want no endpoint variables, no handler, and boto3's env provider", got)
	}
}

// pyarrowSigner has pyarrow's S3FileSystem (the AWS C++ SDK's default
// chain) make one request to a recorder in the kernel and prints a
// fingerprint of the access key it signed with.
const pyarrowSigner = `
import hashlib, http.server, threading
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
s3 = pafs.S3FileSystem(endpoint_override=f"127.0.0.1:{srv.server_address[1]}", scheme="http", region="us-east-1")
s3.get_file_info("bucket/key")
srv.shutdown()
print(hashlib.sha256(seen[0].split("Credential=")[1].split("/")[0].encode()).hexdigest()[:16])
`

func keyIDFingerprint(c aws.Credentials) string {
	sum := sha256.Sum256([]byte(c.AccessKeyID))
	return hex.EncodeToString(sum[:8])
}

// pyarrow needs nothing of its own: the AWS C++ SDK's default chain reads
// the same endpoint (and reads it again as its keys near expiry).
func TestPyarrowFindsKeys(t *testing.T) {
	k1 := newKeys(t, time.Hour)
	kb := newKeyBridge(t, &keySource{creds: k1}, func() []aws.Credentials { return []aws.Credentials{k1} })
	if got := kb.run(t, pyarrowSigner); got != keyIDFingerprint(k1)+"\n" {
		t.Errorf("pyarrow signed with key %q, want %s", got, keyIDFingerprint(k1))
	}
}

// A real S3 (MinIO, scripts/minio.sh) read from the kernel, its root keys
// standing in for the app's temporary keys: boto3 and pyarrow with no keys
// in the code.
func TestS3InTheKernel(t *testing.T) {
	endpoint, user, pass := os.Getenv("SMALLFRY_S3_ENDPOINT"), os.Getenv("SMALLFRY_S3_ROOT_USER"), os.Getenv("SMALLFRY_S3_ROOT_PASSWORD")
	if endpoint == "" || user == "" || pass == "" {
		t.Skip("SMALLFRY_S3_ENDPOINT, SMALLFRY_S3_ROOT_USER and SMALLFRY_S3_ROOT_PASSWORD are not set: start MinIO with scripts/minio.sh start and source its env file")
	}
	keys := aws.Credentials{AccessKeyID: user, SecretAccessKey: pass, CanExpire: true, Expires: time.Now().Add(time.Hour)}
	kb := newKeyBridge(t, &keySource{creds: keys}, func() []aws.Credentials { return []aws.Credentials{keys} })
	bucket := "kernel-keys-" + strings.ToLower(newKeys(t, 0).AccessKeyID[8:])
	got := kb.run(t, `
import boto3, io, urllib.parse
import pandas as pd, pyarrow.fs as pafs, pyarrow.parquet as pq
endpoint, bucket = "`+endpoint+`", "`+bucket+`"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
print(boto3.Session().get_credentials().method)
s3.create_bucket(Bucket=bucket)
try:
    buf = io.BytesIO()
    pd.DataFrame({"n": [1, 2, 3]}).to_parquet(buf, index=False)
    s3.put_object(Bucket=bucket, Key="t/part-0.parquet", Body=buf.getvalue())
    print([o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]])
    body = s3.get_object(Bucket=bucket, Key="t/part-0.parquet")["Body"].read()
    print("boto3", int(pd.read_parquet(io.BytesIO(body)).n.sum()))
    fs = pafs.S3FileSystem(endpoint_override=urllib.parse.urlparse(endpoint).netloc, scheme="http", region="us-east-1")
    print("pyarrow", pq.read_table(bucket + "/t", filesystem=fs).num_rows)
finally:
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=o["Key"])
    s3.delete_bucket(Bucket=bucket)
`)
	if want := "container-role\n['t/part-0.parquet']\nboto3 6\npyarrow 3\n"; got != want {
		t.Errorf("S3 from the kernel:\n%s\nwant\n%s", got, want)
	}
}
