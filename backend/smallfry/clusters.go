package smallfry

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/zalando/go-keyring"

	"smallfry/backend"
	"smallfry/backend/auth"
	"smallfry/backend/cluster"
	"smallfry/backend/runner"
	"smallfry/backend/workbench"
	"smallfry/backend/workspace"
)

// clusters are the company's Spark clusters: the settings' clusters list,
// a cluster's own token in the OS keychain (or SMALLFRY_CLUSTER_TOKEN_NAME
// for scripts), the sign-in's id_token or temporary keys for the others.
type clusters struct {
	acct     *account
	keychain auth.Keychain
	limits   workbench.ClusterLimits
}

var _ workbench.Clusters = (*clusters)(nil)

const clusterKeychainService = "Smallfry Spark cluster"

func (c *clusters) list() []auth.Cluster {
	c.acct.mu.Lock()
	defer c.acct.mu.Unlock()
	if c.acct.settings == nil {
		return nil
	}
	return c.acct.settings.Clusters
}

// List implements workbench.Clusters.
func (c *clusters) List() []workbench.ClusterInfo {
	var out []workbench.ClusterInfo
	for _, cl := range c.list() {
		out = append(out, workbench.ClusterInfo{Name: cl.Name, URL: cl.URL, Auth: cl.Auth, S3: cl.S3})
	}
	return out
}

// Limits implements workbench.Clusters.
func (c *clusters) Limits() workbench.ClusterLimits { return c.limits }

func (c *clusters) find(name string) (auth.Cluster, error) {
	for _, cl := range c.list() {
		if strings.EqualFold(cl.Name, name) {
			return cl, nil
		}
	}
	return auth.Cluster{}, backend.Errorf(backend.ENOTFOUND, "no cluster %q in the company settings (their \"clusters\" list)", name)
}

// tokenEnv is the variable a script sets a cluster's own token in.
func tokenEnv(name string) string {
	return "SMALLFRY_CLUSTER_TOKEN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Settings implements workbench.Clusters.
func (c *clusters) Settings(name string) (cluster.Settings, error) {
	cl, err := c.find(name)
	if err != nil {
		return cluster.Settings{}, err
	}
	set := cluster.Settings{Name: cl.Name, URL: cl.URL}
	switch cl.Auth {
	case auth.ClusterAuthToken:
		set.Token = func(context.Context) (string, error) {
			if t := os.Getenv(tokenEnv(cl.Name)); t != "" {
				return t, nil
			}
			t, err := c.keychain.Get(clusterKeychainService, cl.URL)
			if errors.Is(err, keyring.ErrNotFound) {
				return "", backend.Errorf(backend.EINVALID, "no token for cluster %s: set it with `smallfry cluster-token %s`", cl.Name, cl.Name)
			}
			if err != nil {
				return "", backend.Errorf(backend.EINTERNAL, "read the token of cluster %s from the keychain: %v", cl.Name, err)
			}
			return t, nil
		}
	default:
		set.Token = func(ctx context.Context) (string, error) {
			client, _, _ := c.acct.current()
			if client == nil {
				return "", backend.Errorf(backend.EINVALID, "cluster %s takes your sign-in: import the company settings and sign in", cl.Name)
			}
			return client.IDToken(ctx)
		}
	}
	if cl.S3 == auth.ClusterS3User {
		set.S3Keys = func(ctx context.Context) (string, string, string, error) {
			p := c.acct.Credentials()
			if p == nil {
				return "", "", "", errors.New("not signed in to the company")
			}
			k, err := p.Retrieve(ctx)
			if err != nil {
				return "", "", "", err
			}
			return k.AccessKeyID, k.SecretAccessKey, k.SessionToken, nil
		}
	}
	if client, _, _ := c.acct.current(); client != nil {
		if sess, err := client.Session(); err == nil {
			set.UserID = firstOf(sess.Email, sess.Subject)
		}
	}
	return set, nil
}

// SetToken keeps a cluster's own token in the OS keychain.
func (c *clusters) SetToken(name, token string) error {
	cl, err := c.find(name)
	if err != nil {
		return err
	}
	if cl.Auth != auth.ClusterAuthToken {
		return backend.Errorf(backend.EINVALID, "cluster %s takes your sign-in (auth %q), not a token of its own", cl.Name, cl.Auth)
	}
	if err := c.keychain.Set(clusterKeychainService, cl.URL, token); err != nil {
		return backend.Errorf(backend.EINTERNAL, "keep the token of cluster %s in the keychain: %v", cl.Name, err)
	}
	return nil
}

func clusterLimits(s workspace.Settings) workbench.ClusterLimits {
	return workbench.ClusterLimits{MaxRows: s.Cluster.MaxRows, MaxBytes: s.Cluster.MaxBytes, OffloadBytes: s.Cluster.OffloadBytes}
}

// SetClusterToken keeps a cluster's own token in the OS keychain
// (`smallfry cluster-token NAME`).
func (a *App) SetClusterToken(name, token string) error { return a.clusters.SetToken(name, token) }

// engines are a headless run's cluster engines over its DuckDB session,
// and the offload offer; close ends their Spark sessions.
func (a *App) engines(db cluster.Session, download bool) (map[string]runner.Engine, *runner.Offload, func()) {
	list := a.clusters.list()
	if len(list) == 0 {
		return nil, nil, func() {}
	}
	out := map[string]runner.Engine{}
	var conns []*cluster.Conn
	var names []string
	for _, cl := range list {
		set, err := a.clusters.Settings(cl.Name)
		if err != nil {
			continue
		}
		conn := cluster.NewConn(set)
		conns = append(conns, conn)
		e := &cluster.Engine{Conn: conn, DB: db, Cap: cluster.Cap{Rows: a.clusters.limits.MaxRows, Bytes: a.clusters.limits.MaxBytes},
			LocalTable: func(name string) bool { _, _, ok, _ := a.Workspace.Lake.Resolve(name); return ok }, Tag: "smallfry-run"}
		if lk := a.account.Lake(); lk != nil {
			e.Lake = lk
		}
		out[cl.Name] = e
		names = append(names, cl.Name)
	}
	return out, &runner.Offload{Bytes: a.clusters.limits.OffloadBytes, Clusters: names, All: download}, func() {
		for _, c := range conns {
			_ = c.Close(context.Background())
		}
	}
}
