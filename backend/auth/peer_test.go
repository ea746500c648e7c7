package auth

// Tests against the real peers: oidc-provider (scripts/idp.sh) playing the
// company's IdP, and MinIO (scripts/minio.sh) trusting it for STS. The test
// plays the user on the IdP's pages (authtest.PlayUser) while the Client
// polls, as the app would.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"smallfry/backend/auth/authtest"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(childMain(mode))
	}
	os.Exit(m.Run())
}

// peerSettings are company settings for the test IdP (and MinIO, if any).
func peerSettings(idp authtest.IdP, sts *authtest.STS) Settings {
	s := Settings{
		Name: "Peer test", Issuer: idp.Issuer, ClientID: idp.ClientID,
		Scopes:  []string{"openid", "offline_access", "email", "profile"},
		RoleARN: authtest.MinIORoleARN(idp.ClientID, ""), Region: "us-east-1",
		Lake: "s3://smallfry-auth-test/lake", SessionDuration: 15 * time.Minute,
	}
	if sts != nil {
		s.RoleARN, s.Region, s.STSEndpoint, s.S3Endpoint = sts.RoleARN, sts.Region, sts.Endpoint, sts.Endpoint
	}
	return s
}

// peerKeychain is the OS keychain where there is one to test with (inside
// scripts/keyring.sh on Linux), else a file keychain processes can share.
func peerKeychain(t *testing.T) (Keychain, string) {
	if os.Getenv(authtest.EnvKeychain) == "1" || runtime.GOOS != "linux" {
		// One sign-in (issuer and client) is one keychain entry; the peer
		// tests share the IdP and run in parallel, so each keeps its entry
		// apart, or one's sign-out deletes another's key.
		return scopedKeychain{OSKeychain{}, t.Name()}, "os:" + t.Name()
	}
	dir := t.TempDir()
	return authtest.FileKeychain{Dir: dir}, dir
}

type peerClient struct {
	*Client
	dir  string
	logs *lockedBuffer
}

func newPeerClient(t *testing.T, s Settings, kc Keychain) *peerClient {
	t.Helper()
	logs := &lockedBuffer{}
	dir := t.TempDir()
	c, err := New(s, Options{Dir: dir, Keychain: kc, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.store.clear() // the OS keychain outlives the test
		if tok, err := os.ReadFile(c.store.path); err == nil {
			t.Errorf("sealed file left: %d bytes", len(tok))
		}
		if strings.Contains(logs.String(), "eyJ") {
			t.Errorf("a JWT in the log:\n%s", logs.String())
		}
	})
	return &peerClient{Client: c, dir: dir, logs: logs}
}

// signInPeer runs the device flow with the test playing the user.
func signInPeer(t *testing.T, c *Client, u authtest.User) (*Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := c.Start(ctx)
	if err != nil {
		return nil, err
	}
	if strings.Contains(p.VerificationURI, "user_code") {
		t.Errorf("VerificationURI %q carries the code; want the plain one", p.VerificationURI)
	}
	played := make(chan error, 1)
	go func() { played <- authtest.PlayUser(ctx, p.VerificationURI, p.UserCode, u) }()
	s, err := p.Wait(ctx)
	if perr := <-played; perr != nil {
		t.Errorf("playing the user: %v", perr)
	}
	return s, err
}

func TestPeerSignInToS3(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	sts := authtest.StartSTS(t, idp)
	kc, _ := peerKeychain(t)
	c := newPeerClient(t, peerSettings(idp, &sts), kc)

	s, err := signInPeer(t, c.Client, idp.User)
	if err != nil {
		t.Fatal(err)
	}
	if s.Subject == "" || s.Email != "analyst@example.com" || s.Issuer != idp.Issuer {
		t.Errorf("session %+v", s)
	}
	if !c.KeysExpiry().IsZero() {
		t.Error("KeysExpiry before any keys")
	}
	creds, err := c.Credentials().Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.KeysExpiry(); !got.Equal(creds.Expires.Add(keysExpiryWindow)) {
		t.Errorf("KeysExpiry = %v; the keys expire at %v", got, creds.Expires.Add(keysExpiryWindow))
	}
	if creds.SessionToken == "" || creds.AccessKeyID == sts.RootUser || !creds.CanExpire {
		t.Errorf("keys are not temporary STS keys: %s, expires %v", creds.AccessKeyID, creds.Expires)
	}
	if life := time.Until(creds.Expires); life < 5*time.Minute || life > 15*time.Minute {
		t.Errorf("keys live %v; want about 15 min minus the window", life)
	}
	// The keys work on S3: make the lake's bucket, write and read back,
	// list — through the provider, as the S3 package will use it.
	s3c := s3.New(s3.Options{
		Region: sts.Region, BaseEndpoint: aws.String(sts.Endpoint), UsePathStyle: true,
		Credentials: c.Credentials(),
	})
	bucket, prefix := c.Settings().LakeLocation()
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		t.Fatalf("CreateBucket: %v", err)
	}
	key := prefix + "auth-test/" + t.Name()
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("hello")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	out, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	found := false
	for _, b := range out.Buckets {
		found = found || aws.ToString(b.Name) == bucket
	}
	if !found {
		t.Errorf("ListBuckets does not show %s", bucket)
	}
	// Session() works from the store alone.
	if again, err := c.Session(); err != nil || again.Subject != s.Subject {
		t.Errorf("Session() = %+v, %v", again, err)
	}
}

func TestPeerDenied(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	for _, tt := range []struct {
		name string
		user authtest.User
	}{
		{"deny on the consent page", authtest.User{Name: idp.User.Name, Password: idp.User.Password, Deny: true}},
		{"abort on the device page", authtest.User{Abort: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newPeerClient(t, peerSettings(idp, nil), authtest.NewKeychain())
			_, err := signInPeer(t, c.Client, tt.user)
			if !errors.Is(err, ErrAccessDenied) {
				t.Fatalf("err = %v, want ErrAccessDenied", err)
			}
			if _, err := c.Session(); !errors.Is(err, ErrSignedOut) {
				t.Errorf("Session after denial: %v", err)
			}
		})
	}
}

func TestPeerWrongPassword(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	c := newPeerClient(t, peerSettings(idp, nil), authtest.NewKeychain())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := c.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = authtest.PlayUser(ctx, p.VerificationURI, p.UserCode, authtest.User{Name: idp.User.Name, Password: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "Wrong username or password") {
		t.Errorf("PlayUser with a wrong password: %v", err)
	}
	cancel()
	if _, err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel: %v", err)
	}
}

func TestPeerCodeExpired(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	s := peerSettings(idp, nil)
	s.ClientID = idp.ShortClientID // device codes live 4 s
	t.Run("by our clock", func(t *testing.T) {
		t.Parallel()
		c := newPeerClient(t, s, authtest.NewKeychain())
		p, err := c.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if life := time.Until(p.Expiry); life > 5*time.Second {
			t.Fatalf("code lives %v; the short client's should be 4 s", life)
		}
		start := time.Now()
		_, err = p.Wait(context.Background())
		if !errors.Is(err, ErrCodeExpired) {
			t.Fatalf("err = %v, want ErrCodeExpired", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Wait took %v for a 4 s code", took)
		}
	})
	t.Run("by the IdP", func(t *testing.T) {
		t.Parallel()
		// Pretend our clock thinks the code lives longer: the IdP's own
		// answer at the first poll ends the wait.
		c := newPeerClient(t, s, authtest.NewKeychain())
		p, err := c.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		p.Expiry = p.Expiry.Add(time.Minute)
		start := time.Now()
		_, err = p.Wait(context.Background())
		if !errors.Is(err, ErrCodeExpired) {
			t.Fatalf("err = %v, want ErrCodeExpired", err)
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("Wait took %v; want the first poll's answer", took)
		}
	})
}

func TestPeerWrongClientID(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	s := peerSettings(idp, nil)
	s.ClientID = "no-such-client"
	c := newPeerClient(t, s, authtest.NewKeychain())
	_, err := c.Start(context.Background())
	var ie *IdPError
	if !errors.As(err, &ie) || ie.Code != "invalid_client" {
		t.Fatalf("err = %v, want invalid_client", err)
	}
}

func TestPeerIdPDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + l.Addr().String()
	l.Close()
	s := Settings{Issuer: issuer, ClientID: "smallfry-test", RoleARN: "arn:minio:iam:::role/x", Region: "us-east-1", Lake: "s3://lake/x"}
	c := newPeerClient(t, s, authtest.NewKeychain())
	_, err = c.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "reach the identity provider "+issuer) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func TestPeerSTSDown(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := peerSettings(idp, nil)
	s.STSEndpoint = "http://" + l.Addr().String()
	l.Close()
	c := newPeerClient(t, s, authtest.NewKeychain())
	if _, err := signInPeer(t, c.Client, idp.User); err != nil {
		t.Fatal(err)
	}
	_, err = c.Credentials().Retrieve(context.Background())
	if err == nil || errors.Is(err, ErrSignedOut) || !strings.Contains(err.Error(), "from STS") {
		t.Fatalf("err = %v; want an STS error, not a sign-out", err)
	}
	// The sign-in itself is fine.
	if _, err := c.IDToken(context.Background()); err != nil {
		t.Errorf("IDToken with STS down: %v", err)
	}
}

// rawRefresh is one refresh_token request, bypassing the Client: the
// tests use it to check what the IdP thinks of a token.
func rawRefresh(t *testing.T, c *Client, rt string) (next, errCode string) {
	t.Helper()
	d, err := c.discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(d.endpoint.TokenURL, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {c.settings.ClientID},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.RefreshToken, body.Error
}

// What the single-flight refresh guards against, shown on the real IdP: a
// refresh token used twice revokes the grant, so the winner's new token dies
// too and the user is signed out.
func TestPeerRefreshReuseRevokesGrant(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	c := newPeerClient(t, peerSettings(idp, nil), authtest.NewKeychain())
	if _, err := signInPeer(t, c.Client, idp.User); err != nil {
		t.Fatal(err)
	}
	st, err := c.store.load()
	if err != nil {
		t.Fatal(err)
	}
	next, code := rawRefresh(t, c.Client, st.RefreshToken)
	if code != "" || next == "" || next == st.RefreshToken {
		t.Fatalf("first refresh: error %q, rotated %v", code, next != st.RefreshToken)
	}
	if _, code := rawRefresh(t, c.Client, st.RefreshToken); code != "invalid_grant" {
		t.Fatalf("reused refresh token: %q, want invalid_grant", code)
	}
	if _, code := rawRefresh(t, c.Client, next); code != "invalid_grant" {
		t.Fatalf("the rotated token after a reuse: %q, want invalid_grant (grant revoked)", code)
	}
	// The Client, holding the reused token, reports one sign-out.
	_, err = c.refresh(context.Background(), true)
	if !errors.Is(err, ErrSignedOut) {
		t.Errorf("refresh after revocation: %v, want ErrSignedOut", err)
	}
}

func TestPeerSignOut(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	kc, _ := peerKeychain(t)
	c := newPeerClient(t, peerSettings(idp, nil), kc)
	if _, err := signInPeer(t, c.Client, idp.User); err != nil {
		t.Fatal(err)
	}
	st, err := c.store.load()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignOut(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, code := rawRefresh(t, c.Client, st.RefreshToken); code != "invalid_grant" {
		t.Errorf("refresh token after sign-out: %q, want invalid_grant (revoked)", code)
	}
	if entries, _ := os.ReadDir(c.dir + "/tokens"); len(entries) != 0 {
		t.Errorf("files left: %d", len(entries))
	}
	if _, err := kc.Get(keychainService, c.store.account); err == nil {
		t.Error("keychain entry left")
	}
	if _, err := c.IDToken(context.Background()); !errors.Is(err, ErrSignedOut) {
		t.Errorf("IDToken after sign-out: %v", err)
	}
}

// A day of keys on the real peers: the keys' cache runs on a clock an hour
// further on at each step, and every renewal refreshes the id_token at the
// IdP (rotating the refresh token) before STS gives new keys that work on
// S3. Twelve renewals later the user has not been asked to sign in again.
func TestPeerDayOfKeys(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	sts := authtest.StartSTS(t, idp)
	c := newPeerClient(t, peerSettings(idp, &sts), authtest.NewKeychain())
	if _, err := signInPeer(t, c.Client, idp.User); err != nil {
		t.Fatal(err)
	}
	var offset time.Duration
	fakeNow := func() time.Time { return time.Now().Add(offset) }
	c.minLife = 24 * time.Hour // every id_token counts as near expiry
	keys := newCredentialsCache(hourKeys{&stsProvider{c: c.Client, client: c.stsClient()}, fakeNow}, fakeNow, keysExpiryWindow, c.log)

	seen := map[string]bool{}
	for hour := range 12 {
		creds, err := keys.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("hour %d: %v", hour, err)
		}
		if seen[creds.AccessKeyID] {
			t.Fatalf("hour %d: keys not renewed", hour)
		}
		seen[creds.AccessKeyID] = true
		s3c := s3.New(s3.Options{
			Region: sts.Region, BaseEndpoint: aws.String(sts.Endpoint), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
		})
		if _, err := s3c.ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
			t.Fatalf("hour %d: ListBuckets: %v", hour, err)
		}
		// Within the hour the cache answers without STS.
		again, err := keys.Retrieve(context.Background())
		if err != nil || again.AccessKeyID != creds.AccessKeyID {
			t.Fatalf("hour %d: a second Retrieve gave other keys (%v)", hour, err)
		}
		offset += time.Hour
	}
	st, err := c.store.load()
	if err != nil {
		t.Fatal(err)
	}
	if st.Rotations != 12 {
		t.Errorf("%d refresh token rotations, want 12", st.Rotations)
	}
}

// hourKeys restates MinIO's keys (15 minutes, its shortest and our
// setting) as 1-hour keys on the fake clock, so the cache's decisions run
// on that clock; the keys themselves are MinIO's, used within minutes.
type hourKeys struct {
	p   aws.CredentialsProvider
	now func() time.Time
}

func (h hourKeys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := h.p.Retrieve(ctx)
	creds.Expires = h.now().Add(time.Hour)
	return creds, err
}

const (
	childEnv         = "SMALLFRY_AUTH_TEST_CHILD" // "force" or "fresh"
	childSettingsEnv = "SMALLFRY_AUTH_TEST_SETTINGS"
	childDirEnv      = "SMALLFRY_AUTH_TEST_DIR"
	childKeychainEnv = "SMALLFRY_AUTH_TEST_KEYCHAIN" // "os:<test>" or a FileKeychain folder
	childBarrierEnv  = "SMALLFRY_AUTH_TEST_BARRIER"
)

// childMain is a separate process refreshing the shared sign-in: "force"
// rotates the refresh token whatever the id_token's age; "fresh" asks for an
// id_token the way the app does. It prints "ok <digest>" of the refresh
// token it leaves stored (id_tokens minted in the same second can be
// byte-identical; rotated refresh tokens never are).
func childMain(mode string) int {
	s, err := ParseSettings([]byte(os.Getenv(childSettingsEnv)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var kc Keychain = authtest.FileKeychain{Dir: os.Getenv(childKeychainEnv)}
	if scope, ok := strings.CutPrefix(os.Getenv(childKeychainEnv), "os:"); ok {
		kc = scopedKeychain{OSKeychain{}, scope}
	}
	c, err := New(s, Options{Dir: os.Getenv(childDirEnv), Keychain: kc})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Start together: wait for the parent's signal file.
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := os.Stat(os.Getenv(childBarrierEnv)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "no start signal")
			return 2
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var tok string
	switch mode {
	case "force":
		tok, err = c.refresh(ctx, true)
	case "fresh":
		tok, err = c.IDToken(ctx)
	default:
		err = fmt.Errorf("unknown child mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if tok == "" {
		fmt.Fprintln(os.Stderr, "no id_token")
		return 1
	}
	st, err := c.store.load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("ok %s\n", digest(st.RefreshToken))
	return 0
}

// scopedKeychain keeps a test's entries in the OS keychain apart from
// another test's entry for the same sign-in.
type scopedKeychain struct {
	kc    Keychain
	scope string
}

func (k scopedKeychain) Get(service, user string) (string, error) {
	return k.kc.Get(service, user+" #"+k.scope)
}
func (k scopedKeychain) Set(service, user, secret string) error {
	return k.kc.Set(service, user+" #"+k.scope, secret)
}
func (k scopedKeychain) Delete(service, user string) error {
	return k.kc.Delete(service, user+" #"+k.scope)
}
