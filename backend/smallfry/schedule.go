package smallfry

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"sync"

	"github.com/zalando/go-keyring"

	"smallfry/backend"
	"smallfry/backend/airflow"
	"smallfry/backend/auth"
	"smallfry/backend/lake"
	"smallfry/backend/publish"
	"smallfry/backend/workbench"
)

// scheduling is the company's Airflow as the workbench and `smallfry
// publish` use it: the settings' airflow section, the user's Airflow
// password in the OS keychain (or SMALLFRY_PUBLISH_USER and
// SMALLFRY_PUBLISH_PASSWORD, for scripts), specs written with the
// signed-in user's keys when they go to S3.
type scheduling struct {
	acct     *account
	keychain auth.Keychain
	binary   string // the smallfry that parity runs start

	mu     sync.Mutex
	client *airflow.Client
	key    string // the settings the client was made for
}

var _ workbench.Scheduling = (*scheduling)(nil)

const airflowKeychainService = "Smallfry Airflow"

// airflowLogin is what the keychain keeps for one Airflow.
type airflowLogin struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func (s *scheduling) settings() (*auth.Airflow, error) {
	s.acct.mu.Lock()
	st := s.acct.settings
	s.acct.mu.Unlock()
	if st == nil || st.Airflow == nil {
		return nil, backend.Errorf(backend.EINVALID, "no Airflow is set up: import the company settings that name one (their \"airflow\" section)")
	}
	return st.Airflow, nil
}

// login is the user and password to sign in to Airflow with, "" if none.
func (s *scheduling) login(af *auth.Airflow) airflowLogin {
	if p := os.Getenv("SMALLFRY_PUBLISH_PASSWORD"); p != "" {
		return airflowLogin{User: firstOf(os.Getenv("SMALLFRY_PUBLISH_USER"), af.User), Password: p}
	}
	var l airflowLogin
	if raw, err := s.keychain.Get(airflowKeychainService, af.URL); err == nil {
		_ = json.Unmarshal([]byte(raw), &l)
	}
	if af.User != "" {
		l.User = af.User
	}
	return l
}

// Airflow implements workbench.Scheduling.
func (s *scheduling) Airflow(ctx context.Context) (*workbench.AirflowAccount, error) {
	af, err := s.settings()
	if err != nil {
		return &workbench.AirflowAccount{}, nil
	}
	l := s.login(af)
	return &workbench.AirflowAccount{Configured: true, URL: af.URL, User: l.User, HasPassword: l.Password != "", FixedUser: af.User != ""}, nil
}

// SignIn implements workbench.Scheduling: it checks the password with
// Airflow and keeps it in the OS keychain.
func (s *scheduling) SignIn(ctx context.Context, userName, password string) error {
	af, err := s.settings()
	if err != nil {
		return err
	}
	if af.User != "" {
		userName = af.User
	}
	if userName == "" || password == "" {
		return backend.Errorf(backend.EINVALID, "give your Airflow user name and password")
	}
	c, err := airflow.New(airflow.Options{URL: af.URL, User: userName, Password: func(context.Context) (string, error) { return password, nil }})
	if err != nil {
		return err
	}
	if _, err := c.DAGs(ctx, publish.TagSmallfry); err != nil {
		return err
	}
	data, _ := json.Marshal(airflowLogin{User: userName, Password: password})
	if err := s.keychain.Set(airflowKeychainService, af.URL, string(data)); err != nil {
		return backend.Errorf(backend.EINTERNAL, "keep the Airflow password in the OS keychain: %v", err)
	}
	s.mu.Lock()
	s.client, s.key = nil, ""
	s.mu.Unlock()
	return nil
}

// SignOut implements workbench.Scheduling: it forgets the password.
func (s *scheduling) SignOut(ctx context.Context) error {
	af, err := s.settings()
	if err != nil {
		return err
	}
	if err := s.keychain.Delete(airflowKeychainService, af.URL); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	s.mu.Lock()
	s.client, s.key = nil, ""
	s.mu.Unlock()
	return nil
}

// ErrAirflowSignIn is wrapped when no Airflow password is known.
var ErrAirflowSignIn = errors.New("sign in to Airflow")

// Publisher implements workbench.Scheduling.
func (s *scheduling) Publisher(ctx context.Context) (*publish.Publisher, lake.Storage, error) {
	af, err := s.settings()
	if err != nil {
		return nil, nil, err
	}
	l := s.login(af)
	if l.Password == "" || l.User == "" {
		return nil, nil, backend.Errorf(backend.EINVALID, "sign in to Airflow at %s first (your Airflow user name and password): %w", af.URL, ErrAirflowSignIn)
	}
	key := af.URL + "\x00" + l.User + "\x00" + l.Password
	s.mu.Lock()
	c := s.client
	if s.key != key || c == nil {
		c, err = airflow.New(airflow.Options{URL: af.URL, User: l.User, Password: func(context.Context) (string, error) { return l.Password, nil }})
		if err != nil {
			s.mu.Unlock()
			return nil, nil, err
		}
		s.client, s.key = c, key
	}
	s.mu.Unlock()

	s.acct.mu.Lock()
	st := *s.acct.settings
	s.acct.mu.Unlock()
	creds := keys{s.acct.Credentials(), s.acct}
	cache := filepath.Join(s.acct.cacheDir, "airflow")
	specsAt := af.DAGs
	if !isS3(specsAt) {
		specsAt = filepath.Join(specsAt, "smallfry")
	} else {
		specsAt = specsAt + "/smallfry"
	}
	specs, err := location(specsAt, creds, st.Region, st.S3Endpoint, cache)
	if err != nil {
		return nil, nil, err
	}
	outputsHere := firstOf(af.OutputsHere, af.Outputs)
	outputs, err := location(outputsHere, creds, st.Region, st.S3Endpoint, cache)
	if err != nil {
		return nil, nil, err
	}
	return &publish.Publisher{Airflow: c, Specs: specs, Outputs: af.Outputs}, outputs, nil
}

func isS3(loc string) bool { return len(loc) > 5 && loc[:5] == "s3://" }

// Owner implements workbench.Scheduling: the signed-in user, else this
// machine's user.
func (s *scheduling) Owner(ctx context.Context) string {
	if st := s.acct.Status(ctx); st.User != "" {
		return st.User
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "analyst"
}

// Binary implements workbench.Scheduling.
func (s *scheduling) Binary() string { return s.binary }

// Publisher is the company Airflow's publisher and the scheduled runs'
// outputs as this machine reads them.
func (a *App) Publisher(ctx context.Context) (*publish.Publisher, lake.Storage, error) {
	return a.schedule.Publisher(ctx)
}
