package airflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"smallfry/backend"
)

// DAG is what Airflow says of one DAG.
type DAG struct {
	ID              string     `json:"dag_id"`
	Description     string     `json:"description"`
	Paused          bool       `json:"is_paused"`
	Stale           bool       `json:"is_stale"`
	HasImportErrors bool       `json:"has_import_errors"`
	Tags            []Tag      `json:"tags"`
	Timetable       string     `json:"timetable_summary"`
	TimetableText   string     `json:"timetable_description"`
	NextRunAfter    *time.Time `json:"next_dagrun_run_after"`
	LastParsed      *time.Time `json:"last_parsed_time"`
	FileToken       string     `json:"file_token"`
	Fileloc         string     `json:"fileloc"`
	RelativeFileloc string     `json:"relative_fileloc"`
	Bundle          string     `json:"bundle_name"`
	Owners          []string   `json:"owners"`
}

// Tag is a DAG's tag.
type Tag struct {
	Name string `json:"name"`
}

// HasTag tells whether the DAG carries tag name.
func (d *DAG) HasTag(name string) bool {
	for _, t := range d.Tags {
		if t.Name == name {
			return true
		}
	}
	return false
}

// DAGRun is one run of a DAG.
type DAGRun struct {
	ID          string         `json:"dag_run_id"`
	DAGID       string         `json:"dag_id"`
	State       string         `json:"state"` // queued, running, success, failed
	RunType     string         `json:"run_type"`
	LogicalDate *time.Time     `json:"logical_date"`
	QueuedAt    *time.Time     `json:"queued_at"`
	StartDate   *time.Time     `json:"start_date"`
	EndDate     *time.Time     `json:"end_date"`
	RunAfter    *time.Time     `json:"run_after"`
	Conf        map[string]any `json:"conf"`
}

// TaskInstance is one task's state in a run.
type TaskInstance struct {
	TaskID    string     `json:"task_id"`
	State     *string    `json:"state"`
	Try       int        `json:"try_number"`
	StartDate *time.Time `json:"start_date"`
	EndDate   *time.Time `json:"end_date"`
}

// ImportError is a DAG file Airflow could not load.
type ImportError struct {
	ID         int       `json:"import_error_id"`
	Filename   string    `json:"filename"`
	Bundle     string    `json:"bundle_name"`
	StackTrace string    `json:"stack_trace"`
	Timestamp  time.Time `json:"timestamp"`
}

// Health checks the API server, the metadata database, the scheduler and
// the DAG processor.
func (c *Client) Health(ctx context.Context) error {
	var h map[string]struct {
		Status *string `json:"status"`
	}
	if err := c.do(ctx, "health check", http.MethodGet, "/api/v2/monitor/health", nil, nil, &h); err != nil {
		return err
	}
	var bad []string
	for _, part := range []string{"metadatabase", "scheduler", "dag_processor"} {
		if s, ok := h[part]; ok && s.Status != nil && *s.Status != "healthy" {
			bad = append(bad, part+" is "+*s.Status)
		}
	}
	if len(bad) > 0 {
		return backend.Errorf(backend.EINTERNAL, "Airflow at %s is not healthy: %s", c.URL(), strings.Join(bad, ", "))
	}
	return nil
}

// DAG returns one DAG; a DAG Airflow does not know is an *Error with
// Status 404 (IsNotFound).
func (c *Client) DAG(ctx context.Context, id string) (*DAG, error) {
	var d DAG
	if err := c.do(ctx, "read DAG "+id, http.MethodGet, "/api/v2/dags/"+id, nil, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DAGs lists the DAGs carrying every tag given (stale ones left out).
func (c *Client) DAGs(ctx context.Context, tags ...string) ([]DAG, error) {
	var out []DAG
	for offset := 0; ; {
		q := url.Values{"limit": {"100"}, "offset": {strconv.Itoa(offset)}, "exclude_stale": {"true"}}
		for _, t := range tags {
			q.Add("tags", t)
		}
		if len(tags) > 1 {
			q.Set("tags_match_mode", "all")
		}
		var page struct {
			DAGs  []DAG `json:"dags"`
			Total int   `json:"total_entries"`
		}
		if err := c.do(ctx, "list DAGs", http.MethodGet, "/api/v2/dags", q, nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.DAGs...)
		offset += len(page.DAGs)
		if len(page.DAGs) == 0 || offset >= page.Total {
			return out, nil
		}
	}
}

// SetPaused pauses or unpauses a DAG.
func (c *Client) SetPaused(ctx context.Context, id string, paused bool) (*DAG, error) {
	op := "unpause DAG " + id
	if paused {
		op = "pause DAG " + id
	}
	var d DAG
	q := url.Values{"update_mask": {"is_paused"}}
	if err := c.do(ctx, op, http.MethodPatch, "/api/v2/dags/"+id, q, map[string]bool{"is_paused": paused}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteDAG removes a DAG's metadata and runs from Airflow. A DAG
// Airflow does not know is no error.
func (c *Client) DeleteDAG(ctx context.Context, id string) error {
	err := c.do(ctx, "delete DAG "+id, http.MethodDelete, "/api/v2/dags/"+id, nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// Reparse asks the DAG processor to parse the file of the DAG whose
// file_token is given, now rather than at its next scan.
// A request already waiting (Airflow's 409, from a concurrent caller) is
// as good as this one.
func (c *Client) Reparse(ctx context.Context, fileToken string) error {
	err := c.do(ctx, "reparse the DAG file", http.MethodPut, "/api/v2/parseDagFile/"+fileToken, nil, nil, nil)
	var ae *Error
	if errors.As(err, &ae) && ae.Status == http.StatusConflict {
		return nil
	}
	return err
}

// ImportErrors lists the files Airflow could not load.
func (c *Client) ImportErrors(ctx context.Context) ([]ImportError, error) {
	var page struct {
		Errors []ImportError `json:"import_errors"`
	}
	q := url.Values{"limit": {"100"}}
	if err := c.do(ctx, "list import errors", http.MethodGet, "/api/v2/importErrors", q, nil, &page); err != nil {
		return nil, err
	}
	return page.Errors, nil
}

// Trigger starts a run of a DAG now ("Run now"), with conf.
func (c *Client) Trigger(ctx context.Context, id string, conf map[string]any) (*DAGRun, error) {
	body := map[string]any{"logical_date": nil}
	if conf != nil {
		body["conf"] = conf
	}
	var r DAGRun
	if err := c.do(ctx, "trigger DAG "+id, http.MethodPost, "/api/v2/dags/"+id+"/dagRuns", nil, body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// DAGRuns lists a DAG's latest runs, newest first.
func (c *Client) DAGRuns(ctx context.Context, id string, limit int) ([]DAGRun, error) {
	var page struct {
		Runs []DAGRun `json:"dag_runs"`
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}, "order_by": {"-run_after"}}
	if err := c.do(ctx, "list runs of DAG "+id, http.MethodGet, "/api/v2/dags/"+id+"/dagRuns", q, nil, &page); err != nil {
		return nil, err
	}
	return page.Runs, nil
}

// DAGRun returns one run.
func (c *Client) DAGRun(ctx context.Context, id, runID string) (*DAGRun, error) {
	var r DAGRun
	if err := c.do(ctx, "read run "+runID+" of DAG "+id, http.MethodGet, "/api/v2/dags/"+id+"/dagRuns/"+runID, nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// TaskInstances lists the tasks of a run.
func (c *Client) TaskInstances(ctx context.Context, id, runID string) ([]TaskInstance, error) {
	var page struct {
		Tasks []TaskInstance `json:"task_instances"`
	}
	if err := c.do(ctx, "list tasks of run "+runID, http.MethodGet, "/api/v2/dags/"+id+"/dagRuns/"+runID+"/taskInstances", nil, nil, &page); err != nil {
		return nil, err
	}
	return page.Tasks, nil
}

// TaskLog returns a task try's log as text, one line per structured
// message ("timestamp level event").
func (c *Client) TaskLog(ctx context.Context, id, runID, task string, try int) (string, error) {
	var lr struct {
		Content []json.RawMessage `json:"content"`
	}
	path := fmt.Sprintf("/api/v2/dags/%s/dagRuns/%s/taskInstances/%s/logs/%d", id, runID, task, try)
	q := url.Values{"full_content": {"true"}}
	if err := c.do(ctx, "read the log of "+task+" in run "+runID, http.MethodGet, path, q, nil, &lr); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, raw := range lr.Content {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			b.WriteString(strings.TrimRight(s, "\n"))
			b.WriteByte('\n')
			continue
		}
		var m struct {
			Timestamp string `json:"timestamp"`
			Level     string `json:"level"`
			Event     string `json:"event"`
		}
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		var parts []string
		for _, p := range []string{m.Timestamp, strings.ToUpper(m.Level), m.Event} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		b.WriteString(strings.Join(parts, " "))
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// SetVariable creates or replaces an Airflow Variable.
func (c *Client) SetVariable(ctx context.Context, key, value, description string) error {
	body := map[string]any{"key": key, "value": value, "description": description}
	err := c.do(ctx, "set variable "+key, http.MethodPatch, "/api/v2/variables/"+key, nil, body, nil)
	if IsNotFound(err) {
		err = c.do(ctx, "set variable "+key, http.MethodPost, "/api/v2/variables", nil, body, nil)
	}
	return err
}

// DeleteVariable removes a Variable; a missing one is no error.
func (c *Client) DeleteVariable(ctx context.Context, key string) error {
	err := c.do(ctx, "delete variable "+key, http.MethodDelete, "/api/v2/variables/"+key, nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}
