package smallfry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"smallfry/backend"
	"smallfry/backend/lake"
	"smallfry/backend/publish"
	"smallfry/backend/runner"
	"smallfry/backend/s3"
)

// location opens a place files go as storage: a folder path, or
// s3://bucket/prefix signed with creds. region and endpoint are S3's
// (the company settings'); cacheDir holds what S3 reads stage.
func location(loc string, creds aws.CredentialsProvider, region, endpoint, cacheDir string) (lake.Storage, error) {
	if rest, ok := strings.CutPrefix(loc, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, backend.Errorf(backend.EINVALID, "%q names no bucket", loc)
		}
		return s3.New(s3.Config{Bucket: bucket, Prefix: strings.Trim(prefix, "/"), Region: region, Endpoint: endpoint,
			Credentials: creds, CacheDir: filepath.Join(cacheDir, "locations")})
	}
	if !filepath.IsAbs(loc) {
		return nil, backend.Errorf(backend.EINVALID, "%q is neither an absolute folder path nor s3://bucket/prefix", loc)
	}
	return lake.NewLocal(loc)
}

// workerLocation opens loc with this machine's own AWS identity (the
// default chain: an instance profile, IRSA, the environment), as a
// scheduled run on an Airflow worker does: never an analyst's keys.
// AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) names an S3-compatible server.
func workerLocation(ctx context.Context, loc, cacheDir string) (lake.Storage, error) {
	if !strings.HasPrefix(loc, "s3://") {
		return location(loc, nil, "", "", cacheDir)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s with this machine's AWS identity: %w", loc, err)
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL_S3")
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	return location(loc, cfg.Credentials, cfg.Region, endpoint, cacheDir)
}

// RecordScheduled stores a scheduled run's record and output notebook
// where the published notebook's runs go (loc: a folder or s3://…), with
// this machine's own AWS identity.
func (a *App) RecordScheduled(ctx context.Context, loc string, outcome *runner.Outcome) error {
	store, err := workerLocation(ctx, loc, a.account.cacheDir)
	if err != nil {
		return err
	}
	out, err := outcome.Output.Marshal()
	if err != nil {
		return err
	}
	return publish.WriteRun(ctx, store, outcome.Record, out)
}
