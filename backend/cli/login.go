package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pkg/browser"

	"smallfry/backend"
	"smallfry/backend/auth"
)

// loginCommand is `smallfry login [--config FILE] [--no-browser]`: it
// imports the company settings when given, then signs in with the device
// flow: the code is printed, the IdP's page opened in the browser.
func loginCommand(ctx context.Context, args []string, io Streams) int {
	fs := flag.NewFlagSet("smallfry login", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, usage) }
	config := fs.String("config", "", "import this company settings file first")
	noBrowser := fs.Bool("no-browser", false, "do not open the sign-in page")
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(io.Stderr, "smallfry login: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return exitInvalid
	}
	if *config != "" {
		s, err := auth.ImportSettings(*config, "")
		if err != nil {
			return fail(io, err)
		}
		fmt.Fprintf(io.Stdout, "Imported the company settings: lake %s, sign-in at %s.\n", s.Lake, s.Issuer)
	}
	client, err := signInClient()
	if err != nil {
		return fail(io, err)
	}
	p, err := client.Start(ctx)
	if err != nil {
		return fail(io, err)
	}
	fmt.Fprintf(io.Stdout, "To sign in, open %s\nand enter the code:\n\n    %s\n\nThe code expires at %s. Waiting…\n",
		p.VerificationURI, p.UserCode, p.Expiry.Local().Format("15:04:05"))
	if !*noBrowser && os.Getenv("SMALLFRY_NO_BROWSER") == "" {
		browser.Stdout, browser.Stderr = io.Stderr, io.Stderr
		if err := browser.OpenURL(p.VerificationURI); err != nil {
			fmt.Fprintln(io.Stderr, "smallfry: could not open a browser; open the address above yourself")
		}
	}
	sess, err := p.Wait(ctx)
	if err != nil {
		return fail(io, err)
	}
	who := sess.Email
	if who == "" {
		who = sess.Name
	}
	if who == "" {
		who = sess.Subject
	}
	fmt.Fprintf(io.Stdout, "Signed in as %s.\n", who)
	creds, err := client.Credentials().Retrieve(ctx)
	if err != nil {
		fmt.Fprintln(io.Stderr, "smallfry: signed in, but the temporary AWS keys could not be had:", backend.ErrorMessage(err))
		return exitFailed
	}
	fmt.Fprintf(io.Stdout, "Temporary AWS keys are ready (they renew themselves; these expire at %s).\n", creds.Expires.Local().Format("15:04"))
	return exitOK
}

// logoutCommand is `smallfry logout`: it revokes the sign-in at the IdP and
// forgets it here.
func logoutCommand(ctx context.Context, args []string, io Streams) int {
	if len(args) > 0 {
		fmt.Fprintf(io.Stderr, "smallfry logout: unexpected argument %q\n\n%s", args[0], usage)
		return exitInvalid
	}
	client, err := signInClient()
	if err != nil {
		return fail(io, err)
	}
	err = client.SignOut(ctx)
	if errors.Is(err, auth.ErrNotRevoked) {
		fmt.Fprintln(io.Stderr, "smallfry:", err)
		return exitOK
	}
	if err != nil {
		return fail(io, err)
	}
	fmt.Fprintln(io.Stdout, "Signed out.")
	return exitOK
}

// processCredentials is what AWS's credential_process expects on stdout.
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// credentialsCommand is `smallfry credentials`: the signed-in user's
// temporary AWS keys as credential_process JSON, so that
// `credential_process = smallfry credentials` in ~/.aws/config serves the
// AWS CLI and every SDK. Nothing else is printed on stdout.
func credentialsCommand(ctx context.Context, args []string, io Streams) int {
	if len(args) > 0 {
		fmt.Fprintf(io.Stderr, "smallfry credentials: unexpected argument %q\n\n%s", args[0], usage)
		return exitInvalid
	}
	client, err := signInClient()
	if err != nil {
		return fail(io, err)
	}
	creds, err := client.Credentials().Retrieve(ctx)
	if errors.Is(err, auth.ErrSignedOut) {
		fmt.Fprintln(io.Stderr, "smallfry: signed out: run `smallfry login` to sign in")
		return exitFailed
	}
	if err != nil {
		return fail(io, err)
	}
	out := processCredentials{Version: 1, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
	if creds.CanExpire {
		out.Expiration = creds.Expires.UTC().Format(time.RFC3339)
	}
	if err := json.NewEncoder(io.Stdout).Encode(out); err != nil {
		return fail(io, err)
	}
	return exitOK
}

// signInClient is the sign-in of the imported company settings.
func signInClient() (*auth.Client, error) {
	s, err := auth.ImportedSettings("")
	if backend.ErrorCode(err) == backend.ENOTFOUND {
		return nil, backend.Errorf(backend.EINVALID, "no company settings yet: run `smallfry login --config FILE` with the file your admin gave you")
	}
	if err != nil {
		return nil, err
	}
	return auth.New(s, auth.Options{})
}
