package workbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"smallfry/backend/airflow"
	"smallfry/backend/airflow/airflowtest"
	"smallfry/backend/auth"
	"smallfry/backend/auth/authtest"
	"smallfry/backend/publish"
	"smallfry/backend/runs"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// s3Place is a bucket and key prefix of an s3:// location.
type s3Place struct{ bucket, prefix string }

func s3PlaceOf(t *testing.T, loc string) s3Place {
	t.Helper()
	rest, ok := strings.CutPrefix(loc, "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		t.Fatalf("%q is not s3://bucket/prefix", loc)
	}
	return s3Place{bucket, strings.Trim(prefix, "/")}
}

func (p s3Place) key(parts ...string) string {
	return path.Join(append([]string{p.prefix}, parts...)...)
}

// getObject reads an object; nil, nil when there is none.
func getObject(ctx context.Context, c *awss3.Client, bucket, key string) ([]byte, error) {
	out, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// clearPublishedS3 removes what an earlier (failed) run left published
// from notebook in the S3 bundle, now and when the test ends.
func clearPublishedS3(t *testing.T, c *awss3.Client, dags s3Place, af *airflow.Client, notebook string) {
	t.Helper()
	clear := func() {
		ctx := context.Background()
		out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(dags.bucket), Prefix: aws.String(dags.key("smallfry", "specs") + "/")})
		if err != nil {
			return
		}
		for _, o := range out.Contents {
			data, err := getObject(ctx, c, dags.bucket, aws.ToString(o.Key))
			if err != nil || data == nil {
				continue
			}
			if spec, err := publish.ParseSpec(data); err == nil && spec.Notebook == notebook {
				_, _ = c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(dags.bucket), Key: o.Key})
				_ = af.DeleteDAG(ctx, spec.DagID)
			}
		}
	}
	clear()
	t.Cleanup(clear)
}

// Publishing through an S3 DAG bundle: the app writes the spec and
// snapshot to the bundle's prefix with the analyst's STS keys, Airflow
// syncs them (S3DagBundle) and lists the DAG, the worker runs the notebook
// and writes its output to the S3 outputs with its own identity, and the
// app reads it back with the analyst's keys.
func TestPublishThroughS3Bundle(t *testing.T) {
	peer := airflowtest.NeedS3(t)
	idp := authtest.StartIdP(t)
	sts := authtest.StartSTS(t, idp)
	if sts.Endpoint != peer.Endpoint {
		t.Fatalf("the S3-bundle Airflow syncs from the MinIO at %s, but the one trusting the IdP is at %s: start both with scripts/peers.sh", peer.Endpoint, sts.Endpoint)
	}
	ctx := context.Background()
	root := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(sts.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(sts.RootUser, sts.RootPassword, "")})
	af := peer.Client(t)
	dags, outputs := s3PlaceOf(t, peer.DAGs), s3PlaceOf(t, peer.Outputs)
	// What the instance expects: its bucket, with the factory at the
	// bundle's root (scripts/airflow.sh uploads it at every start).
	if factory, err := getObject(ctx, root, dags.bucket, dags.key("smallfry_dags.py")); err != nil || !bytes.Contains(factory, []byte(publish.SentinelDAG)) {
		t.Fatalf("s3://%s/%s holds no DAG factory (%v): AIRFLOW_PEER=s3 scripts/airflow.sh start uploads it", dags.bucket, dags.key("smallfry_dags.py"), err)
	}
	clearPublishedS3(t, root, dags, af, "notebooks/"+salesNotebook)
	// The company lake the settings name.
	lake := "company-s3bundle-" + time.Now().Format("150405.000")
	lake = strings.ReplaceAll(lake, ".", "")
	if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(lake)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	t.Cleanup(func() {
		_, _ = root.DeleteBucket(context.Background(), &awss3.DeleteBucketInput{Bucket: aws.String(lake)})
	})

	bin := mustEnv(t, "SMALLFRY_BIN", "the check run starts the smallfry binary (make test sets it)")
	app, err := smallfry.Open(ctx, smallfry.Config{Workspace: t.TempDir(), Binary: bin, Version: "test",
		Auth: auth.Options{Dir: t.TempDir(), Keychain: authtest.NewKeychain()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	s := app.Workbench
	settings, _ := json.Marshal(map[string]any{
		"issuer": idp.Issuer, "clientId": idp.ClientID, "roleArn": sts.RoleARN, "region": "us-east-1",
		"stsEndpoint": sts.Endpoint, "s3Endpoint": sts.Endpoint, "lake": "s3://" + lake + "/analytics",
		"airflow": map[string]string{"url": peer.URL, "dags": peer.DAGs, "outputs": peer.Outputs},
	})
	if _, err := s.ImportSettings(ctx, string(settings)); err != nil {
		t.Fatal(err)
	}
	code, err := s.SignIn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := authtest.PlayUser(ctx, code.VerificationURI, code.UserCode, idp.User); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "signed in", 30*time.Second, func() bool { a, _ := s.Account(ctx); return a.SignedIn })
	keys, err := app.Credentials().Retrieve(ctx)
	if err != nil || keys.SessionToken == "" {
		t.Fatalf("the analyst's STS keys: %+v, %v", keys.Source, err)
	}
	if _, err := s.AirflowSignIn(ctx, workbench.AirflowLogin{User: peer.User, Password: peer.Password}); err != nil {
		t.Fatal(err)
	}

	// Check, then publish through the bundle.
	req := workbench.PublishRequest{Path: salesNotebook, Cron: "0 3 * * *", Timezone: "Europe/Berlin", Params: []string{"year=1998"}}
	check, err := s.CheckPublish(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if check.Failed != nil || check.Token == "" || !check.FirstPublish {
		t.Fatalf("check = %+v", check)
	}
	req.Token = check.Token
	start := time.Now()
	st, err := s.Publish(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("publish through the S3 bundle (spec written, synced, parsed, unpaused) took %s", time.Since(start))
	if !st.Published || st.Paused || st.NextRun == nil || st.Label != "daily 03:00" {
		t.Fatalf("state = %+v", st)
	}
	dag, err := af.DAG(ctx, st.DagID)
	if err != nil || dag.Paused || !dag.HasTag(publish.TagSmallfry) || dag.HasTag(publish.TagBroken) {
		t.Fatalf("Airflow's DAG %s: %+v, %v", st.DagID, dag, err)
	}
	if dag.Bundle == "" || dag.Bundle == "dags-folder" || dag.RelativeFileloc != "smallfry_dags.py" {
		t.Errorf("the DAG comes from bundle %q, file %q: want the S3 bundle's smallfry_dags.py", dag.Bundle, dag.RelativeFileloc)
	}

	// The spec and snapshot are objects under the bundle's prefix, and
	// nothing of the analyst's keys is in them.
	specData, err := getObject(ctx, root, dags.bucket, dags.key("smallfry", "specs", st.DagID+".json"))
	if err != nil || specData == nil {
		t.Fatalf("the spec object: %v", err)
	}
	spec, err := publish.ParseSpec(specData)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Outputs != peer.Outputs || spec.Parameters["year"] != "1998" || spec.Schedule == nil || *spec.Schedule != "0 3 * * *" {
		t.Errorf("spec = %s", specData)
	}
	snapshot, err := getObject(ctx, root, dags.bucket, dags.key("smallfry", spec.Snapshot))
	if err != nil || snapshot == nil || publish.SnapshotKey(snapshot) != spec.Snapshot {
		t.Fatalf("the snapshot object %s: %v", spec.Snapshot, err)
	}
	for _, secret := range []string{keys.AccessKeyID, keys.SecretAccessKey, keys.SessionToken} {
		if bytes.Contains(specData, []byte(secret)) || bytes.Contains(snapshot, []byte(secret)) {
			t.Errorf("the published spec or snapshot holds one of the analyst's keys")
		}
	}

	// Run now: the worker writes the output to the S3 outputs, the app
	// reads it back.
	triggered := time.Now()
	rec, err := s.RunNow(ctx, salesNotebook)
	if err != nil {
		t.Fatal(err)
	}
	done := scheduledRun(t, s, salesNotebook, rec.Scheduled.RunID, 3*time.Minute)
	t.Logf("trigger to output notebook in the history (through S3): %s", time.Since(triggered))
	if done.Status != runs.OK || done.Scheduled.State != "success" || done.Parameters["year"] != float64(1998) {
		log, _ := s.ScheduledLog(ctx, salesNotebook, rec.Scheduled.RunID)
		t.Fatalf("scheduled run = %+v (%+v); task log:\n%s", done, done.Scheduled, log)
	}
	opened, err := s.OpenRun(ctx, done.ID)
	if err != nil || !opened.ReadOnly || len(opened.Outputs) == 0 {
		t.Fatalf("OpenRun(%s) = %+v, %v", done.ID, opened, err)
	}
	output, err := getObject(ctx, root, outputs.bucket, outputs.key(st.DagID, publish.RunFolder(done.Scheduled.RunID), publish.OutputFile))
	if err != nil || output == nil {
		t.Fatalf("the output object under %s: %v", peer.Outputs, err)
	}
	for _, secret := range []string{keys.AccessKeyID, keys.SecretAccessKey, keys.SessionToken} {
		if bytes.Contains(output, []byte(secret)) {
			t.Errorf("the scheduled run's output holds one of the analyst's keys")
		}
	}

	// Unpublish: the spec object and the DAG go, and the DAG does not come
	// back from a parse of the bundle's older local copy.
	unpublishing := time.Now()
	if _, err := s.Unpublish(ctx, salesNotebook); err != nil {
		t.Fatal(err)
	}
	t.Logf("unpublish through the S3 bundle (spec removed, synced, parsed, DAG deleted) took %s", time.Since(unpublishing))
	if left, err := getObject(ctx, root, dags.bucket, dags.key("smallfry", "specs", st.DagID+".json")); err != nil || left != nil {
		t.Errorf("after unpublish, the spec object: %d bytes, %v", len(left), err)
	}
	if _, err := af.DAG(ctx, st.DagID); !airflow.IsNotFound(err) {
		t.Errorf("after unpublish, DAG %s: %v", st.DagID, err)
	}
	sentinel, err := af.DAG(ctx, publish.SentinelDAG)
	if err != nil || sentinel.LastParsed == nil {
		t.Fatal(sentinel, err)
	}
	unpublished := *sentinel.LastParsed
	waitFor(t, "a parse of the factory after unpublishing", time.Minute, func() bool {
		d, err := af.DAG(ctx, publish.SentinelDAG)
		return err == nil && d.LastParsed != nil && d.LastParsed.After(unpublished)
	})
	if d, err := af.DAG(ctx, st.DagID); !airflow.IsNotFound(err) && (err != nil || !d.Stale) {
		t.Errorf("the unpublished DAG %s came back: %+v, %v", st.DagID, d, err)
	}
	if got, _ := s.PublishState(ctx, salesNotebook); got.Published {
		t.Errorf("after unpublish, state = %+v", got)
	}
}

func mustEnv(t *testing.T, name, why string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		t.Fatalf("%s is not set: %s", name, why)
	}
	return v
}
