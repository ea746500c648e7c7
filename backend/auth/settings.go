package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"smallfry/backend"
	"smallfry/backend/atomicfile"
)

// Settings is the company file an admin hands out: which identity provider
// to sign in with, which role to assume and where the lake is. It holds no
// secret worth the name (see ClientSecret).
type Settings struct {
	// Name is what the UI calls the company ("Acme"); optional.
	Name string `json:"name,omitempty"`
	// Issuer is the OIDC issuer URL, exactly as the IdP's discovery document
	// states it: https, or http on a loopback address for development.
	Issuer string `json:"issuer"`
	// ClientID is the IdP's public (native) client with the device flow on.
	ClientID string `json:"clientId"`
	// ClientSecret is only for IdPs that demand one even from device clients
	// (Google's "TVs and limited input" clients), where it is not a secret.
	ClientSecret string `json:"clientSecret,omitempty"`
	// Scopes requested; default openid and offline_access.
	Scopes []string `json:"scopes,omitempty"`
	// RoleARN is the role STS assumes with the id_token.
	RoleARN string `json:"roleArn"`
	// Region is the AWS region of STS and the lake.
	Region string `json:"region"`
	// STSEndpoint overrides STS's regional endpoint (MinIO, a VPC endpoint).
	STSEndpoint string `json:"stsEndpoint,omitempty"`
	// S3Endpoint overrides S3's (MinIO, another S3-compatible store).
	S3Endpoint string `json:"s3Endpoint,omitempty"`
	// Lake is where the company's tables live: s3://bucket/prefix.
	Lake string `json:"lake"`
	// SessionDuration is how long STS keys live: 15 min to 12 h, default 1 h.
	// In the file: seconds (3600) or a Go duration ("1h").
	SessionDuration time.Duration `json:"-"`
	// Airflow is where notebooks are published to run on a schedule; nil
	// when the company has none.
	Airflow *Airflow `json:"airflow,omitempty"`
	// Clusters are the Spark clusters SQL cells may run on (clusters.go).
	Clusters []Cluster `json:"clusters,omitempty"`
}

// Airflow is the company's Airflow, as the settings file names it.
type Airflow struct {
	// URL is the Airflow API server (https, or http on loopback).
	URL string `json:"url"`
	// User signs in at the API; its password is asked once and kept in
	// the OS keychain. "" lets each analyst give theirs.
	User string `json:"user,omitempty"`
	// DAGs is where the specs and snapshots go: the DAG folder as this
	// machine reaches it (an absolute path, a mounted share), or the
	// s3://bucket/prefix of an S3 DAG bundle.
	DAGs string `json:"dags"`
	// Outputs is where scheduled runs write their records and output
	// notebooks, as the workers name it: an absolute path or s3://…
	Outputs string `json:"outputs"`
	// OutputsHere is the same place as this machine reaches it, when it
	// differs (a share mounted elsewhere); "" is Outputs.
	OutputsHere string `json:"outputsHere,omitempty"`
}

// String leaves the client secret out, so a logged Settings holds none.
func (s Settings) String() string {
	secret := ""
	if s.ClientSecret != "" {
		secret = " clientSecret=[redacted]"
	}
	return fmt.Sprintf("auth.Settings{issuer=%s clientId=%s%s roleArn=%s region=%s lake=%s}",
		s.Issuer, s.ClientID, secret, s.RoleARN, s.Region, s.Lake)
}

// GoString is String, for %#v.
func (s Settings) GoString() string { return s.String() }

// LakeLocation splits Lake into its bucket and key prefix ("" or ending in /).
func (s Settings) LakeLocation() (bucket, prefix string) {
	rest := strings.TrimPrefix(s.Lake, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix
}

const (
	defaultSessionDuration = time.Hour
	minSessionDuration     = 15 * time.Minute // STS's floor (MinIO's too)
	maxSessionDuration     = 12 * time.Hour   // STS's ceiling for a role
)

var defaultScopes = []string{"openid", "offline_access"}

// The file's field names, exactly as spelled; ParseSettings rejects others.
var settingsFields = []string{
	"name", "issuer", "clientId", "clientSecret", "scopes", "roleArn", "region",
	"stsEndpoint", "s3Endpoint", "lake", "sessionDuration", "airflow", "clusters",
}

var (
	// arn:PARTITION:iam::ACCOUNT:role/NAME; MinIO's have no account and may
	// carry a region (arn:minio:iam:REGION::role/ID).
	roleARNPattern = regexp.MustCompile(`^arn:[a-z][a-z0-9-]*:iam:[a-z0-9-]*:[0-9]*:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	regionPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	bucketPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	scopePattern   = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`) // RFC 6749 scope-token
)

// settingsError is a problem with the company file, in words that name the
// field: the admin (or the analyst on the phone with them) reads it.
func settingsError(format string, args ...any) error {
	return backend.Errorf(backend.EINVALID, "settings: "+format, args...)
}

// ParseSettings reads and validates a company settings file. Every problem
// is reported with the field's name; unknown fields are rejected, so a typo
// never silently drops a setting.
func ParseSettings(data []byte) (Settings, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Notepad's BOM
	if len(bytes.TrimSpace(data)) == 0 {
		return Settings{}, settingsError("the file is empty")
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fields); err != nil {
		return Settings{}, settingsJSONError(data, err)
	}
	if fields == nil {
		return Settings{}, settingsError("expected a JSON object, got null")
	}
	if dec.More() {
		return Settings{}, settingsError("unexpected text after the JSON object")
	}
	// encoding/json matches names case-insensitively; a file that says
	// "clientID" must hear about it rather than half-work.
	for _, name := range sortedKeys(fields) {
		if slices.Contains(settingsFields, name) {
			continue
		}
		for _, known := range settingsFields {
			if strings.EqualFold(name, known) {
				return Settings{}, settingsError("unknown field %q (did you mean %q?)", name, known)
			}
		}
		return Settings{}, settingsError("unknown field %q", name)
	}

	var s Settings
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"name", &s.Name}, {"issuer", &s.Issuer}, {"clientId", &s.ClientID},
		{"clientSecret", &s.ClientSecret}, {"roleArn", &s.RoleARN}, {"region", &s.Region},
		{"stsEndpoint", &s.STSEndpoint}, {"s3Endpoint", &s.S3Endpoint}, {"lake", &s.Lake},
	} {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return Settings{}, settingsError("%s must be a string, got %s", f.name, jsonKind(raw))
		}
		*f.dst = strings.TrimSpace(*f.dst)
	}
	if raw, ok := fields["scopes"]; ok {
		if err := json.Unmarshal(raw, &s.Scopes); err != nil {
			return Settings{}, settingsError("scopes must be a list of strings, got %s", jsonKind(raw))
		}
	}
	if raw, ok := fields["sessionDuration"]; ok {
		d, err := parseDuration(raw)
		if err != nil {
			return Settings{}, err
		}
		s.SessionDuration = d
	}
	if raw, ok := fields["airflow"]; ok {
		af, err := parseAirflow(raw)
		if err != nil {
			return Settings{}, err
		}
		s.Airflow = af
	}
	if raw, ok := fields["clusters"]; ok {
		cs, err := parseClusters(raw)
		if err != nil {
			return Settings{}, err
		}
		s.Clusters = cs
	}
	if err := s.validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// parseAirflow reads the airflow section, with the same care as the rest.
func parseAirflow(raw json.RawMessage) (*Airflow, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, settingsError("airflow must be an object with url, dags and outputs, got %s", jsonKind(raw))
	}
	known := []string{"url", "user", "dags", "outputs", "outputsHere"}
	for _, name := range sortedKeys(fields) {
		if !slices.Contains(known, name) {
			return nil, settingsError("unknown field airflow.%s", name)
		}
	}
	var af Airflow
	for _, f := range []struct {
		name string
		dst  *string
	}{{"url", &af.URL}, {"user", &af.User}, {"dags", &af.DAGs}, {"outputs", &af.Outputs}, {"outputsHere", &af.OutputsHere}} {
		if r, ok := fields[f.name]; ok {
			if err := json.Unmarshal(r, f.dst); err != nil {
				return nil, settingsError("airflow.%s must be a string, got %s", f.name, jsonKind(r))
			}
			*f.dst = strings.TrimSpace(*f.dst)
		}
	}
	if af.URL == "" {
		return nil, settingsError("airflow.url is missing")
	}
	if err := checkURL("airflow.url", af.URL); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, value string }{{"dags", af.DAGs}, {"outputs", af.Outputs}, {"outputsHere", af.OutputsHere}} {
		if f.value == "" && f.name != "outputsHere" {
			return nil, settingsError("airflow.%s is missing", f.name)
		}
		if f.value == "" {
			continue
		}
		if strings.HasPrefix(f.value, "s3://") {
			if bucket, _, _ := strings.Cut(strings.TrimPrefix(f.value, "s3://"), "/"); !bucketPattern.MatchString(bucket) {
				return nil, settingsError("airflow.%s must be an absolute folder or s3://bucket/prefix, got %q", f.name, f.value)
			}
			continue
		}
		if !filepath.IsAbs(f.value) && !strings.HasPrefix(f.value, "/") {
			return nil, settingsError("airflow.%s must be an absolute folder or s3://bucket/prefix, got %q", f.name, f.value)
		}
	}
	return &af, nil
}

// validate checks every field and fills the defaults.
func (s *Settings) validate() error {
	if s.Issuer == "" {
		return settingsError("issuer is missing")
	}
	if err := checkURL("issuer", s.Issuer); err != nil {
		return err
	}
	if s.ClientID == "" {
		return settingsError("clientId is missing")
	}
	if strings.ContainsFunc(s.ClientID, isSpaceOrControl) {
		return settingsError("clientId must not contain spaces, got %q", s.ClientID)
	}
	if s.RoleARN == "" {
		return settingsError("roleArn is missing")
	}
	if !roleARNPattern.MatchString(s.RoleARN) {
		return settingsError("roleArn must look like arn:aws:iam::123456789012:role/NAME, got %q", s.RoleARN)
	}
	if s.Region == "" {
		return settingsError("region is missing")
	}
	if !regionPattern.MatchString(s.Region) {
		return settingsError("region must look like eu-west-1, got %q", s.Region)
	}
	for _, f := range []struct{ name, value string }{{"stsEndpoint", s.STSEndpoint}, {"s3Endpoint", s.S3Endpoint}} {
		if f.value == "" {
			continue
		}
		if err := checkURL(f.name, f.value); err != nil {
			return err
		}
	}
	if s.Lake == "" {
		return settingsError("lake is missing")
	}
	if err := checkLake(s.Lake); err != nil {
		return err
	}
	if s.Scopes == nil {
		s.Scopes = slices.Clone(defaultScopes)
	}
	if len(s.Scopes) == 0 {
		return settingsError("scopes must not be empty (leave the field out for openid offline_access)")
	}
	for _, sc := range s.Scopes {
		if !scopePattern.MatchString(sc) {
			return settingsError("scopes: %q is not a scope (one word each)", sc)
		}
	}
	if !slices.Contains(s.Scopes, "openid") {
		return settingsError("scopes must include openid (STS needs the id_token), got %q", strings.Join(s.Scopes, " "))
	}
	if s.SessionDuration == 0 {
		s.SessionDuration = defaultSessionDuration
	}
	if s.SessionDuration < minSessionDuration || s.SessionDuration > maxSessionDuration {
		return settingsError("sessionDuration must be between 15m and 12h, got %s", s.SessionDuration)
	}
	if s.SessionDuration%time.Second != 0 {
		return settingsError("sessionDuration must be whole seconds, got %s", s.SessionDuration)
	}
	return nil
}

// checkURL accepts https URLs, and http only on a loopback address (a dev
// IdP or MinIO on this machine): anything else would send tokens in clear.
func checkURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return settingsError("%s must be an https URL, got %q", field, raw)
	}
	if u.User != nil {
		return settingsError("%s must not carry a user or password, got %q", field, u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return settingsError("%s must not have a query or fragment, got %q", field, raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return settingsError("%s must use https (http only for 127.0.0.1 or localhost), got %q", field, raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkLake(raw string) error {
	bad := func() error {
		return settingsError("lake must look like s3://bucket/prefix, got %q", raw)
	}
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		return bad()
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !bucketPattern.MatchString(bucket) || strings.Contains(bucket, "..") || net.ParseIP(bucket) != nil {
		return settingsError("lake: %q is not an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens), in %q", bucket, raw)
	}
	if strings.Contains(prefix, "//") || strings.ContainsAny(prefix, "\\?#*") || strings.ContainsFunc(prefix, isSpaceOrControl) {
		return settingsError("lake: the prefix %q has an empty part or a character S3 tools choke on, in %q", prefix, raw)
	}
	return nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// parseDuration takes seconds (a JSON number) or a Go duration string.
func parseDuration(raw json.RawMessage) (time.Duration, error) {
	var secs float64
	if err := json.Unmarshal(raw, &secs); err == nil {
		if secs != float64(int64(secs)) {
			return 0, settingsError("sessionDuration must be whole seconds, got %s", raw)
		}
		return time.Duration(secs) * time.Second, nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		return 0, settingsError("sessionDuration must be seconds or a duration like \"1h\", got %s", jsonKind(raw))
	}
	d, err := time.ParseDuration(strings.TrimSpace(str))
	if err != nil {
		return 0, settingsError("sessionDuration must be seconds or a duration like \"1h\", got %q", str)
	}
	return d, nil
}

func jsonKind(raw json.RawMessage) string {
	switch t := bytes.TrimSpace(raw); {
	case len(t) == 0:
		return "nothing"
	case t[0] == '"':
		return "a string"
	case t[0] == '{':
		return "an object"
	case t[0] == '[':
		return "a list"
	case t[0] == 't' || t[0] == 'f':
		return "a boolean"
	case t[0] == 'n':
		return "null"
	default:
		return "a number"
	}
}

// settingsJSONError says where the JSON breaks, by line and column.
func settingsJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset)
		return settingsError("not valid JSON at line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		return settingsError("expected a JSON object with the settings, got %s", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return settingsError("not valid JSON: the file ends too early")
	default:
		return settingsError("not valid JSON: %v", err)
	}
}

// lineCol places the byte a *json.SyntaxError stopped at (its Offset counts
// the bytes read, the bad one included).
func lineCol(data []byte, offset int64) (line, col int) {
	offset = min(max(offset-1, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MarshalJSON writes the settings in the file's format.
func (s Settings) MarshalJSON() ([]byte, error) {
	type plain Settings // no methods: no recursion
	out := struct {
		plain
		SessionDuration int64 `json:"sessionDuration,omitempty"`
	}{plain(s), int64(s.SessionDuration / time.Second)}
	return json.Marshal(out)
}

// LoadSettings reads and validates a settings file; errors name the file.
func LoadSettings(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Settings{}, backend.Errorf(backend.ENOTFOUND, "settings: %s does not exist", path)
		}
		return Settings{}, fmt.Errorf("read settings %s: %w", path, err)
	}
	s, err := ParseSettings(data)
	if err != nil {
		return Settings{}, backend.Errorf(backend.EINVALID, "%s: %s", filepath.Base(path), backend.ErrorMessage(err))
	}
	return s, nil
}

// ConfigDirEnv overrides the folder where Smallfry keeps the company
// settings and the sealed token file (tests point it at a temp folder).
const ConfigDirEnv = "SMALLFRY_CONFIG_DIR"

// ConfigDir is os.UserConfigDir()/Smallfry, or $SMALLFRY_CONFIG_DIR.
func ConfigDir() (string, error) {
	if d := os.Getenv(ConfigDirEnv); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder: %w", err)
	}
	return filepath.Join(base, "Smallfry"), nil
}

// SettingsFile is the name of the imported settings inside the config folder.
const SettingsFile = "company.json"

// ImportSettings validates the file at src and copies it, as read, into dir
// (ConfigDir() when dir is ""), replacing any earlier one atomically. A bad
// file changes nothing; its error names the file and the field.
func ImportSettings(src, dir string) (Settings, error) {
	if _, err := LoadSettings(src); err != nil {
		return Settings{}, err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return Settings{}, fmt.Errorf("import settings: %w", err)
	}
	return SaveSettings(data, dir)
}

// SaveSettings validates a settings file's content (the UI's import, which
// has the bytes rather than a path) and keeps it as dir/company.json (dir ""
// is ConfigDir()), replacing any earlier one atomically. Bad content
// changes nothing.
func SaveSettings(data []byte, dir string) (Settings, error) {
	s, err := ParseSettings(data)
	if err != nil {
		return Settings{}, err
	}
	if dir == "" {
		if dir, err = ConfigDir(); err != nil {
			return Settings{}, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Settings{}, fmt.Errorf("import settings: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, SettingsFile), data, 0o600); err != nil {
		return Settings{}, fmt.Errorf("import settings: %w", err)
	}
	return s, nil
}

// ImportedSettings loads the settings ImportSettings put in dir (ConfigDir()
// when ""); ENOTFOUND when none were imported yet.
func ImportedSettings(dir string) (Settings, error) {
	if dir == "" {
		var err error
		if dir, err = ConfigDir(); err != nil {
			return Settings{}, err
		}
	}
	return LoadSettings(filepath.Join(dir, SettingsFile))
}
