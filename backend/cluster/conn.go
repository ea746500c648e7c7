// Package cluster runs SQL cells on a Spark cluster through Spark Connect
// (backend/spark), with their results brought back into the notebook's
// DuckDB session as if DuckDB had run them.
package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"smallfry/backend"
	"smallfry/backend/spark"
)

// Settings say how to reach one cluster and with which keys it reads S3.
type Settings struct {
	Name string // as the company settings name it
	URL  string // sc://host:port
	// Token is asked before every call for the Bearer token: the user's
	// SSO token, or the cluster's own from the keychain. nil sends none.
	Token func(ctx context.Context) (string, error)
	// S3Keys are the user's temporary AWS keys, set as the Spark session's
	// S3A settings before each cell (they are refreshed). nil leaves S3 to
	// the cluster's own role.
	S3Keys func(ctx context.Context) (id, secret, token string, err error)
	UserID string
	Retry  *spark.RetryPolicy // nil: pyspark's
}

// Conn is one notebook's session on a cluster: dialed on the first cell,
// made again after the server dropped it, closed with the notebook.
type Conn struct {
	set Settings

	mu     sync.Mutex
	client *spark.Client
	conf   string            // a hash of the S3 settings last set
	views  map[string]string // lake views registered: name → what they read
}

// NewConn makes a connection that dials on first use.
func NewConn(s Settings) *Conn { return &Conn{set: s} }

// Name is the cluster's name.
func (c *Conn) Name() string { return c.set.Name }

// session is the Spark session, dialed if needed, with the user's current
// S3 keys set.
func (c *Conn) session(ctx context.Context) (*spark.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		cl, err := spark.Dial(ctx, spark.Options{URL: c.set.URL, Token: c.set.Token, UserID: c.set.UserID, Retry: c.set.Retry})
		if err != nil {
			return nil, err
		}
		c.client, c.conf, c.views = cl, "", map[string]string{}
	}
	if c.set.S3Keys != nil {
		id, secret, token, err := c.set.S3Keys(ctx)
		if err != nil {
			return nil, backend.Errorf(backend.EINVALID, "the cluster reads S3 with your keys, and getting them failed: %v", err)
		}
		sum := sha256.Sum256([]byte(id + "\x00" + secret + "\x00" + token))
		if h := hex.EncodeToString(sum[:]); h != c.conf {
			if err := c.client.SetConf(ctx, spark.S3Conf(id, secret, token)); err != nil {
				return nil, err
			}
			c.conf = h
		}
	}
	return c.client, nil
}

// view tells whether the lake view name is registered as def, and records
// def once registered.
func (c *Conn) viewIs(name, def string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.views[name] == def
}

func (c *Conn) setView(name, def string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.views != nil {
		c.views[name] = def
	}
}

// failed drops the session after an error that means the server no
// longer has it: the next cell dials a new one.
func (c *Conn) failed(cl *spark.Client, err error) {
	var se *spark.Error
	if !errors.As(err, &se) || (se.Class != spark.ClassSessionClosed && se.Class != spark.ClassUnavailable && se.Class != spark.ClassStreamCut) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == cl && cl != nil {
		_ = cl.Close(context.Background())
		c.client = nil
	}
}

// Close ends the session on the server.
func (c *Conn) Close(ctx context.Context) error {
	c.mu.Lock()
	cl := c.client
	c.client = nil
	c.mu.Unlock()
	if cl == nil {
		return nil
	}
	if err := cl.Close(ctx); err != nil {
		return fmt.Errorf("close the session on cluster %s: %w", c.set.Name, err)
	}
	return nil
}
