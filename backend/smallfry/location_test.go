package smallfry

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"smallfry/backend/publish"
	"smallfry/backend/runs"
	"smallfry/backend/s3/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// A scheduled run on a worker writes its record and output notebook to an
// S3 outputs prefix with the worker's own identity (the AWS default chain:
// here the environment, as on a worker with keys in its environment), and
// the app reads them back with its own keys.
func TestScheduledRunOnS3(t *testing.T) {
	s3test.Need(t)
	bucket := s3test.NewBucket(t)
	ctx := context.Background()
	creds, err := s3test.RootCredentials().Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_S3", s3test.Endpoint())
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)

	outputs := "s3://" + bucket + "/_smallfry/runs"
	worker, err := workerLocation(ctx, outputs+"/smallfry_ana_sales", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := &runs.Record{ID: "local-id", Notebook: "snapshots/x.ipynb", Mode: "scheduled", Status: runs.Failed, Error: "cell 2: boom",
		StartedAt: time.Now().UTC(), Scheduled: &runs.Scheduled{DagID: "smallfry_ana_sales", RunID: "scheduled__2026-12-02T03:00:00+00:00", Try: 1}}
	if err := publish.WriteRun(ctx, worker, rec, []byte(`{"cells": []}`)); err != nil {
		t.Fatal(err)
	}

	app, err := location(outputs, s3test.RootCredentials(), "us-east-1", s3test.Endpoint(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	list, err := publish.ScheduledRuns(ctx, app, "smallfry_ana_sales")
	if err != nil || len(list) != 1 || list[0].Error != "cell 2: boom" || !list[0].Scheduled.HasOutput {
		t.Fatalf("ScheduledRuns = %+v, %v", list, err)
	}
	out, err := publish.ScheduledOutput(ctx, app, "smallfry_ana_sales", rec.Scheduled.RunID)
	if err != nil || string(out) != `{"cells": []}` {
		t.Fatalf("ScheduledOutput = %q, %v", out, err)
	}
	if got, err := publish.ScheduledRuns(ctx, app, "smallfry_other"); err != nil || len(got) != 0 {
		t.Errorf("another DAG's runs: %+v, %v", got, err)
	}

	// Without an identity the worker's write fails, naming the place.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	nobody, err := workerLocation(ctx, outputs+"/smallfry_ana_sales", t.TempDir())
	if err == nil {
		err = publish.WriteRun(ctx, nobody, rec, []byte("{}"))
	}
	if err == nil || !strings.Contains(err.Error(), bucket) {
		t.Errorf("a worker with no AWS identity: %v", err)
	}
}

func TestLocationRefusesBadPlaces(t *testing.T) {
	for _, loc := range []string{"s3://", "relative/path", "", "s3:/x"} {
		if _, err := location(loc, nil, "", "", t.TempDir()); err == nil {
			t.Errorf("location(%q) took it", loc)
		}
	}
}
