package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"smallfry/backend/auth"
	"smallfry/backend/auth/authtest"
	"smallfry/backend/smallfry"
)

// clusterToken runs `smallfry cluster-token` with input on its stdin.
func clusterToken(t *testing.T, dir, input string, args ...string) (stderr string, code int) {
	t.Helper()
	args = append([]string{"cluster-token", "--workspace", filepath.Join(dir, "ws")}, args...)
	var out, errOut bytes.Buffer
	if bin := os.Getenv("SMALLFRY_BIN"); bin != "" {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = dir, strings.NewReader(input), &out, &errOut
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return errOut.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return errOut.String() + out.String(), 0
	}
	code = Main(context.Background(), args, Streams{Stdin: strings.NewReader(input), Stdout: &out, Stderr: &errOut},
		Config{OpenWindow: func(context.Context, smallfry.Config) error { t.Fatal("the window must not open"); return nil }})
	return errOut.String() + out.String(), code
}

func TestClusterTokenCommand(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	t.Setenv("SMALLFRY_CONFIG_DIR", config)
	url := "sc://127.0.0.1:1" // never dialed: the token is only kept
	settings := `{"issuer": "http://127.0.0.1:9", "clientId": "smallfry-test", "roleArn": "arn:minio:iam:::role/x", "region": "us-east-1", "lake": "s3://lake/dev",
		"clusters": [{"name": "prod", "url": "` + url + `", "auth": "token", "s3": "cluster"}, {"name": "sso", "url": "sc://127.0.0.1:2", "auth": "sso", "s3": "user"}]}`
	if _, err := auth.SaveSettings([]byte(settings), config); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, input string
		args        []string
		want        string
	}{
		{"unknown cluster", "x\n", []string{"nope"}, `no cluster "nope" in the company settings`},
		{"a cluster that takes the sign-in", "x\n", []string{"sso"}, "takes your sign-in"},
		{"no token on stdin", "", []string{"prod"}, "no token given on stdin"},
		{"no name", "", nil, "expected the cluster's name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr, code := clusterToken(t, dir, tc.input, tc.args...)
			if code != exitInvalid || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and …%s…", code, stderr, exitInvalid, tc.want)
			}
		})
	}
	t.Run("kept in the OS keychain, not printed", func(t *testing.T) {
		authtest.RequireOSKeychain(t)
		const token = "cluster-token-e2a9f1c4"
		t.Cleanup(func() { _ = keyring.Delete("Smallfry Spark cluster", url) })
		stderr, code := clusterToken(t, dir, token+"\n", "prod")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.Contains(stderr, token) {
			t.Error("the token was printed")
		}
		got, err := keyring.Get("Smallfry Spark cluster", url)
		if err != nil || got != token {
			t.Errorf("keychain: %q, %v", got, err)
		}
		if files, _ := filepath.Glob(filepath.Join(config, "*")); len(files) > 0 {
			for _, f := range files {
				if data, _ := os.ReadFile(f); bytes.Contains(data, []byte(token)) {
					t.Errorf("the token is in %s", f)
				}
			}
		}
	})
}
