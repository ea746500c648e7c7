package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// stsClient is the STS client of the company settings: the regional AWS
// endpoint, or stsEndpoint (MinIO, a VPC endpoint). AssumeRoleWithWebIdentity
// is unsigned, so it has no credentials of its own.
func (c *Client) stsClient() *sts.Client {
	return sts.New(sts.Options{
		Region:     c.settings.Region,
		HTTPClient: stsHTTPClient{c.stsHTTP},
		BaseEndpoint: func() *string {
			if c.settings.STSEndpoint == "" {
				return nil
			}
			return aws.String(c.settings.STSEndpoint)
		}(),
	})
}

// stsHTTPClient adapts *http.Client to the SDK's HTTPClient interface.
type stsHTTPClient struct{ *http.Client }

// stsProvider gets keys from STS with a fresh id_token each time.
type stsProvider struct {
	c      *Client
	client stscreds.AssumeRoleWithWebIdentityAPIClient
}

// identityToken is an id_token already in hand: stscreds'
// IdentityTokenRetriever takes no context, so each Retrieve makes a
// provider around the token it fetched with the caller's.
type identityToken string

func (t identityToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

func (p *stsProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	tok, err := p.c.IDToken(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	s := p.c.settings
	role := stscreds.NewWebIdentityRoleProvider(p.client, s.RoleARN, identityToken(tok), func(o *stscreds.WebIdentityRoleOptions) {
		o.Duration = s.SessionDuration
		o.RoleSessionName = p.c.roleSessionName()
	})
	creds, err := role.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("get AWS keys for %s from STS: %w", s.RoleARN, err)
	}
	p.c.log.Info("auth: got AWS keys", "role", s.RoleARN, "expires", creds.Expires)
	return creds, nil
}

var sessionNameJunk = regexp.MustCompile(`[^\w+=,.@-]+`)

// roleSessionName names the STS session after the user, so CloudTrail and
// MinIO's logs say who it was: the email or subject, within STS's rules.
func (c *Client) roleSessionName() string {
	name := "smallfry"
	if t, err := c.store.load(); err == nil {
		who := t.Email
		if who == "" {
			who = t.Subject
		}
		name += "-" + sessionNameJunk.ReplaceAllString(who, "_")
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// credentialsCache holds STS keys until ExpiryWindow before they expire,
// with one retrieval at a time. It is aws.CredentialsCache's behaviour, on
// our clock: the SDK's cache reads an internal clock no test can move, and
// the tests live through a 12-hour day of 1-hour keys.
type credentialsCache struct {
	provider aws.CredentialsProvider
	now      func() time.Time
	window   time.Duration
	log      *slog.Logger

	mu     sync.Mutex
	creds  aws.Credentials
	have   bool
	flight *keysFlight
	// retryAfter: after a failed renewal, keys not yet expired are handed
	// out until then before STS is asked again.
	retryAfter time.Time
	// gen counts Invalidate calls: a fetch that began before one does not
	// store its keys (they may be the previous user's).
	gen int
}

// renewRetry is how long a failed renewal is not retried while the current
// keys still work.
const renewRetry = 30 * time.Second

type keysFlight struct {
	done  chan struct{}
	gen   int
	creds aws.Credentials
	err   error
}

var _ aws.CredentialsProvider = (*credentialsCache)(nil)

func newCredentialsCache(p aws.CredentialsProvider, now func() time.Time, window time.Duration, log *slog.Logger) *credentialsCache {
	return &credentialsCache{provider: p, now: now, window: window, log: log}
}

// Retrieve returns cached keys, or new ones once the cached are within the
// window of expiring. The keys returned carry an Expires moved back by the
// window, so an SDK cache in front of this one asks again in time.
func (k *credentialsCache) Retrieve(ctx context.Context) (aws.Credentials, error) {
	k.mu.Lock()
	now := k.now()
	if k.have && (k.usable(k.creds) || (now.Before(k.retryAfter) && now.Before(k.creds.Expires))) {
		creds := k.creds
		k.mu.Unlock()
		return k.out(creds), nil
	}
	f := k.flight
	if f == nil {
		f = &keysFlight{done: make(chan struct{}), gen: k.gen}
		k.flight = f
		go k.fetch(context.WithoutCancel(ctx), f)
	}
	k.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return aws.Credentials{}, f.err
		}
		return k.out(f.creds), nil
	case <-ctx.Done():
		return aws.Credentials{}, ctx.Err()
	}
}

func (k *credentialsCache) fetch(ctx context.Context, f *keysFlight) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	creds, err := k.provider.Retrieve(ctx)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.flight == f {
		k.flight = nil
	}
	if f.gen != k.gen {
		f.creds, f.err = creds, err
		close(f.done)
		return
	}
	if err != nil {
		// Keys that have not expired yet still work: better than failing
		// while the IdP or STS is briefly down.
		if k.have && k.creds.CanExpire && k.now().Before(k.creds.Expires) {
			k.log.Warn("auth: could not renew AWS keys; using the current ones until they expire", "err", err, "expires", k.creds.Expires)
			f.creds = k.creds
			k.retryAfter = k.now().Add(renewRetry)
		} else {
			f.err = err
		}
		close(f.done)
		return
	}
	k.creds, k.have, k.retryAfter = creds, true, time.Time{}
	f.creds = creds
	close(f.done)
}

func (k *credentialsCache) usable(c aws.Credentials) bool {
	return !c.CanExpire || k.now().Before(c.Expires.Add(-k.window))
}

func (k *credentialsCache) out(c aws.Credentials) aws.Credentials {
	if c.CanExpire {
		c.Expires = c.Expires.Add(-k.window)
	}
	return c
}

// expiry is when the cached keys expire; zero when none are cached.
func (k *credentialsCache) expiry() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.have || !k.creds.CanExpire {
		return time.Time{}
	}
	return k.creds.Expires
}

// Invalidate drops the cached keys (sign-out, a new sign-in, or a caller
// that got ExpiredToken).
func (k *credentialsCache) Invalidate() {
	k.mu.Lock()
	k.creds, k.have, k.retryAfter = aws.Credentials{}, false, time.Time{}
	k.flight = nil
	k.gen++
	k.mu.Unlock()
}
