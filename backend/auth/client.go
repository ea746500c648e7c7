package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"smallfry/backend"
)

// Options are what a Client takes from its surroundings; the zero value is
// the real thing (OS keychain, config folder, wall clock).
type Options struct {
	// Dir holds the sealed token file and the refresh lock; default ConfigDir().
	Dir string
	// Keychain keeps the key that seals the tokens; default the OS keychain.
	Keychain Keychain
	// HTTPClient talks to the IdP and STS. Default: for the IdP,
	// http.DefaultTransport with retries on connection errors (see
	// retryTransport); for STS a plain client, the SDK retrying itself.
	HTTPClient *http.Client
	// Now and Sleep are the clock; tests drive the timing logic with them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger gets what happened (never a token, key or code); default discard.
	Logger *slog.Logger
}

const (
	// clockSkew is how far our clock may be behind the IdP's before a token
	// counts as expired or as issued in the future.
	clockSkew = 60 * time.Second
	// minIDTokenLife is how long an id_token must still be valid to be handed
	// to STS: enough for the call and its retries.
	minIDTokenLife = 2 * time.Minute
	// keysExpiryWindow: STS keys are replaced this long before they expire.
	keysExpiryWindow = 5 * time.Minute
	// refreshTimeout bounds a refresh once sent: it runs to the end even if
	// the caller gives up, so a rotated refresh token is never lost.
	refreshTimeout = time.Minute
)

// Client signs one user in to one company's IdP and hands out fresh
// id_tokens and STS keys. It is safe for concurrent use, and several
// processes may use the same sign-in at once (see IDToken).
type Client struct {
	settings Settings
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	http     *http.Client // to the IdP
	stsHTTP  *http.Client
	log      *slog.Logger
	store    *tokenStore
	keys     *credentialsCache

	// minLife is minIDTokenLife; tests shorten or lengthen it.
	minLife time.Duration

	discMu sync.Mutex
	disc   *discovery

	mu     sync.Mutex
	flight *refreshFlight
}

// New returns a Client for the company settings s. It does no I/O: the IdP
// is first asked when it is needed.
func New(s Settings, o Options) (*Client, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	c := &Client{settings: s, now: o.Now, sleep: o.Sleep, http: o.HTTPClient, log: o.Logger, minLife: minIDTokenLife}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = backend.Sleep
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.stsHTTP = c.http
	if c.http == nil {
		c.http = &http.Client{Transport: &retryTransport{base: http.DefaultTransport, sleep: c.sleep}, Timeout: 30 * time.Second}
		c.stsHTTP = &http.Client{Timeout: 30 * time.Second}
	}
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = ConfigDir(); err != nil {
			return nil, err
		}
	}
	kc := o.Keychain
	if kc == nil {
		kc = OSKeychain{}
	}
	c.store = newTokenStore(kc, filepath.Join(dir, "tokens"), s.Issuer, s.ClientID)
	c.keys = newCredentialsCache(&stsProvider{c: c, client: c.stsClient()}, c.now, keysExpiryWindow, c.log)
	return c, nil
}

// Settings returns the company settings the client was made with.
func (c *Client) Settings() Settings { return c.settings }

// Credentials returns the provider of the user's temporary AWS keys, for
// S3 clients, kernels and `smallfry credentials`. Keys are cached and
// replaced a few minutes before they expire; an error wrapping ErrSignedOut
// means the user has to sign in again.
func (c *Client) Credentials() aws.CredentialsProvider { return c.keys }

// KeysExpiry is when the cached AWS keys expire (they are renewed a few
// minutes before); zero when there are none yet. It asks no server.
func (c *Client) KeysExpiry() time.Time { return c.keys.expiry() }

// discovery is what the IdP's discovery document told us.
type discovery struct {
	provider      *oidc.Provider
	endpoint      oauth2.Endpoint
	revocationURL string
	verifier      *oidc.IDTokenVerifier
}

// signingAlgs are the id_token algorithms we accept: asymmetric only, so
// neither "none" nor an HMAC keyed with the public key can pass.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.PS256, oidc.PS384, oidc.PS512,
	oidc.ES256, oidc.ES384, oidc.ES512, oidc.EdDSA,
}

// oidcContext makes go-oidc and x/oauth2 use our HTTP client.
func (c *Client) oidcContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.http)
}

// discover fetches the IdP's discovery document once (a failure is not
// remembered, so the next call tries again).
func (c *Client) discover(ctx context.Context) (*discovery, error) {
	c.discMu.Lock()
	defer c.discMu.Unlock()
	if c.disc != nil {
		return c.disc, nil
	}
	p, err := oidc.NewProvider(c.oidcContext(ctx), c.settings.Issuer)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("reach the identity provider %s: %w", c.settings.Issuer, err)
	}
	var meta struct {
		RevocationURL string   `json:"revocation_endpoint"`
		Algs          []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("read the discovery document of %s: %w", c.settings.Issuer, err)
	}
	algs := signingAlgs
	if len(meta.Algs) > 0 {
		algs = slices.DeleteFunc(slices.Clone(meta.Algs), func(a string) bool { return !slices.Contains(signingAlgs, a) })
		if len(algs) == 0 {
			return nil, fmt.Errorf("the identity provider %s signs id_tokens only with %v, none of which we accept", c.settings.Issuer, meta.Algs)
		}
	}
	d := &discovery{provider: p, endpoint: p.Endpoint(), revocationURL: meta.RevocationURL}
	d.endpoint.AuthStyle = oauth2.AuthStyleInParams
	// The key set's fetches use our HTTP client; its context's cancellation
	// is ignored by go-oidc, so a background one is right.
	d.verifier = p.VerifierContext(c.oidcContext(context.Background()), &oidc.Config{
		ClientID:             c.settings.ClientID,
		SupportedSigningAlgs: algs,
		// go-oidc checks expiry against Now exactly; allow our clock to be
		// up to clockSkew ahead of the IdP's.
		Now: func() time.Time { return c.now().Add(-clockSkew) },
	})
	c.disc = d
	return d, nil
}

func (c *Client) oauthConfig(d *discovery) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.settings.ClientID,
		ClientSecret: c.settings.ClientSecret,
		Endpoint:     d.endpoint,
		Scopes:       c.settings.Scopes,
	}
}

// canceled tells whether err is ctx's own cancellation.
func canceled(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
