package authtest

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// IdP is where the test identity provider (scripts/idp.sh) is.
type IdP struct {
	Issuer string
	// ClientID is the public device-flow client MinIO trusts.
	ClientID string
	// ShortClientID is the same kind of client, with device codes that
	// expire in a few seconds.
	ShortClientID string
	User          User
}

// STS is a MinIO whose STS trusts an IdP.
type STS struct {
	// Endpoint serves both STS and S3.
	Endpoint string
	Region   string
	// RoleARN is the role MinIO made for the IdP's client (its role policy
	// is readwrite).
	RoleARN string
	// RootUser and RootPassword are MinIO's admin keys, to check things
	// behind the user's back; never hand them to the code under test.
	RootUser, RootPassword string
}

// Environment variables: where the peers are when a harness started them,
// and whether their absence fails a test instead of skipping it.
const (
	EnvRequirePeers = "SMALLFRY_REQUIRE_PEERS" // "1": a missing peer fails the test
	EnvIdPIssuer    = "SMALLFRY_IDP_ISSUER"
	EnvIdPClient    = "SMALLFRY_IDP_CLIENT_ID"
	EnvIdPShort     = "SMALLFRY_IDP_SHORT_CLIENT_ID"
	EnvIdPUser      = "SMALLFRY_IDP_USER"
	EnvIdPPassword  = "SMALLFRY_IDP_PASSWORD"
	EnvSTSEndpoint  = "SMALLFRY_STS_ENDPOINT" // a MinIO trusting SMALLFRY_IDP_ISSUER
	EnvSTSRoleARN   = "SMALLFRY_STS_ROLE_ARN"
	EnvMinIOScript  = "SMALLFRY_MINIO_SH" // scripts/minio.sh to use when the checkout has none
)

// mu serializes peer start-up within a process; peerLock across the test
// binaries `go test ./...` runs side by side.
var mu sync.Mutex

// peerLock holds a lock file of the checkout (in the temp folder, out of
// git's way) while a peer is found or started.
func peerLock(root string) (unlock func(), err error) {
	sum := sha1.Sum([]byte(root))
	fl := flock.New(filepath.Join(os.TempDir(), "smallfry-peers-"+hex.EncodeToString(sum[:6])+".lock"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if ok, err := fl.TryLockContext(ctx, 50*time.Millisecond); err != nil || !ok {
		return nil, fmt.Errorf("lock build/peers: %v", err)
	}
	return func() { _ = fl.Unlock() }, nil
}

// StartIdP returns the test IdP: from the environment (SMALLFRY_IDP_*),
// else from build/peers/idp/env when that provider answers, else started
// with scripts/idp.sh. A provider it starts keeps running for later test
// runs and other packages (scripts/idp.sh stop stops it). Without one the
// test is skipped, or fails under SMALLFRY_REQUIRE_PEERS=1.
func StartIdP(t testing.TB) IdP {
	t.Helper()
	idp, err := findIdP()
	if err != nil {
		unavailable(t, "the test IdP", "scripts/idp.sh start starts it", err)
	}
	return idp
}

func findIdP() (IdP, error) {
	mu.Lock()
	defer mu.Unlock()
	if os.Getenv(EnvIdPIssuer) != "" {
		return idpFromEnv(os.Getenv), nil
	}
	root, err := repoRoot()
	if err != nil {
		return IdP{}, err
	}
	unlock, err := peerLock(root)
	if err != nil {
		return IdP{}, err
	}
	defer unlock()
	envFile := filepath.Join(root, "build", "peers", "idp", "env")
	if vars, err := readEnvFile(envFile); err == nil && answers(vars[EnvIdPIssuer]+"/.well-known/openid-configuration") {
		return idpFromEnv(lookup(vars)), nil
	}
	if _, err := exec.LookPath("node"); err != nil {
		return IdP{}, fmt.Errorf("%w: node is not installed", errNoPeer)
	}
	script := filepath.Join(root, "scripts", "idp.sh")
	if err := run(script, "start"); err != nil {
		return IdP{}, err
	}
	vars, err := readEnvFile(envFile)
	if err != nil {
		return IdP{}, err
	}
	return idpFromEnv(lookup(vars)), nil
}

func idpFromEnv(get func(string) string) IdP {
	or := func(k, def string) string {
		if v := get(k); v != "" {
			return v
		}
		return def
	}
	return IdP{
		Issuer:        get(EnvIdPIssuer),
		ClientID:      or(EnvIdPClient, "smallfry-test"),
		ShortClientID: or(EnvIdPShort, "smallfry-test-short"),
		User:          User{Name: or(EnvIdPUser, "analyst"), Password: or(EnvIdPPassword, "analyst-password")},
	}
}

// StartSTS returns a MinIO whose STS trusts idp: from SMALLFRY_STS_ENDPOINT
// and SMALLFRY_STS_ROLE_ARN, else the one in build/peers/minio-sts when it
// trusts this issuer, else one started there with scripts/minio.sh (kept
// running for the next test run; `MINIO_STATE_DIR=build/peers/minio-sts
// scripts/minio.sh stop` stops it).
func StartSTS(t testing.TB, idp IdP) STS {
	t.Helper()
	s, err := findSTS(idp)
	if err != nil {
		unavailable(t, "MinIO with STS", "the tests start it with scripts/minio.sh, trusting the test IdP", err)
	}
	return s
}

func findSTS(idp IdP) (STS, error) {
	mu.Lock()
	defer mu.Unlock()
	if ep := os.Getenv(EnvSTSEndpoint); ep != "" {
		arn := os.Getenv(EnvSTSRoleARN)
		if arn == "" {
			arn = MinIORoleARN(idp.ClientID, "")
		}
		return STS{Endpoint: ep, Region: "us-east-1", RoleARN: arn}, nil
	}
	root, err := repoRoot()
	if err != nil {
		return STS{}, err
	}
	unlock, err := peerLock(root)
	if err != nil {
		return STS{}, err
	}
	defer unlock()
	state := filepath.Join(root, "build", "peers", "minio-sts")
	trust := filepath.Join(state, "trusted-issuer")
	if s, err := stsFrom(state, idp); err == nil && answers(s.Endpoint+"/minio/health/ready") {
		if b, err := os.ReadFile(trust); err == nil && strings.TrimSpace(string(b)) == idp.Issuer+" "+idp.ClientID {
			return s, nil
		}
	}
	script := os.Getenv(EnvMinIOScript)
	if script == "" {
		script = filepath.Join(root, "scripts", "minio.sh")
	}
	if _, err := os.Stat(script); err != nil {
		return STS{}, fmt.Errorf("%w: %s is missing (set %s)", errNoPeer, script, EnvMinIOScript)
	}
	env := []string{
		"MINIO_STATE_DIR=" + state,
		"MINIO_IDENTITY_OPENID_CONFIG_URL=" + idp.Issuer + "/.well-known/openid-configuration",
		"MINIO_IDENTITY_OPENID_CLIENT_ID=" + idp.ClientID,
		"MINIO_IDENTITY_OPENID_ROLE_POLICY=readwrite",
	}
	// A server trusting another issuer (an IdP restarted on a new port) is
	// restarted with this one.
	_ = runEnv(env, script, "stop")
	if err := runEnv(env, script, "start"); err != nil {
		return STS{}, err
	}
	if err := os.WriteFile(trust, []byte(idp.Issuer+" "+idp.ClientID+"\n"), 0o600); err != nil {
		return STS{}, err
	}
	return stsFrom(state, idp)
}

func stsFrom(state string, idp IdP) (STS, error) {
	vars, err := readEnvFile(filepath.Join(state, "env"))
	if err != nil {
		return STS{}, err
	}
	region := vars["SMALLFRY_S3_REGION"]
	if region == "" {
		region = "us-east-1"
	}
	return STS{
		Endpoint: vars["SMALLFRY_S3_ENDPOINT"], Region: region,
		RoleARN:  MinIORoleARN(idp.ClientID, ""),
		RootUser: vars["SMALLFRY_S3_ROOT_USER"], RootPassword: vars["SMALLFRY_S3_ROOT_PASSWORD"],
	}, nil
}

// MinIORoleARN is the role ARN MinIO derives for an OpenID provider
// configured with MINIO_IDENTITY_OPENID_ROLE_POLICY: the unpadded base64url
// SHA-1 of the client id, in the server's region (empty unless MINIO_REGION
// is set): arn:minio:iam:REGION::role/ID.
func MinIORoleARN(clientID, region string) string {
	sum := sha1.Sum([]byte(clientID))
	return "arn:minio:iam:" + region + "::role/" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func unavailable(t testing.TB, what, hint string, err error) {
	t.Helper()
	if os.Getenv(EnvRequirePeers) == "1" {
		t.Fatalf("%s is required (%s=1) but not available: %v", what, EnvRequirePeers, err)
	}
	t.Skipf("%s is not available (%v); %s; %s=1 makes this a failure", what, err, hint, EnvRequirePeers)
}

func run(script string, args ...string) error { return runEnv(nil, script, args...) }

func runEnv(env []string, script string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", filepath.Base(script), strings.Join(args, " "), err, out)
	}
	return nil
}

func answers(u string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// repoRoot is the folder with smallfry's go.mod, above the working folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module smallfry\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the smallfry checkout")
		}
		dir = parent
	}
}

// readEnvFile reads the peers' env files: KEY=value lines, optionally
// prefixed with "export", values as bash's printf %q writes simple ones.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		vars[k] = unquote(v)
	}
	return vars, sc.Err()
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' {
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
	}
	// %q's backslash escapes of simple characters.
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func lookup(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}
