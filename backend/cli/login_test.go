package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"smallfry/backend/auth/authtest"
	"smallfry/backend/smallfry"
)

// companySettings writes the settings file an admin hands out, for the
// test IdP and MinIO.
func companySettings(t *testing.T, idp authtest.IdP, sts authtest.STS, bucket string) string {
	t.Helper()
	data, _ := json.MarshalIndent(map[string]any{
		"name": "Test Co", "issuer": idp.Issuer, "clientId": idp.ClientID, "roleArn": sts.RoleARN,
		"region": "us-east-1", "stsEndpoint": sts.Endpoint, "s3Endpoint": sts.Endpoint,
		"lake": "s3://" + bucket + "/analytics", "sessionDuration": 900,
	}, "", "  ")
	path := filepath.Join(t.TempDir(), "company.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// loginAsUser runs `smallfry login --config FILE --no-browser` as a user
// types it, reads the code it prints and approves it on the IdP's pages.
func loginAsUser(t *testing.T, dir string, idp authtest.IdP, args ...string) (stdout string, code int) {
	t.Helper()
	pr, pw := io.Pipe()
	var out bytes.Buffer
	var errOut bytes.Buffer
	done := make(chan int, 1)
	args = append([]string{"login", "--no-browser"}, args...)
	if bin := os.Getenv("SMALLFRY_BIN"); bin != "" {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, io.MultiWriter(pw, &out), &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			err := cmd.Wait()
			pw.Close()
			if ee, ok := err.(*exec.ExitError); ok {
				done <- ee.ExitCode()
				return
			}
			done <- 0
		}()
	} else {
		go func() {
			c := Main(context.Background(), args, Streams{Stdin: strings.NewReader(""), Stdout: io.MultiWriter(pw, &out), Stderr: &errOut},
				Config{OpenWindow: func(context.Context, smallfry.Config) error { return nil }})
			pw.Close()
			done <- c
		}()
	}
	// The code is printed indented on a line of its own, after the address.
	sc := bufio.NewScanner(pr)
	var uri string
	codeLine := regexp.MustCompile(`^    (\S+)$`)
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "To sign in, open "); ok {
			uri = u
		}
		if m := codeLine.FindStringSubmatch(line); m != nil && uri != "" {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := authtest.PlayUser(ctx, uri, m[1], idp.User)
			cancel()
			if err != nil {
				t.Errorf("approve the code on the IdP: %v", err)
			}
			break
		}
	}
	go io.Copy(io.Discard, pr)
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("smallfry login did not finish")
	}
	if code != 0 {
		t.Logf("login stderr: %s", errOut.String())
	}
	return out.String(), code
}

func TestLoginCredentialsLogout(t *testing.T) {
	authtest.RequireOSKeychain(t)
	idp := authtest.StartIdP(t)
	sts := authtest.StartSTS(t, idp)
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	t.Setenv("SMALLFRY_CONFIG_DIR", config)
	bucket := fmt.Sprintf("lake-%d", time.Now().UnixNano())
	settings := companySettings(t, idp, sts, bucket)
	root := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(sts.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(sts.RootUser, sts.RootPassword, "")})
	if _, err := root.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("analytics/hello.txt"), Body: strings.NewReader("hi")}); err != nil {
		t.Fatal(err)
	}

	t.Run("before any settings, credentials says what to do", func(t *testing.T) {
		_, stderr, code := runSmallfry(t, dir, "credentials")
		if code != exitInvalid || !strings.Contains(stderr, "smallfry login --config FILE") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("a broken settings file is refused, naming the field, and nothing is imported", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"issuer": "`+idp.Issuer+`", "clientId": "x", "region": "us-east-1", "lake": "bucket/prefix"}`), 0o644)
		_, stderr, code := runSmallfry(t, dir, "login", "--no-browser", "--config", bad)
		if code != exitInvalid || !strings.Contains(stderr, "roleArn") && !strings.Contains(stderr, "lake") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(config, "company.json")); err == nil {
			t.Error("a broken file was imported")
		}
	})

	out, code := loginAsUser(t, dir, idp, "--config", settings)
	if code != 0 || !strings.Contains(out, "Signed in as") || !strings.Contains(out, "Temporary AWS keys are ready") {
		t.Fatalf("login: exit %d\n%s", code, out)
	}

	stdout, stderr, code := runSmallfry(t, dir, "credentials")
	if code != 0 {
		t.Fatalf("credentials: exit %d: %s", code, stderr)
	}
	var creds struct {
		Version                                                int
		AccessKeyId, SecretAccessKey, SessionToken, Expiration string
	}
	if err := json.Unmarshal([]byte(stdout), &creds); err != nil {
		t.Fatalf("credentials printed %q: %v", stdout, err)
	}
	exp, err := time.Parse(time.RFC3339, creds.Expiration)
	if creds.Version != 1 || creds.AccessKeyId == "" || creds.SecretAccessKey == "" || creds.SessionToken == "" || err != nil || time.Until(exp) < 5*time.Minute {
		t.Errorf("credential_process JSON = %+v (expiration %v)", creds, err)
	}

	t.Run("an SDK signs with them through credential_process", func(t *testing.T) {
		py := os.Getenv("SMALLFRY_PYTHON")
		bin := os.Getenv("SMALLFRY_BIN")
		if py == "" || bin == "" {
			t.Skip("needs SMALLFRY_PYTHON (with boto3) and SMALLFRY_BIN")
		}
		awsConfig := filepath.Join(dir, "aws-config")
		os.WriteFile(awsConfig, []byte("[profile company]\nregion = us-east-1\ncredential_process = "+bin+" credentials\n"), 0o600)
		script := `
import boto3, sys
s = boto3.Session(profile_name="company")
c = s.client("s3", endpoint_url=sys.argv[1])
c.put_object(Bucket=sys.argv[2], Key="analytics/from-boto3.txt", Body=b"hi")
print(c.get_object(Bucket=sys.argv[2], Key="analytics/hello.txt")["Body"].read().decode(), s.get_credentials().method)
`
		cmd := exec.Command(py, "-c", script, sts.Endpoint, bucket)
		cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+awsConfig, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
			"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=")
		got, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(got)) != "hi custom-process" {
			t.Errorf("boto3 through credential_process: %v\n%s", err, got)
		}
	})

	t.Run("the AWS CLI signs with them through credential_process", func(t *testing.T) {
		awsCLI := os.Getenv("SMALLFRY_AWS_CLI")
		bin := os.Getenv("SMALLFRY_BIN")
		if awsCLI == "" || bin == "" {
			t.Skip("needs SMALLFRY_AWS_CLI and SMALLFRY_BIN (make test sets both)")
		}
		awsConfig := filepath.Join(dir, "aws-cli-config")
		os.WriteFile(awsConfig, []byte("[profile company]\nregion = us-east-1\ncredential_process = "+bin+" credentials\n"), 0o600)
		cmd := exec.Command(awsCLI, "s3", "ls", "s3://"+bucket+"/analytics/", "--profile", "company", "--endpoint-url", sts.Endpoint)
		cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE="+awsConfig, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
			"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=")
		got, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(got), "hello.txt") {
			t.Errorf("aws s3 ls through credential_process: %v\n%s", err, got)
		}
	})

	t.Run("no key or token is left in clear in the config folder", func(t *testing.T) {
		secrets := []string{creds.SecretAccessKey, creds.SessionToken, creds.AccessKeyId}
		filepath.WalkDir(config, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(p)
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds a secret in clear", p)
				}
			}
			return nil
		})
	})

	stdout, stderr, code = runSmallfry(t, dir, "logout")
	if code != 0 || !strings.Contains(stdout, "Signed out") {
		t.Fatalf("logout: exit %d: %s %s", code, stdout, stderr)
	}
	_, stderr, code = runSmallfry(t, dir, "credentials")
	if code != exitFailed || !strings.Contains(stderr, "smallfry login") {
		t.Errorf("credentials after logout: exit %d: %s", code, stderr)
	}
}
