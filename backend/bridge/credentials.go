package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend/kernel"
)

// AWS keys for Python: the kernel's start-up module (startup.py) serves them
// to the AWS SDKs in the kernel as a container-credentials endpoint on the
// kernel's own loopback, holding them in memory only. This side pushes them
// there on the control channel (answered while a cell runs) and answers the
// kernel's requests for fresh ones, which come on IOPub. No key is written
// to a file, the environment or a log.

const (
	credentialsPush    = "smallfry_credentials"         // control, app → kernel
	credentialsRequest = "smallfry_credentials_request" // IOPub, kernel → app

	// pushTimeout bounds one push: the provider's refresh (an STS call) and
	// the kernel's reply, which alone gets controlTimeout (a kernel without
	// the handler never replies). A new kernel waits startWait for its
	// first push, which goes on in the background if the provider is slow.
	pushTimeout    = 30 * time.Second
	controlTimeout = 5 * time.Second
	startWait      = 3 * time.Second
	// refreshLead: fresh keys are pushed this long before the kernel's
	// expire, ahead of botocore's 15-minute advisory window, so the kernel
	// rarely has to ask.
	refreshLead = 16 * time.Minute
	// unexpiringFor is the expiry given to keys that do not expire (botocore
	// requires one): the kernel reads them again after that.
	unexpiringFor = time.Hour
)

// inheritedAWS are the variables a local kernel must not inherit from the
// app when it gets its keys from Smallfry: they would take precedence over
// the endpoint in the SDKs' default chains (startup.py drops them too, and
// points AWS_SHARED_CREDENTIALS_FILE away from ~/.aws/credentials).
var inheritedAWS = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

// credentialsMessage is a push: the container-credentials JSON botocore
// reads (its field names), or the provider's error.
type credentialsMessage struct {
	AccessKeyID     string `json:"AccessKeyId,omitempty"`
	SecretAccessKey string `json:"SecretAccessKey,omitempty"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration,omitempty"`
	Error           string `json:"error,omitempty"`
}

// keyPusher keeps one kernel's keys current.
type keyPusher struct {
	provider aws.CredentialsProvider
	log      *slog.Logger
	kernel   func() *kernel.Kernel // the bridge's kernel now (nil: none)

	// retry spaces the refresh loop's checks while the provider still
	// returns the keys the kernel has (10 s; tests shorten it).
	retry time.Duration

	mu      sync.Mutex // one push at a time
	last    aws.Credentials
	expires time.Time     // what the kernel was told; zero: no keys pushed
	pushed  chan struct{} // a successful push (re)arms the refresh timer
}

func newKeyPusher(p aws.CredentialsProvider, log *slog.Logger, k func() *kernel.Kernel) *keyPusher {
	return &keyPusher{provider: p, log: log, kernel: k, retry: 10 * time.Second, pushed: make(chan struct{}, 1)}
}

// options adds to a kernel's options what its endpoint needs.
func (p *keyPusher) options(opts kernel.Options) kernel.Options {
	opts.Unsetenv = append(append([]string(nil), opts.Unsetenv...), inheritedAWS...)
	on := map[string]func(json.RawMessage){}
	for t, h := range opts.OnIOPub {
		on[t] = h
	}
	on[credentialsRequest] = func(json.RawMessage) {
		p.log.Debug("the kernel asked for AWS keys")
		ctx, cancel := context.WithTimeout(context.Background(), pushTimeout)
		defer cancel()
		if err := p.push(ctx, p.kernel(), true); err != nil {
			p.log.Warn("answer the kernel's request for AWS keys", "err", err.Error())
		}
	}
	opts.OnIOPub = on
	return opts
}

// started is called after the kernel k (re)started: it has no keys yet.
// It returns once they are pushed, or after startWait: the first cell need
// not wait for a slow provider it may not use (the kernel asks when code
// needs keys).
func (p *keyPusher) started(ctx context.Context, k *kernel.Kernel) {
	p.mu.Lock()
	p.last, p.expires = aws.Credentials{}, time.Time{}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pushTimeout)
		defer cancel()
		if err := p.push(ctx, k, true); err != nil {
			p.log.Warn("push AWS keys to the new kernel", "err", err.Error())
		}
	}()
	t := time.NewTimer(startWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// push retrieves the provider's keys and sends them to the kernel; unless
// always, only if they differ from what the kernel has. A provider error is
// pushed too, so the kernel's endpoint answers with it rather than waiting.
// The error returned is about delivery (and the provider's, for the log);
// it never holds a key.
func (p *keyPusher) push(ctx context.Context, k *kernel.Kernel, always bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k == nil {
		return nil
	}
	creds, perr := p.provider.Retrieve(ctx)
	var msg credentialsMessage
	var expires time.Time
	if perr != nil {
		msg.Error = "Smallfry could not get AWS keys: " + perr.Error()
	} else {
		// Keys that do not expire are pushed again with a later expiry.
		if !always && creds.CanExpire && sameKeys(creds, p.last) && !p.expires.IsZero() {
			return nil
		}
		expires = creds.Expires
		if !creds.CanExpire {
			expires = time.Now().Add(unexpiringFor)
		}
		msg = credentialsMessage{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
			Token: creds.SessionToken, Expiration: expires.UTC().Format(time.RFC3339)}
	}
	if perr != nil && !always {
		return fmt.Errorf("refresh AWS keys: %w", perr) // the kernel keeps what it has
	}
	cctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	raw, err := k.Control(cctx, credentialsPush, msg)
	if err != nil {
		return fmt.Errorf("push AWS keys: %w", err)
	}
	var reply struct{ Status, Ename, Evalue string }
	if err := json.Unmarshal(raw, &reply); err != nil {
		return fmt.Errorf("push AWS keys: the kernel's reply: %w", err)
	}
	if reply.Status != "ok" {
		return fmt.Errorf("push AWS keys: the kernel answered %s: %s", reply.Ename, reply.Evalue)
	}
	if perr != nil {
		return fmt.Errorf("the kernel was told: %w", perr)
	}
	p.last, p.expires = creds, expires
	select {
	case p.pushed <- struct{}{}:
	default:
	}
	return nil
}

func sameKeys(a, b aws.Credentials) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SecretAccessKey == b.SecretAccessKey &&
		a.SessionToken == b.SessionToken && a.Expires.Equal(b.Expires)
}

// refresh pushes the provider's new keys refreshLead before the kernel's
// expire, until ctx ends: the app's side of "keys are pushed whenever they
// are refreshed", as an aws.CredentialsProvider tells no one it refreshed.
func (p *keyPusher) refresh(ctx context.Context) {
	var timer *time.Timer
	var fire <-chan time.Time
	arm := func(d time.Duration) {
		if timer != nil {
			timer.Stop()
		}
		timer = time.NewTimer(max(d, p.retry))
		fire = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.pushed:
			p.mu.Lock()
			due := time.Until(p.expires.Add(-refreshLead))
			p.mu.Unlock()
			arm(due)
		case <-fire:
			fire = nil
			pctx, cancel := context.WithTimeout(ctx, pushTimeout)
			err := p.push(pctx, p.kernel(), false)
			cancel()
			p.mu.Lock()
			due, left := time.Until(p.expires.Add(-refreshLead)), time.Until(p.expires)
			p.mu.Unlock()
			select {
			case <-p.pushed: // new keys
				arm(due)
			default:
				if err != nil {
					// Logged once: the kernel asks when code needs keys,
					// and a push that works arms the timer again.
					p.log.Warn("refresh the kernel's AWS keys", "err", err.Error())
				} else if left > 0 {
					arm(p.retry) // the provider has not refreshed yet
				}
			}
		}
	}
}
