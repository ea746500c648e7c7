package auth

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smallfry/backend"
)

func TestParseSettingsGood(t *testing.T) {
	tests := []struct {
		file   string
		want   Settings
		bucket string
		prefix string
	}{
		{"okta.json", Settings{
			Name: "Acme (Okta)", Issuer: "https://acme.okta.com/oauth2/default", ClientID: "0oa8f5j3ecb5w3dF35d7",
			Scopes: []string{"openid", "offline_access"}, RoleARN: "arn:aws:iam::123456789012:role/smallfry-analyst",
			Region: "eu-west-1", Lake: "s3://acme-lake/analytics", SessionDuration: time.Hour,
		}, "acme-lake", "analytics/"},
		{"entra.json", Settings{
			Name: "Contoso (Entra ID)", Issuer: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
			ClientID: "6731de76-14a6-49ae-97bc-6eba6914391e", Scopes: []string{"openid", "offline_access", "profile", "email"},
			RoleARN: "arn:aws:iam::210987654321:role/contoso/Analysts", Region: "us-east-2",
			Lake: "s3://contoso-data/lake/", SessionDuration: 2 * time.Hour,
		}, "contoso-data", "lake/"},
		{"google.json", Settings{
			Name: "Example (Google Workspace)", Issuer: "https://accounts.google.com",
			ClientID:     "407408718192-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com",
			ClientSecret: "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lients", Scopes: []string{"openid", "email"},
			RoleARN: "arn:aws:iam::111122223333:role/GoogleFederatedAnalyst", Region: "us-west-2",
			STSEndpoint: "https://sts.us-west-2.amazonaws.com", Lake: "s3://example-analytics", SessionDuration: time.Hour,
		}, "example-analytics", ""},
		{"keycloak.json", Settings{
			Issuer: "https://sso.example.org/realms/data", ClientID: "smallfry", Scopes: []string{"openid", "offline_access"},
			RoleARN: "arn:aws:iam::444455556666:role/keycloak-analyst", Region: "ap-southeast-2",
			S3Endpoint: "https://s3.ap-southeast-2.amazonaws.com", Lake: "s3://example.org-lake/team/sales", SessionDuration: time.Hour,
		}, "example.org-lake", "team/sales/"},
		{"minio-dev.json", Settings{
			Name: "Local MinIO (development)", Issuer: "http://127.0.0.1:9400", ClientID: "smallfry-test",
			Scopes: []string{"openid", "offline_access"}, RoleARN: "arn:minio:iam:::role/dWgRvzmhyXHFxT4IO_KpVbBDWmY",
			Region: "us-east-1", STSEndpoint: "http://127.0.0.1:9000", S3Endpoint: "http://localhost:9000",
			Lake: "s3://lake/dev", SessionDuration: 15 * time.Minute,
		}, "lake", "dev/"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := LoadSettings(filepath.Join("testdata", "settings", "good", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%#v", []any{got.Scopes, got.ClientSecret}) != fmt.Sprintf("%#v", []any{tt.want.Scopes, tt.want.ClientSecret}) ||
				got.String() != tt.want.String() || got.SessionDuration != tt.want.SessionDuration ||
				got.Name != tt.want.Name || got.STSEndpoint != tt.want.STSEndpoint || got.S3Endpoint != tt.want.S3Endpoint {
				t.Errorf("got  %+v\nwant %+v", plainSettings(got), plainSettings(tt.want))
			}
			if b, p := got.LakeLocation(); b != tt.bucket || p != tt.prefix {
				t.Errorf("LakeLocation = %q, %q; want %q, %q", b, p, tt.bucket, tt.prefix)
			}
			// What MarshalJSON writes parses back to the same settings.
			data, err := got.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseSettings(data)
			if err != nil {
				t.Fatalf("reparse %s: %v", data, err)
			}
			if again.String() != got.String() || again.SessionDuration != got.SessionDuration || !slices.Equal(again.Scopes, got.Scopes) {
				t.Errorf("round trip: got %+v, want %+v", plainSettings(again), plainSettings(got))
			}
		})
	}
}

// plainSettings prints every field, the secret included (tests only).
func plainSettings(s Settings) string {
	type plain Settings
	return fmt.Sprintf("%+v", plain(s))
}

func TestParseSettingsBad(t *testing.T) {
	tests := map[string]string{
		"empty":             "settings: the file is empty",
		"whitespace":        "settings: the file is empty",
		"not-json":          "settings: not valid JSON at line 1, column 1",
		"truncated":         "settings: not valid JSON: the file ends too early",
		"array":             "settings: expected a JSON object with the settings, got array",
		"null":              "settings: expected a JSON object, got null",
		"trailing":          "settings: unexpected text after the JSON object",
		"missing-issuer":    "settings: issuer is missing",
		"blank-issuer":      "settings: issuer is missing",
		"missing-client":    "settings: clientId is missing",
		"missing-role":      "settings: roleArn is missing",
		"missing-region":    "settings: region is missing",
		"missing-lake":      "settings: lake is missing",
		"unknown-field":     `settings: unknown field "tenant"`,
		"case-typo":         `settings: unknown field "clientID" (did you mean "clientId"?)`,
		"issuer-http":       `settings: issuer must use https (http only for 127.0.0.1 or localhost), got "http://acme.okta.com"`,
		"issuer-not-url":    `settings: issuer must be an https URL, got "acme.okta.com"`,
		"issuer-query":      "settings: issuer must not have a query or fragment",
		"issuer-userinfo":   `settings: issuer must not carry a user or password, got "https://admin:xxxxx@acme.okta.com"`,
		"issuer-number":     "settings: issuer must be a string, got a number",
		"client-space":      `settings: clientId must not contain spaces, got "my client"`,
		"role-not-arn":      `settings: roleArn must look like arn:aws:iam::123456789012:role/NAME, got "smallfry-analyst"`,
		"role-user-arn":     "settings: roleArn must look like arn:aws:iam::123456789012:role/NAME",
		"region-upper":      `settings: region must look like eu-west-1, got "EU West 1"`,
		"sts-http":          `settings: stsEndpoint must use https`,
		"s3-ftp":            `settings: s3Endpoint must be an https URL, got "ftp://files.acme.com"`,
		"lake-https":        `settings: lake must look like s3://bucket/prefix, got "https://acme-lake.s3.amazonaws.com/p"`,
		"lake-path":         `settings: lake must look like s3://bucket/prefix, got "/data/lake"`,
		"lake-bucket-upper": `settings: lake: "Acme_Lake" is not an S3 bucket name`,
		"lake-double-slash": `settings: lake: the prefix "a//b" has an empty part`,
		"scopes-no-openid":  `settings: scopes must include openid`,
		"scopes-empty":      "settings: scopes must not be empty",
		"scopes-string":     "settings: scopes must be a list of strings, got a string",
		"scopes-space":      `settings: scopes: "openid offline_access" is not a scope`,
		"duration-short":    "settings: sessionDuration must be between 15m and 12h, got 1m0s",
		"duration-long":     "settings: sessionDuration must be between 15m and 12h, got 24h0m0s",
		"duration-words":    `settings: sessionDuration must be seconds or a duration like "1h", got "one hour"`,
		"duration-bool":     `settings: sessionDuration must be seconds or a duration like "1h", got a boolean`,
		"duration-fraction": "settings: sessionDuration must be whole seconds, got 3600.5",
	}
	files, err := filepath.Glob(filepath.Join("testdata", "settings", "bad", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d files in testdata/settings/bad, %d cases here: each file needs its case", len(files), len(tests))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			want, ok := tests[name]
			if !ok {
				t.Fatalf("no expected error for %s", f)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseSettings(data)
			if err == nil {
				t.Fatalf("ParseSettings accepted %s", data)
			}
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n got %q\nwant %q...", err, want)
			}
			if code := backend.ErrorCode(err); code != backend.EINVALID {
				t.Errorf("code %q, want %q", code, backend.EINVALID)
			}
			// Loading names the file too.
			_, err = LoadSettings(f)
			if err == nil || !strings.HasPrefix(err.Error(), filepath.Base(f)+": settings: ") {
				t.Errorf("LoadSettings error %q does not start with the file name", err)
			}
		})
	}
}

func TestSettingsStringRedactsSecret(t *testing.T) {
	s, err := LoadSettings(filepath.Join("testdata", "settings", "good", "google.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{s.String(), fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s)} {
		if strings.Contains(out, "GOCSPX") {
			t.Errorf("secret in %q", out)
		}
	}
}

func TestImportSettings(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(ConfigDirEnv, dir)

	if _, err := ImportedSettings(""); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Fatalf("before import: %v, want ENOTFOUND", err)
	}
	good := filepath.Join("testdata", "settings", "good", "okta.json")
	s, err := ImportSettings(good, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.ClientID != "0oa8f5j3ecb5w3dF35d7" {
		t.Errorf("imported %v", s)
	}
	got, err := ImportedSettings("")
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != s.String() {
		t.Errorf("ImportedSettings = %v, want %v", got, s)
	}
	if fi, err := os.Stat(filepath.Join(dir, SettingsFile)); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("company.json: %v, mode %v", err, fi.Mode())
	}

	// A bad file changes nothing and says which field is wrong.
	_, err = ImportSettings(filepath.Join("testdata", "settings", "bad", "missing-lake.json"), "")
	if err == nil || !strings.Contains(err.Error(), "lake is missing") {
		t.Fatalf("import of a bad file: %v", err)
	}
	if got, err := ImportedSettings(""); err != nil || got.String() != s.String() {
		t.Errorf("after a failed import: %v, %v; want the earlier settings", got, err)
	}
	// The UI's import hands over the bytes.
	data, err := os.ReadFile(filepath.Join("testdata", "settings", "good", "keycloak.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	s2, err := SaveSettings(data, other)
	if err != nil || s2.ClientID != "smallfry" {
		t.Fatalf("SaveSettings: %v, %v", s2, err)
	}
	if got, err := ImportedSettings(other); err != nil || got.String() != s2.String() {
		t.Errorf("ImportedSettings after SaveSettings: %v, %v", got, err)
	}
	if _, err := SaveSettings([]byte(`{"issuer": "https://x.example.com"}`), other); err == nil || !strings.Contains(err.Error(), "clientId is missing") {
		t.Errorf("SaveSettings of bad content: %v", err)
	}
	if got, _ := ImportedSettings(other); got.ClientID != "smallfry" {
		t.Errorf("bad content replaced the settings: %v", got)
	}
	// A missing source says so.
	_, err = ImportSettings(filepath.Join(dir, "nope.json"), "")
	if backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("missing source: %v", err)
	}
}
