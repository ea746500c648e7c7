package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smallfry/backend/airflow"
	"smallfry/backend/airflow/airflowtest"
	"smallfry/backend/auth"
	"smallfry/backend/notebook"
	"smallfry/backend/publish"
)

// companySettings saves company settings naming Airflow at url into a
// fresh config folder the binary reads ($SMALLFRY_CONFIG_DIR).
func airflowSettings(t *testing.T, url string, peer airflowtest.Peer) {
	t.Helper()
	dir := t.TempDir()
	data, _ := json.Marshal(map[string]any{
		"issuer": "http://127.0.0.1:9/idp", "clientId": "smallfry", "roleArn": "arn:aws:iam::123456789012:role/analyst",
		"region": "us-east-1", "lake": "s3://company-lake/analytics",
		"airflow": map[string]string{"url": url, "dags": peer.DAGs, "outputs": peer.Outputs},
	})
	if _, err := auth.SaveSettings(data, dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SMALLFRY_CONFIG_DIR", dir)
	t.Setenv("SMALLFRY_PUBLISH_USER", peer.User)
	t.Setenv("SMALLFRY_PUBLISH_PASSWORD", peer.Password)
}

func TestPublishFromTheCommandLine(t *testing.T) {
	peer := airflowtest.Need(t)
	if os.Getenv("SMALLFRY_BIN") == "" {
		t.Skip("the check run starts the smallfry binary: SMALLFRY_BIN")
	}
	ctx := context.Background()
	af := peer.Client(t)
	airflowSettings(t, peer.URL, peer)
	ws := newWorkspace(t)
	// A copy under a name of its own: the workbench's tests publish the
	// sales notebook to the same Airflow, maybe at the same time.
	nb := filepath.Join(ws, "notebooks", "sales-from-the-cli.ipynb")
	sales, err := os.ReadFile(filepath.Join(ws, "notebooks", "sales-by-brand-and-country.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nb, sales, 0o644); err != nil {
		t.Fatal(err)
	}
	dagID := ""
	t.Cleanup(func() {
		if dagID != "" {
			os.Remove(filepath.Join(peer.DAGs, "smallfry", "specs", dagID+".json"))
			_ = af.DeleteDAG(context.Background(), dagID)
		}
	})

	// Bad input: nothing is published.
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"publish", nb, "--schedule", "0 3 * *"}, exitInvalid, "not a valid cron"},
		{[]string{"publish", nb, "--schedule", "0 3 * * *", "--timezone", "Mars/Base"}, exitInvalid, "time zone"},
		{[]string{"publish", nb, "-p", "colour=red"}, exitInvalid, "colour"},
		{[]string{"publish", nb, "--pause"}, exitInvalid, "is not published"},
		{[]string{"publish", nb, "--pause", "--resume"}, exitInvalid, "one of"},
		{[]string{"publish", filepath.Join(ws, "missing.ipynb")}, exitInvalid, "missing.ipynb"},
		{[]string{"publish"}, exitInvalid, "expected one notebook"},
	} {
		_, stderr, code := runSmallfry(t, ws, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("smallfry %s: exit %d, %q; want exit %d saying %q", strings.Join(tt.args[1:], " "), code, stderr, tt.code, tt.want)
		}
	}

	stdout, stderr, code := runSmallfry(t, ws, "publish", nb, "--schedule", "0 3 * * *", "--timezone", "Europe/Berlin", "-p", "year=1998")
	if code != exitOK || !strings.Contains(stdout, "every day at 03:00 Europe/Berlin, live; next run") || !strings.Contains(stderr, "Check run passed") {
		t.Fatalf("publish: exit %d\n%s\n%s", code, stdout, stderr)
	}
	file, err := notebook.ReadFile(nb)
	if err != nil || file.Meta.Schedule == nil || file.Meta.Schedule.Cron != "0 3 * * *" || file.Meta.Schedule.Parameters["year"] != "1998" {
		t.Fatalf("the notebook's schedule metadata: %+v, %v", file.Meta.Schedule, err)
	}
	dagID = file.Meta.Schedule.DagID
	if d, err := af.DAG(ctx, dagID); err != nil || d.Paused {
		t.Fatalf("DAG %s: %+v, %v", dagID, d, err)
	}
	// Publishing again with no edit says so.
	if _, stderr, code := runSmallfry(t, ws, "publish", nb, "--schedule", "0 3 * * *", "--timezone", "Europe/Berlin", "-p", "year=1998"); code != exitOK || !strings.Contains(stderr, "No change") {
		t.Errorf("republish: exit %d, %s", code, stderr)
	}
	if stdout, _, code := runSmallfry(t, ws, "publish", nb, "--pause"); code != exitOK || !strings.Contains(stdout, "paused") {
		t.Errorf("pause: exit %d, %s", code, stdout)
	}
	if d, _ := af.DAG(ctx, dagID); d == nil || !d.Paused {
		t.Errorf("after --pause: %+v", d)
	}
	if stdout, _, code := runSmallfry(t, ws, "publish", nb, "--resume"); code != exitOK || !strings.Contains(stdout, "live") {
		t.Errorf("resume: exit %d, %s", code, stdout)
	}
	if stdout, _, code := runSmallfry(t, ws, "publish", nb, "--run-now"); code != exitOK || !strings.Contains(stdout, "Started scheduled run manual__") {
		t.Errorf("run now: exit %d, %s", code, stdout)
	}
	if _, _, code := runSmallfry(t, ws, "publish", nb, "--unpublish"); code != exitOK {
		t.Errorf("unpublish: exit %d", code)
	}
	if _, err := af.DAG(ctx, dagID); !airflow.IsNotFound(err) {
		t.Errorf("after --unpublish, DAG %s: %v", dagID, err)
	}
}

func TestPublishRefusesAFailingNotebook(t *testing.T) {
	peer := airflowtest.Need(t)
	if os.Getenv("SMALLFRY_BIN") == "" {
		t.Skip("the check run starts the smallfry binary: SMALLFRY_BIN")
	}
	airflowSettings(t, peer.URL, peer)
	ws := newWorkspace(t)
	nb := filepath.Join(ws, "notebooks", "broken.ipynb")
	doc := notebook.New()
	doc.InsertCell(0, notebook.NewCell(notebook.KindSQL, "SELECT 1 AS one"))
	doc.InsertCell(1, notebook.NewCell(notebook.KindSQL, "SELECT * FROM no_such_table"))
	if err := notebook.WriteFile(nb, doc); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runSmallfry(t, ws, "publish", nb, "--schedule", "@daily")
	if code != exitFailed || !strings.Contains(stderr, "check run failed at cell 2") || !strings.Contains(stderr, "no_such_table") || !strings.Contains(stderr, "nothing was published") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(peer.DAGs, "smallfry", "specs"))
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(peer.DAGs, "smallfry", "specs", e.Name()))
		if spec, err := publish.ParseSpec(data); err == nil && spec.Notebook == "notebooks/broken.ipynb" {
			t.Errorf("a spec was written: %s", e.Name())
		}
	}
}

func TestPublishAirflowUnreachableOrRefusing(t *testing.T) {
	peer := airflowtest.Need(t)
	if os.Getenv("SMALLFRY_BIN") == "" {
		t.Skip("the check run starts the smallfry binary: SMALLFRY_BIN")
	}
	ws := newWorkspace(t)
	nb := filepath.Join(ws, "notebooks", "sales-by-brand-and-country.ipynb")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	airflowSettings(t, closed, peer)
	if _, stderr, code := runSmallfry(t, ws, "publish", nb, "--schedule", "@daily"); code == exitOK || !strings.Contains(stderr, "unreachable") || !strings.Contains(stderr, closed) {
		t.Errorf("unreachable Airflow: exit %d, %s", code, stderr)
	}

	airflowSettings(t, peer.URL, peer)
	t.Setenv("SMALLFRY_PUBLISH_PASSWORD", "not-the-password")
	if _, stderr, code := runSmallfry(t, ws, "publish", nb, "--schedule", "@daily"); code == exitOK || !strings.Contains(stderr, "refused") || strings.Contains(stderr, "not-the-password") {
		t.Errorf("wrong password: exit %d, %s", code, stderr)
	}
}

func TestScheduledRunFlags(t *testing.T) {
	ws := newWorkspace(t)
	nb := filepath.Join(ws, "notebooks", "sales-by-brand-and-country.ipynb")
	out := t.TempDir()
	t.Setenv("AIRFLOW_CTX_DAG_ID", "")
	t.Setenv("AIRFLOW_CTX_DAG_RUN_ID", "")
	for _, tt := range []struct {
		env  map[string]string
		args []string
		code int
		want string
	}{
		{nil, []string{"--scheduled"}, exitInvalid, "AIRFLOW_CTX_DAG_ID"},
		{nil, []string{"--record-to", out}, exitInvalid, "add --scheduled"},
		{nil, []string{"--params-env", "NO_SUCH_VARIABLE_HERE"}, exitInvalid, "not set"},
		{map[string]string{"SF_P": "[1, 2]"}, []string{"--params-env", "SF_P"}, exitInvalid, "JSON object"},
		{map[string]string{"SF_P": `{"year": {"a": 1}}`}, []string{"--params-env", "SF_P"}, exitInvalid, "give it as text"},
		{map[string]string{"SF_P": `{"year": "1998"}`}, []string{"--params-env", "SF_P", "-p", "year=1997"}, exitInvalid, "given twice"},
		{map[string]string{"AIRFLOW_CTX_DAG_ID": "d", "AIRFLOW_CTX_DAG_RUN_ID": "r", "AIRFLOW_CTX_TRY_NUMBER": "x"}, []string{"--scheduled"}, exitInvalid, "try number"},
		{map[string]string{"AIRFLOW_CTX_DAG_ID": "d", "AIRFLOW_CTX_DAG_RUN_ID": "r"}, []string{"--scheduled", "--record-to", "relative/folder"}, exitFailed, "absolute"},
		{nil, []string{"--timeout", "1ns"}, exitFailed, "timed out after 1ns"},
		{nil, []string{"--timeout", "-1s"}, exitInvalid, "positive"},
	} {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		_, stderr, code := runSmallfry(t, ws, append([]string{"run", nb}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("run %s: exit %d, %q; want exit %d saying %q", strings.Join(tt.args, " "), code, stderr, tt.code, tt.want)
		}
		for k := range tt.env {
			t.Setenv(k, "")
		}
	}

	// A query longer than the timeout is stopped, and the run fails.
	slow := filepath.Join(ws, "notebooks", "slow.ipynb")
	doc := notebook.New()
	doc.InsertCell(0, notebook.NewCell(notebook.KindSQL, "SELECT sum(i) FROM range(1000000000000) t(i)"))
	if err := notebook.WriteFile(slow, doc); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runSmallfry(t, ws, "run", slow, "--timeout", "700ms"); code != exitFailed || !strings.Contains(stderr, "timed out after 700ms") {
		t.Errorf("a run past its timeout: exit %d, %s", code, stderr)
	}

	// As Airflow runs it: parameters from the environment, the record and
	// output notebook under the DAG's folder, named by the run.
	t.Setenv("SF_P", `{"year": "1998"}`)
	t.Setenv("AIRFLOW_CTX_DAG_ID", "smallfry_ana_sales")
	t.Setenv("AIRFLOW_CTX_DAG_RUN_ID", "manual__2026-12-02T06:30:00+00:00")
	t.Setenv("AIRFLOW_CTX_TRY_NUMBER", "2")
	dagDir := filepath.Join(out, "smallfry_ana_sales")
	_, stderr, code := runSmallfry(t, ws, "run", nb, "--scheduled", "--params-env", "SF_P", "--record-to", dagDir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dagDir, publish.RunFolder("manual__2026-12-02T06:30:00+00:00"), publish.RecordFile))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Mode       string
		Parameters map[string]any
		Scheduled  struct {
			DagID, RunID string
			Try          int
		}
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Mode != "scheduled" || rec.Parameters["year"] != float64(1998) || rec.Scheduled.RunID != "manual__2026-12-02T06:30:00+00:00" || rec.Scheduled.Try != 2 {
		t.Errorf("record %+v", rec)
	}
	if _, err := os.Stat(filepath.Join(dagDir, publish.RunFolder("manual__2026-12-02T06:30:00+00:00"), publish.OutputFile)); err != nil {
		t.Error(err)
	}
}

func TestDAGFactoryCommand(t *testing.T) {
	dir := t.TempDir()
	stdout, _, code := runSmallfry(t, dir, "dag-factory")
	if code != exitOK || !strings.Contains(stdout, "smallfry__sentinel") {
		t.Fatalf("dag-factory: exit %d, %.200s", code, stdout)
	}
	if _, _, code := runSmallfry(t, dir, "dag-factory", dir); code != exitOK {
		t.Fatalf("dag-factory DIR: exit %d", code)
	}
	data, err := os.ReadFile(filepath.Join(dir, "smallfry_dags.py"))
	if err != nil || string(data) != stdout {
		t.Errorf("the written factory differs from the printed one: %v", err)
	}
	if _, stderr, code := runSmallfry(t, dir, "dag-factory", filepath.Join(dir, "nope")); code != exitInvalid || !strings.Contains(stderr, "not a folder") {
		t.Errorf("a missing folder: exit %d, %s", code, stderr)
	}
}
