package workbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"smallfry/backend/auth"
	"smallfry/backend/auth/authtest"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

// companyNotebook saves a daily table to the S3 lake, queries one day of
// it, and (when Python is there) lists the lake with boto3 in the kernel.
func companyNotebook(endpoint, bucket string) string {
	cell := func(id, kind, src string, meta map[string]any) map[string]any {
		c := map[string]any{"id": id, "cell_type": "code", "source": src, "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil}
		if kind == "sql" {
			m := map[string]any{"kind": "sql"}
			for k, v := range meta {
				m[k] = v
			}
			c["metadata"] = map[string]any{"smallfry": m}
		}
		return c
	}
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{
		"kernelspec": map[string]any{"name": "python3", "display_name": "Python 3", "language": "python"}},
		"cells": []any{
			cell("daily", "sql", "SELECT (DATE '2026-01-01' + d::INTEGER)::VARCHAR AS day, i AS amount FROM range(5) t(d), range(10) u(i)",
				map[string]any{"lake": map[string]any{"lake": "s3", "table": "Daily", "partition_by": []string{"day"}}}),
			cell("oneday", "sql", "SELECT * FROM s3.Daily WHERE day = '2026-01-03'", nil),
			cell("py", "python", "import boto3\nc = boto3.client('s3', endpoint_url='"+endpoint+"', region_name='us-east-1')\n"+
				"keys = [o['Key'] for o in c.list_objects_v2(Bucket='"+bucket+"', Prefix='analytics/Daily/')['Contents']]\n"+
				"print(len([k for k in keys if k.endswith('.parquet')]), boto3.Session().get_credentials().method)", nil),
		}}
	data, _ := json.MarshalIndent(nb, "", " ")
	return string(data)
}

func TestCompanyLakeThroughTheWorkbench(t *testing.T) {
	authtest.RequireOSKeychain(t)
	idp := authtest.StartIdP(t)
	sts := authtest.StartSTS(t, idp)
	ctx := context.Background()
	bucket := "company-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))[:20] + time.Now().Format("150405")
	root := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(sts.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(sts.RootUser, sts.RootPassword, "")})
	if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}

	rec := &recorder{}
	configDir := t.TempDir()
	app, err := smallfry.Open(ctx, smallfry.Config{Workspace: t.TempDir(), Python: os.Getenv("SMALLFRY_PYTHON"), Events: rec, Version: "test",
		Auth: auth.Options{Dir: configDir}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	s := app.Workbench

	if a, _ := s.Account(ctx); a.Configured {
		t.Fatalf("a new app is configured: %+v", a)
	}
	if _, err := s.ImportSettings(ctx, `{"issuer": "`+idp.Issuer+`", "clientId": "x", "roleArn": "`+sts.RoleARN+`", "region": "us-east-1", "lake": "s3:/nope"}`); err == nil || !strings.Contains(err.Error(), "lake") {
		t.Errorf("a bad lake is refused naming the field: %v", err)
	}
	settings, _ := json.Marshal(map[string]any{"issuer": idp.Issuer, "clientId": idp.ClientID, "roleArn": sts.RoleARN, "region": "us-east-1",
		"stsEndpoint": sts.Endpoint, "s3Endpoint": sts.Endpoint, "lake": "s3://" + bucket + "/analytics"})
	a, err := s.ImportSettings(ctx, string(settings))
	if err != nil || !a.Configured || a.SignedIn {
		t.Fatalf("ImportSettings = %+v, %v", a, err)
	}

	code, err := s.SignIn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := authtest.PlayUser(ctx, code.VerificationURI, code.UserCode, idp.User); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for a, _ = s.Account(ctx); !a.SignedIn; a, _ = s.Account(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("never signed in: %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.User == "" || a.Pending != nil {
		t.Errorf("signed in as %+v", a)
	}

	nbDir := notebooksDir(t, s)
	if err := os.WriteFile(filepath.Join(nbDir, "company.ipynb"), []byte(companyNotebook(sts.Endpoint, bucket)), 0o644); err != nil {
		t.Fatal(err)
	}
	nb := open(t, s, "company.ipynb")
	run := []string{"daily", "oneday"}
	python := os.Getenv("SMALLFRY_PYTHON") != ""
	if python {
		run = append(run, "py")
	}
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: run})
	if err != nil || sum.Status != "ok" {
		t.Fatalf("RunCells = %+v, %v; events %+v", sum, err, rec.cellEvents("py"))
	}
	if out := rec.waitCell(t, "daily", workbench.StatusDone).Output; out == nil || !strings.Contains(out.Text, "Saved 50 rows to lake table s3.Daily") {
		t.Errorf("save output = %+v", out)
	}
	if out := rec.waitCell(t, "oneday", workbench.StatusDone).Output; out == nil || out.Result == nil || out.Result.Rows != 10 {
		t.Errorf("one day = %+v", out)
	}
	if python {
		out := rec.waitCell(t, "py", workbench.StatusDone).Output
		if text := jupyterText(out); !strings.Contains(text, "5 container-role") {
			t.Errorf("boto3 in the kernel printed %q", text)
		}
	}
	lk, err := s.S3Lake(ctx)
	if err != nil || lk == nil || lk.Offline || len(lk.Datasets) != 1 || lk.Datasets[0].Name != "Daily" || lk.Datasets[0].PartitionCount != 5 || lk.Datasets[0].Rows != 50 {
		t.Fatalf("S3Lake = %+v, %v", lk, err)
	}
	comp, err := s.Completions(ctx, nb.Session)
	found := false
	for _, tb := range comp.Tables {
		found = found || tb.Schema == "s3" && tb.Name == "Daily" && slices.Contains(tb.Columns, "amount")
	}
	if err != nil || !found {
		t.Errorf("completions lack s3.Daily: %+v, %v", comp, err)
	}
	records, err := s.Runs(ctx, "company.ipynb")
	if err != nil || len(records) != 1 {
		t.Fatalf("runs = %v, %v", records, err)
	}
	rr := records[0]
	if len(rr.ObjectsWritten) != 5 || len(rr.ObjectsRead) != 1 || !strings.Contains(rr.ObjectsRead[0], "day=2026-01-03") || !strings.Contains(rr.ObjectsRead[0], "#") {
		t.Errorf("lineage: written %v, read %v", rr.ObjectsWritten, rr.ObjectsRead)
	}
	keys, err := app.Credentials().Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Signed out, the cached table still answers and the catalog says offline.
	if err := s.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx); a.SignedIn {
		t.Errorf("still signed in: %+v", a)
	}
	lk, err = s.S3Lake(ctx)
	if err != nil || lk == nil || !lk.Offline || len(lk.Datasets) != 1 || lk.Datasets[0].Rows != 50 || lk.CachedAt["Daily"].IsZero() || !lk.Partial["Daily"] ||
		!strings.Contains(lk.Problem, "signed out") || strings.Contains(lk.Problem, "operation error") {
		t.Errorf("S3Lake signed out = %+v, %v", lk, err)
	}
	sum, err = s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: []string{"oneday"}})
	if err != nil || sum.Status != "ok" {
		t.Errorf("the cached partition offline: %+v, %v", sum, err)
	}
	// A partition never fetched says so, and what to do.
	nb.Cells[1].Source = "SELECT * FROM s3.Daily WHERE day = '2026-01-04'"
	sum, err = s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: nb.Cells, Run: []string{"oneday"}})
	if err != nil || sum.Status != "failed" || !strings.Contains(sum.Error, "day=2026-01-04") || !strings.Contains(sum.Error, "not cached") || !strings.Contains(sum.Error, "sign in") {
		t.Errorf("an uncached partition offline: %+v, %v", sum, err)
	}

	// No key or token in clear anywhere the app wrote.
	info, _ := s.Info(ctx)
	secrets := []string{keys.AccessKeyID, keys.SecretAccessKey, keys.SessionToken, sts.RootPassword, idp.User.Password}
	for _, dir := range []string{info.WorkspaceDir, configDir} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(p)
			for _, secret := range secrets {
				if secret != "" && bytes.Contains(data, []byte(secret)) {
					t.Errorf("%s holds a secret in clear", p)
				}
			}
			return nil
		})
	}
}

// jupyterText joins the text of a Python cell's stream outputs.
func jupyterText(out *workbench.CellOutput) string {
	if out == nil {
		return ""
	}
	var b strings.Builder
	for _, raw := range out.Jupyter {
		var o struct {
			Text any `json:"text"`
		}
		json.Unmarshal(raw, &o)
		switch v := o.Text.(type) {
		case string:
			b.WriteString(v)
		case []any:
			for _, s := range v {
				b.WriteString(s.(string))
			}
		}
	}
	return b.String()
}

func TestS3NamesWithoutCompanySettings(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	nb := open(t, s, "tour.ipynb")
	cells := []workbench.CellData{
		{ID: "s3table", Kind: "sql", Source: "SELECT * FROM s3.Orders"},
		{ID: "alias", Kind: "sql", Source: "SELECT s3.x FROM (SELECT 1 AS x) AS s3"},
	}
	sum, err := s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{"s3table"}})
	if err != nil || sum.Status != "failed" || !strings.Contains(sum.Error, "import the company settings") {
		t.Errorf("an S3 table without settings: %+v, %v", sum, err)
	}
	sum, err = s.RunCells(ctx, nb.Session, workbench.RunRequest{Cells: cells, Run: []string{"alias"}})
	if err != nil || sum.Status != "ok" {
		t.Errorf("a table aliased s3: %+v, %v", sum, err)
	}
	if lk, err := s.S3Lake(ctx); lk != nil || err != nil {
		t.Errorf("S3Lake without settings = %+v, %v", lk, err)
	}
	if a, err := s.Account(ctx); err != nil || a.Configured || a.Problem != "" {
		t.Errorf("Account = %+v, %v", a, err)
	}
	if _, err := s.SignIn(ctx); err == nil || !strings.Contains(err.Error(), "import the company settings") {
		t.Errorf("SignIn without settings: %v", err)
	}
}
