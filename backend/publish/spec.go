// Package publish puts notebooks on a schedule in Apache Airflow: it writes
// the content-addressed snapshot and the JSON spec the DAG factory
// (assets/airflow/smallfry_dags.py) turns into a DAG, checks that Airflow
// took it, and reads the scheduled runs' records back.
//
// Layout where the specs go (a DAG folder, or an S3 DAG bundle's prefix):
//
//	smallfry/specs/<dag_id>.json        one spec per published notebook
//	smallfry/snapshots/<sha256>.ipynb   the notebook as published
//
// and where the scheduled runs write (a shared folder, or an S3 prefix):
//
//	<dag_id>/<run folder>/run.json, output.ipynb
package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"smallfry/backend"
)

// SpecVersion is the spec format the factory reads.
const SpecVersion = 1

// Spec is one published notebook, as the DAG factory reads it.
type Spec struct {
	Version           int               `json:"version"`
	DagID             string            `json:"dag_id"`
	Title             string            `json:"title"`
	Notebook          string            `json:"notebook"` // the notebook's path in the analyst's workspace
	Snapshot          string            `json:"snapshot"` // snapshots/<sha256>.ipynb
	Schedule          *string           `json:"schedule"` // nil: manual runs only
	Timezone          string            `json:"timezone"`
	StartDate         time.Time         `json:"start_date"`
	Parameters        map[string]string `json:"parameters"` // as typed with -p
	Owner             string            `json:"owner"`
	Notify            Notify            `json:"notify"`
	Retries           int               `json:"retries"`
	RetryDelaySeconds int               `json:"retry_delay_seconds"`
	TimeoutSeconds    int               `json:"timeout_seconds"`
	Outputs           string            `json:"outputs"`
	PublishedAt       time.Time         `json:"published_at"`
	PublishedBy       string            `json:"published_by"`
}

// Notify is who hears of a failed scheduled run.
type Notify struct {
	// WebhookVariable names the Airflow Variable holding the webhook URL
	// (a Slack-style URL is a secret: it is kept in Airflow, not in files).
	WebhookVariable string   `json:"webhook_variable,omitempty"`
	Email           []string `json:"email,omitempty"`
}

// Key paths under the specs root.
const (
	specsDir     = "specs/"
	snapshotsDir = "snapshots/"
)

// SentinelDAG is the factory's always-present DAG, whose file token asks
// Airflow to parse the factory file now.
const SentinelDAG = "smallfry__sentinel"

// Tags the factory puts on its DAGs.
const (
	TagSmallfry = "smallfry"
	TagBroken   = "smallfry:broken"
)

func specKey(dagID string) string { return specsDir + dagID + ".json" }

// SnapshotKey is where a notebook's bytes are kept: named by their hash,
// so a later edit never changes what is scheduled.
func SnapshotKey(data []byte) string {
	sum := sha256.Sum256(data)
	return snapshotsDir + hex.EncodeToString(sum[:]) + ".ipynb"
}

var dagIDRule = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,200}$`)

// DagID is the DAG a notebook is published as: smallfry_<owner>_<name>,
// in the characters Airflow allows.
func DagID(owner, notebook string) string {
	name := notebook
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, ".ipynb")
	id := "smallfry_" + slug(owner)
	if s := slug(name); s != "" {
		id += "_" + s
	}
	if len(id) > 200 {
		id = id[:200]
	}
	return id
}

func slug(s string) string {
	var b strings.Builder
	last := '_'
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			last = r
		} else if last != '_' {
			b.WriteByte('_')
			last = '_'
		}
	}
	return strings.Trim(b.String(), "_")
}

// Check refuses a spec the factory would turn into a broken placeholder,
// so that the user hears of it before anything is written.
func (s *Spec) Check() error {
	if !dagIDRule.MatchString(s.DagID) {
		return backend.Errorf(backend.EINVALID, "the DAG id %q may hold only letters, digits, '_', '.' and '-' (at most 200)", s.DagID)
	}
	if s.Schedule != nil {
		if _, _, err := (Schedule{Cron: *s.Schedule, Timezone: s.Timezone}).Check(); err != nil {
			return err
		}
	} else if _, _, err := (Schedule{Cron: "@daily", Timezone: s.Timezone}).Check(); err != nil {
		return err
	}
	if s.Retries < 0 || s.Retries > 10 {
		return backend.Errorf(backend.EINVALID, "retries must be between 0 and 10, not %d", s.Retries)
	}
	if s.TimeoutSeconds < 1 || s.TimeoutSeconds > 7*24*3600 {
		return backend.Errorf(backend.EINVALID, "the timeout must be between 1 second and 7 days")
	}
	if strings.TrimSpace(s.Outputs) == "" {
		return backend.Errorf(backend.EINVALID, "no outputs location is set for scheduled runs (settings: airflow.outputs)")
	}
	for name := range s.Parameters {
		if !backend.IsIdentifier(name) {
			return backend.Errorf(backend.EINVALID, "parameter name %q is not a valid name", name)
		}
	}
	for _, e := range s.Notify.Email {
		if !strings.Contains(e, "@") || strings.ContainsAny(e, " \t\r\n,;") {
			return backend.Errorf(backend.EINVALID, "%q is not an email address", e)
		}
	}
	return nil
}

// Marshal is the spec's file.
func (s *Spec) Marshal() []byte {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal spec: %v", err)) // only JSON-encodable fields
	}
	return append(data, '\n')
}

// ParseSpec reads a spec file.
func ParseSpec(data []byte) (*Spec, error) {
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	if s.Version != SpecVersion {
		return nil, fmt.Errorf("read spec: version %d is not %d", s.Version, SpecVersion)
	}
	return &s, nil
}
