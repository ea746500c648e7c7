package python

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/moby/moby/client"
	"github.com/parquet-go/parquet-go"

	"smallfry/backend/s3/s3test"
)

// MinIO from the environment (scripts/minio.sh's env file), else one started
// from the cached binary for this package's tests.
func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// boto3 in a Docker kernel reads the lake in MinIO with the keys the app's
// provider gives it, and keeps doing so when the provider's keys change.
// The keys are real temporary keys from MinIO's STS (AssumeRole signed with
// the root keys): A, then B. A is revoked in MinIO (its own admin API,
// revoke-tokens) while the kernel still uses it; the kernel's reads then
// fail, fail with InvalidAccessKeyId on made-up keys pushed next, and
// succeed again once the provider has B, in the same boto3 client, with no
// restart. Each read prints which access key signed its requests (a
// fingerprint, never the value). The container reaches MinIO through a
// forwarder on the Docker network's gateway that lives as long as the test.
func TestDockerKernelReadsLakeWithRefreshedKeys(t *testing.T) {
	image := os.Getenv("SMALLFRY_KERNEL_IMAGE")
	if os.Getenv("SMALLFRY_DOCKER") == "" || image == "" {
		t.Skip("SMALLFRY_DOCKER and SMALLFRY_KERNEL_IMAGE are not set: run `make docker` (make test does)")
	}
	s3test.Need(t)
	ctx := context.Background()
	endpoint := s3test.Endpoint()
	root, err := s3test.RootCredentials().Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The lake: two days of a Hive-partitioned table.
	bucket := s3test.NewBucket(t)
	admin := s3test.Admin(t, bucket).Client()
	type row struct {
		N int64 `parquet:"n"`
	}
	days := map[string][]row{"2026-01-01": {{1}, {2}, {3}}, "2026-01-02": {{10}, {20}}}
	for day, rows := range days {
		var buf bytes.Buffer
		if err := parquet.Write(&buf, rows); err != nil {
			t.Fatal(err)
		}
		key := "sales/day=" + day + "/part-0.parquet"
		if _, err := admin.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(buf.Bytes())}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}

	// A expires as STS's shortest keys do, in 15 minutes: inside botocore's
	// advisory window (and the kernel endpoint's), so every read fetches
	// the endpoint again and the kernel asks the app for the provider's keys.
	tag := randomHex(4)
	keysA := assumeRole(t, endpoint, root, 900, "smallfry-test-a-"+tag)
	keysB := assumeRole(t, endpoint, root, 3600, "smallfry-test-b-"+tag)
	keysW := newKeys(14 * time.Minute) // keys MinIO never issued
	t.Cleanup(func() { revokeTokens(t, endpoint, keysB) })
	if got := listCode(t, endpoint, bucket, keysA); got != "" {
		t.Fatalf("MinIO refused the keys its STS just issued: %s", got)
	}

	src := &keySource{creds: keysA}
	kk := startDockerKeyKernel(t, image, "lake-", src, keysA, keysB, keysW)
	session := kk.session
	run := func(code string) string { t.Helper(); return kk.run(t, code, nil) }
	want := func(step, got, want string) {
		t.Helper()
		t.Logf("%s: %s", step, strings.TrimSpace(got))
		if got != want {
			t.Fatalf("%s: the kernel printed\n%s\nwant\n%s", step, got, want)
		}
	}
	read := func(c aws.Credentials, result string) string {
		return fmt.Sprintf("%s signed %s session %s\n", result, fingerprint(c.AccessKeyID), fingerprint(c.AccessKeyID))
	}

	// The kernel (and its container) starts with the first cell.
	want("the kernel's keys", run("import boto3\nsession = boto3.Session()\nprint(session.get_credentials().method)"), "container-role\n")
	gateway := forwardToContainers(t, session, strings.TrimPrefix(endpoint, "http://"))

	got := run(`
import hashlib, io, botocore.exceptions
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
def fp(s):
    return hashlib.sha256(s.encode()).hexdigest()[:16]
s3 = session.client("s3", endpoint_url="http://` + gateway + `", region_name="us-east-1")
signed = []
def record(request, **kwargs):
    auth = request.headers.get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    signed.append(auth.split("Credential=")[1].split("/")[0])
s3.meta.events.register("before-send.s3", record)
def read_lake():
    signed.clear()
    try:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="` + bucket + `", Prefix="sales/")["Contents"]]
        t = pa.concat_tables(pq.read_table(io.BytesIO(s3.get_object(Bucket="` + bucket + `", Key=k)["Body"].read())) for k in keys)
        result = f"read {len(keys)} files {t.num_rows} rows sum {pc.sum(t['n']).as_py()}"
    except botocore.exceptions.ClientError as e:
        result = "failed " + e.response["Error"]["Code"]
    used = sorted({fp(k) for k in signed})
    print(result, "signed", ",".join(used), "session", fp(session.get_credentials().access_key))
read_lake()
`)
	want("with keys A", got, read(keysA, "read 2 files 5 rows sum 36"))

	// A is revoked in MinIO; the provider still has it.
	revokeTokens(t, endpoint, keysA)
	code := listCode(t, endpoint, bucket, keysA)
	if code == "" {
		t.Fatal("MinIO still takes keys A after revoke-tokens")
	}
	want("with keys A revoked", run("read_lake()"), read(keysA, "failed "+code))

	// Keys MinIO never issued: the kernel sends what it is given.
	src.set(keysW)
	want("with made-up keys", run("read_lake()"), read(keysW, "failed InvalidAccessKeyId"))

	// The provider refreshes to B: the same client reads again.
	src.set(keysB)
	want("with keys B", run("read_lake()"), read(keysB, "read 2 files 5 rows sum 36"))
}

// forwardToContainers makes target (MinIO on the host's 127.0.0.1)
// reachable from the kernel container of session: it listens on the
// gateway of the container's network, the host's own address on that
// network (docker0's 172.17.0.1 usually; the engine runs with
// --iptables=false, so containers have no other way out), and copies each
// connection to target and back. It returns the address to dial from the
// container. The listener exists only for the test's lifetime: nothing in
// Smallfry binds beyond loopback.
func forwardToContainers(t *testing.T, session, target string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Fatalf("docker: %v", err)
	}
	// The bridge network's IPAM config names no gateway unless one was
	// configured; the container's endpoint always has it.
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("label", "smallfry.session="+session)})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("the session's container: %d found, %v", len(list.Items), err)
	}
	info, err := cli.ContainerInspect(ctx, list.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect the kernel container: %v", err)
	}
	var gateway netip.Addr
	if ns := info.Container.NetworkSettings; ns != nil {
		for _, ep := range ns.Networks {
			if ep != nil && ep.Gateway.Is4() {
				gateway = ep.Gateway
				break
			}
		}
	}
	if !gateway.IsValid() {
		t.Fatal("the kernel container's network has no IPv4 gateway")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(gateway.String(), "0"))
	if err != nil {
		t.Fatalf("listen on the bridge's gateway: %v", err)
	}
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	track := func(c net.Conn) bool {
		mu.Lock()
		defer mu.Unlock()
		if conns == nil {
			c.Close()
			return false
		}
		conns[c] = struct{}{}
		return true
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				out, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer out.Close()
				if !track(in) || !track(out) {
					return
				}
				done := make(chan struct{})
				go func() {
					io.Copy(out, in)
					out.(*net.TCPConn).CloseWrite()
					close(done)
				}()
				io.Copy(in, out)
				in.(*net.TCPConn).CloseWrite()
				<-done
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		conns = nil
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// minioRequest sends a request signed (SigV4) with c for service, and
// returns the status and body.
func minioRequest(t *testing.T, c aws.Credentials, service, method, u, body string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(ctx, c, req, hash, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// assumeRole gets temporary keys from MinIO's STS for the root user,
// tagged with a token revoke type (revokeTokens revokes them by it).
func assumeRole(t *testing.T, endpoint string, root aws.Credentials, seconds int, revokeType string) aws.Credentials {
	t.Helper()
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
		"DurationSeconds": {strconv.Itoa(seconds)}, "TokenRevokeType": {revokeType}}
	status, body := minioRequest(t, root, "sts", http.MethodPost, endpoint+"/", form.Encode())
	var out struct {
		Credentials struct {
			AccessKeyID     string    `xml:"AccessKeyId"`
			SecretAccessKey string    `xml:"SecretAccessKey"`
			SessionToken    string    `xml:"SessionToken"`
			Expiration      time.Time `xml:"Expiration"`
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if status != http.StatusOK {
		t.Fatalf("AssumeRole: %d %s", status, errorCode(body))
	}
	if err := xml.Unmarshal(body, &out); err != nil || out.Credentials.AccessKeyID == "" {
		t.Fatalf("AssumeRole's answer: %v", err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: true, Expires: c.Expiration}
}

// revokeTokens revokes, in MinIO, the temporary keys c and every other
// with its token revoke type (a self-revoke, signed with c).
func revokeTokens(t *testing.T, endpoint string, c aws.Credentials) {
	t.Helper()
	if status, body := minioRequest(t, c, "s3", http.MethodPost, endpoint+"/minio/admin/v3/revoke-tokens/builtin", ""); status != http.StatusNoContent && status != http.StatusOK {
		t.Fatalf("revoke-tokens: %d %s", status, errorCode(body))
	}
}

// listCode lists the bucket with c: "" when MinIO takes the keys, else its
// error code.
func listCode(t *testing.T, endpoint, bucket string, c aws.Credentials) string {
	t.Helper()
	status, body := minioRequest(t, c, "s3", http.MethodGet, endpoint+"/"+bucket+"?list-type=2", "")
	if status == http.StatusOK {
		return ""
	}
	return errorCode(body)
}

// errorCode is the Code of an S3, STS or admin API error body (XML or JSON).
func errorCode(body []byte) string {
	var x struct {
		Code  string `xml:"Code"`
		Error struct {
			Code string `xml:"Code"`
		} `xml:"Error"`
	}
	if xml.Unmarshal(body, &x) == nil {
		if x.Code != "" {
			return x.Code
		}
		if x.Error.Code != "" {
			return x.Error.Code
		}
	}
	if i := bytes.Index(body, []byte(`"Code":"`)); i >= 0 {
		rest := body[i+len(`"Code":"`):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			return string(rest[:j])
		}
	}
	return fmt.Sprintf("(%d bytes)", len(body))
}
