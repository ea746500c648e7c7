package smallfry

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"smallfry/backend"
	"smallfry/backend/auth"
	"smallfry/backend/duckdb"
	"smallfry/backend/lake"
	"smallfry/backend/lakeview"
	"smallfry/backend/s3"
	"smallfry/backend/workbench"
)

// account is the company sign-in and the S3 lake behind it: the
// workbench's Accounts, the sessions' s3 catalog, and the keys kernels
// get. Settings can be imported while the app runs; everything that needs
// the S3 lake asks account for it at the time.
type account struct {
	configDir string // auth's folder ("" is auth.ConfigDir())
	cacheDir  string // the S3 lake's local copies, in the workspace
	opts      auth.Options
	events    workbench.Events

	mu       sync.Mutex
	settings *auth.Settings
	client   *auth.Client
	store    *s3.Store
	lake     *lake.Lake
	view     *lakeview.Catalog
	pending  *workbench.DeviceCode
	cancel   context.CancelFunc // of the pending sign-in's wait
	problem  string
	hadKeys  bool // keys were handed out since the last sign-in or sign-out
	listed   []workbench.Dataset
}

var _ workbench.Accounts = (*account)(nil)

// openAccount loads the imported company settings, if any. Broken ones are
// a problem the UI shows, not a failure to start.
func openAccount(configDir, cacheDir string, opts auth.Options, events workbench.Events) *account {
	a := &account{configDir: configDir, cacheDir: cacheDir, opts: opts, events: events}
	s, err := auth.ImportedSettings(configDir)
	switch {
	case backend.ErrorCode(err) == backend.ENOTFOUND:
	case err != nil:
		a.problem = fmt.Sprintf("The imported company settings cannot be used (%v): import them again.", err)
	default:
		if err := a.configure(s); err != nil {
			a.problem = err.Error()
		}
	}
	return a
}

// configure builds the sign-in client and the S3 lake of settings s.
func (a *account) configure(s auth.Settings) error {
	opts := a.opts
	if opts.Dir == "" {
		opts.Dir = a.configDir
	}
	client, err := auth.New(s, opts)
	if err != nil {
		return err
	}
	bucket, prefix := s.LakeLocation()
	store, err := s3.New(s3.Config{
		Bucket: bucket, Prefix: prefix, Region: s.Region, Endpoint: s.S3Endpoint,
		Credentials: keys{client.Credentials(), a}, CacheDir: filepath.Join(a.cacheDir, "objects"),
		Recheck: time.Minute,
	})
	if err != nil {
		return err
	}
	lk := lake.New(store)
	lk.Recheck = lakeRecheck
	view := lakeview.New(lk, store, filepath.Join(a.cacheDir, "views", bucket, filepath.FromSlash(strings.Trim(prefix, "/"))))
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
	}
	a.settings, a.client, a.store, a.lake, a.view = &s, client, store, lk, view
	a.pending, a.cancel = nil, nil
	return nil
}

// lakeRecheck is how long a query trusts the S3 lake's last listing and
// manifest of a table: repeated queries of a cached table ask S3 nothing,
// and another analyst's commit shows up within it (this app's at once).
const lakeRecheck = 30 * time.Second

// keys are the sign-in's temporary AWS keys as the S3 store uses them:
// signed out counts as offline (cached tables still answer), and the end of
// the sign-in is reported once, as the account's problem.
type keys struct {
	aws.CredentialsProvider
	a *account
}

func (k keys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := k.CredentialsProvider.Retrieve(ctx)
	if errors.Is(err, auth.ErrSignedOut) {
		k.a.signedOut()
		return c, offline{err}
	}
	if err == nil {
		k.a.mu.Lock()
		k.a.hadKeys = true
		k.a.mu.Unlock()
	}
	return c, err
}

// offline is a sign-in error that also counts as lake.ErrOffline, with the
// sign-in's own message.
type offline struct{ error }

func (e offline) Unwrap() []error { return []error{e.error, lake.ErrOffline} }

// Invalidate forgets keys S3 said had expired.
func (k keys) Invalidate() {
	if inv, ok := k.CredentialsProvider.(interface{ Invalidate() }); ok {
		inv.Invalidate()
	}
}

// signedOut notes that the sign-in ended on its own (the IdP revoked it):
// one banner, no retry loop.
func (a *account) signedOut() {
	a.mu.Lock()
	changed := a.problem == "" && a.hadKeys // not for one who never signed in
	a.hadKeys = false
	if changed {
		a.problem = "Your sign-in to the company ended: sign in again to reach the S3 lake. Cached tables still answer."
	}
	a.mu.Unlock()
	if changed {
		a.emit()
	}
}

func (a *account) emit() {
	if a.events != nil {
		a.events.Emit(workbench.EventAccount, a.Status(context.Background()))
	}
}

func (a *account) current() (*auth.Client, *lakeview.Catalog, *lake.Lake) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.client, a.view, a.lake
}

// Status implements workbench.Accounts.
func (a *account) Status(ctx context.Context) workbench.Account {
	a.mu.Lock()
	st := workbench.Account{Problem: a.problem, Pending: a.pending}
	s, client := a.settings, a.client
	a.mu.Unlock()
	if s == nil {
		return st
	}
	st.Configured, st.Lake, st.Issuer = true, s.Lake, s.Issuer
	if sess, err := client.Session(); err == nil {
		st.SignedIn = true
		st.User = firstOf(sess.Email, sess.Name, sess.Subject)
	}
	return st
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Import implements workbench.Accounts.
func (a *account) Import(ctx context.Context, data []byte) error {
	s, err := auth.SaveSettings(data, a.configDir)
	if err != nil {
		return err
	}
	if err := a.configure(s); err != nil {
		return err
	}
	a.mu.Lock()
	a.problem = ""
	a.mu.Unlock()
	return nil
}

// SignIn implements workbench.Accounts: it asks the IdP for a code and
// waits for the user in the background, until the code expires or
// CancelSignIn.
func (a *account) SignIn(ctx context.Context, done func(error)) (workbench.DeviceCode, error) {
	client, _, _ := a.current()
	if client == nil {
		return workbench.DeviceCode{}, backend.Errorf(backend.EINVALID, "import the company settings before signing in")
	}
	p, err := client.Start(ctx)
	if err != nil {
		return workbench.DeviceCode{}, err
	}
	code := workbench.DeviceCode{UserCode: p.UserCode, VerificationURI: p.VerificationURI, ExpiresAt: p.Expiry}
	wctx, cancel := context.WithDeadline(context.Background(), p.Expiry.Add(time.Minute))
	a.mu.Lock()
	if a.cancel != nil {
		a.cancel()
	}
	a.pending, a.cancel = &code, cancel
	a.mu.Unlock()
	go func() {
		defer cancel()
		_, err := p.Wait(wctx)
		a.mu.Lock()
		if a.pending == &code {
			a.pending, a.cancel = nil, nil
			switch {
			case err == nil:
				a.problem = ""
			case errors.Is(err, context.Canceled):
			default:
				a.problem = "Sign-in failed: " + err.Error()
			}
		}
		a.mu.Unlock()
		done(err)
	}()
	return code, nil
}

// CancelSignIn implements workbench.Accounts.
func (a *account) CancelSignIn() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
	}
	a.pending, a.cancel = nil, nil
}

// SignOut implements workbench.Accounts.
func (a *account) SignOut(ctx context.Context) error {
	client, _, _ := a.current()
	if client == nil {
		return nil
	}
	a.CancelSignIn()
	err := client.SignOut(ctx)
	a.mu.Lock()
	a.problem, a.hadKeys = "", false
	if errors.Is(err, auth.ErrNotRevoked) {
		a.problem = err.Error()
		err = nil
	}
	a.mu.Unlock()
	return err
}

// Lake implements workbench.Accounts.
func (a *account) Lake() *lake.Lake {
	_, _, lk := a.current()
	return lk
}

// Catalog implements workbench.Accounts.
func (a *account) Catalog(ctx context.Context) (*workbench.S3Lake, error) {
	_, view, lk := a.current()
	if lk == nil {
		return nil, nil
	}
	out := &workbench.S3Lake{Location: lk.Store().Location(""), CachedAt: map[string]time.Time{}}
	cat, err := lk.Catalog(ctx)
	switch {
	case errors.Is(err, lake.ErrOffline):
		out.Offline, out.Problem = true, err.Error()
		cat = view.CachedDatasets()
		// What this app last listed online knows rows and columns too.
		a.mu.Lock()
		for i, d := range cat {
			for _, l := range a.listed {
				if l.Name == d.Name {
					cat[i] = l
				}
			}
		}
		a.mu.Unlock()
	case err != nil:
		out.Problem = err.Error()
	}
	out.Datasets = cat
	if !out.Offline {
		a.mu.Lock()
		a.listed = cat
		a.mu.Unlock()
	}
	for _, d := range cat {
		if at, whole, ok := view.CachedAt(d.Name); ok {
			out.CachedAt[d.Name] = at
			if !whole {
				if out.Partial == nil {
					out.Partial = map[string]bool{}
				}
				out.Partial[d.Name] = true
			}
		}
	}
	return out, nil
}

// close waits until the S3 lake's fresh copies are recorded, so that the
// next start (offline, perhaps) finds them.
func (a *account) close() error {
	a.mu.Lock()
	store := a.store
	if a.cancel != nil {
		a.cancel()
	}
	a.mu.Unlock()
	if store == nil {
		return nil
	}
	return store.Flush()
}

// Listed implements workbench.Accounts.
func (a *account) Listed() []workbench.Dataset {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.listed
}

// Credentials are the keys kernels and tools get; nil before settings are
// imported.
func (a *account) Credentials() aws.CredentialsProvider {
	client, _, _ := a.current()
	if client == nil {
		return nil
	}
	return client.Credentials()
}

// s3Catalog is the sessions' catalog s3: the S3 lake as it is when a
// statement names it.
type s3Catalog struct{ a *account }

var errNoS3Lake = backend.Errorf(backend.EINVALID, "there is no S3 lake here: import the company settings (File ▸ Import company settings…) and sign in")

// Without an S3 lake, s3.x may still be a column of a table aliased s3:
// DuckDB answers those; a table that is not there gets our hint.
func (c s3Catalog) View(ctx context.Context, req duckdb.ViewRequest) (duckdb.View, bool, error) {
	_, view, _ := c.a.current()
	if view == nil {
		if looksLikeTableRef(req.Statement, req.Name) {
			return duckdb.View{}, false, errNoS3Lake
		}
		return duckdb.View{}, false, nil
	}
	return view.View(ctx, req)
}

// looksLikeTableRef tells whether s3.name follows FROM or JOIN.
func looksLikeTableRef(stmt, name string) bool {
	words := strings.Fields(strings.ToLower(stmt))
	for i := 1; i < len(words); i++ {
		if (words[i-1] == "from" || words[i-1] == "join") && strings.HasPrefix(strings.Trim(words[i], `"`), "s3.") &&
			strings.Contains(words[i], strings.ToLower(name)) {
			return true
		}
	}
	return false
}

// Estimate implements duckdb.Estimator (nothing to estimate without a lake).
func (c s3Catalog) Estimate(ctx context.Context, req duckdb.ViewRequest) (duckdb.Scan, bool, error) {
	_, view, _ := c.a.current()
	if view == nil {
		return duckdb.Scan{}, false, nil
	}
	return view.Estimate(ctx, req)
}

func (c s3Catalog) Missing(ctx context.Context, file string, progress func(duckdb.Download)) (bool, error) {
	_, view, _ := c.a.current()
	if view == nil {
		return false, nil
	}
	return view.Missing(ctx, file, progress)
}

// Credentials are the signed-in user's temporary AWS keys as the app holds
// them (nil before company settings are imported).
func (a *App) Credentials() aws.CredentialsProvider { return a.account.Credentials() }
