package workbench

import (
	"context"
	"time"

	"smallfry/backend"
	"smallfry/backend/lake"
)

// Account is the user's company sign-in as the UI shows it.
type Account struct {
	// Configured is set once company settings are imported.
	Configured bool   `json:"configured"`
	Lake       string `json:"lake,omitempty"`   // s3://bucket/prefix
	Issuer     string `json:"issuer,omitempty"` // the identity provider
	SignedIn   bool   `json:"signedIn"`
	User       string `json:"user,omitempty"` // from the id_token: email or name
	// KeysExpire is when the current temporary AWS keys expire (they are
	// refreshed before then without asking).
	KeysExpire time.Time `json:"keysExpire,omitzero"`
	// Problem is why the user must sign in again, or why the last sign-in
	// failed; shown once as a banner.
	Problem string `json:"problem,omitempty"`
	// Pending is the sign-in in progress, if any.
	Pending *DeviceCode `json:"pending,omitempty"`
}

// DeviceCode is a device-flow sign-in waiting for the user: they open
// VerificationURI in a browser and type UserCode there.
type DeviceCode struct {
	UserCode        string    `json:"userCode"`
	VerificationURI string    `json:"verificationUri"`
	ExpiresAt       time.Time `json:"expiresAt"`
}

// S3Lake is the company's S3 lake in the catalog.
type S3Lake struct {
	Location string    `json:"location"` // s3://bucket/prefix
	Datasets []Dataset `json:"datasets"`
	// Offline is set when S3 cannot be reached or the user is signed out:
	// Datasets then lists what is cached, each with CachedAt.
	Offline bool   `json:"offline,omitempty"`
	Problem string `json:"problem,omitempty"`
	// CachedAt tells, by dataset name, when its local copy was fetched
	// (the oldest of its files'); Partial names those only partly cached
	// (some partitions), which answer offline for those partitions only.
	CachedAt map[string]time.Time `json:"cachedAt,omitempty"`
	Partial  map[string]bool      `json:"partial,omitempty"`
}

// Accounts is the company sign-in and S3 lake behind the workbench
// (package smallfry's, over package auth and the S3 store).
type Accounts interface {
	Status(ctx context.Context) Account
	// Import validates company settings (the file's content) and keeps them.
	Import(ctx context.Context, settings []byte) error
	// SignIn starts a device-flow sign-in; done is called once it ends.
	SignIn(ctx context.Context, done func(error)) (DeviceCode, error)
	CancelSignIn()
	SignOut(ctx context.Context) error
	// Lake is the S3 lake lake saves write to, nil until settings are imported.
	Lake() *lake.Lake
	// Catalog lists the S3 lake (nil until settings are imported); when S3
	// cannot be reached it lists what is cached, marked Offline.
	Catalog(ctx context.Context) (*S3Lake, error)
	// Listed is what Catalog last listed, without asking S3 again.
	Listed() []Dataset
}

func (s *Service) accounts() (Accounts, error) {
	if s.cfg.Accounts == nil {
		return nil, backend.Errorf(backend.EINVALID, "company sign-in is not set up in this workbench")
	}
	return s.cfg.Accounts, nil
}

// Account reports the company sign-in.
func (s *Service) Account(ctx context.Context) (*Account, error) {
	a, err := s.accounts()
	if err != nil {
		return &Account{}, nil
	}
	st := a.Status(ctx)
	return &st, nil
}

// ImportSettings takes the company settings file an admin handed out (its
// content), validates it and keeps it; a bad field is named in the error.
func (s *Service) ImportSettings(ctx context.Context, content string) (*Account, error) {
	a, err := s.accounts()
	if err != nil {
		return nil, err
	}
	if err := a.Import(ctx, []byte(content)); err != nil {
		return nil, err
	}
	st := a.Status(ctx)
	s.events.Emit(EventAccount, st)
	return &st, nil
}

// SignIn starts the device flow and returns the code to show; an account
// event follows when the user approves it, denies it or it expires.
func (s *Service) SignIn(ctx context.Context) (*DeviceCode, error) {
	a, err := s.accounts()
	if err != nil {
		return nil, err
	}
	code, err := a.SignIn(ctx, func(error) { s.events.Emit(EventAccount, a.Status(context.Background())) })
	if err != nil {
		return nil, err
	}
	s.events.Emit(EventAccount, a.Status(ctx))
	return &code, nil
}

// CancelSignIn stops a sign-in in progress.
func (s *Service) CancelSignIn(ctx context.Context) error {
	a, err := s.accounts()
	if err != nil {
		return err
	}
	a.CancelSignIn()
	s.events.Emit(EventAccount, a.Status(ctx))
	return nil
}

// SignOut revokes the sign-in at the identity provider and forgets it here.
func (s *Service) SignOut(ctx context.Context) error {
	a, err := s.accounts()
	if err != nil {
		return err
	}
	err = a.SignOut(ctx)
	s.events.Emit(EventAccount, a.Status(ctx))
	return err
}

// S3Lake lists the company's S3 lake: nil when no settings are imported.
// Unreachable (offline or signed out), it lists the tables cached here.
func (s *Service) S3Lake(ctx context.Context) (*S3Lake, error) {
	a, err := s.accounts()
	if err != nil {
		return nil, nil
	}
	return a.Catalog(ctx)
}
