// Package airflowtest finds the real Airflows the tests publish to, the
// ones scripts/airflow.sh started (scripts/peers.sh starts them for make
// test): the DAG-folder one named by the SMALLFRY_AIRFLOW_* variables of
// build/peers/env, and the S3-bundle one by SMALLFRY_AIRFLOW_S3_*.
package airflowtest

import (
	"context"
	"os"
	"testing"

	"smallfry/backend/airflow"
)

// Peer is the running Airflow.
type Peer struct {
	URL, User, Password string
	DAGs                string // the DAG folder (or s3://bucket/prefix of the S3 bundle); specs go under smallfry/
	Outputs             string // where its scheduled runs write
	// Endpoint is the S3 server of DAGs and Outputs (the S3-bundle peer's).
	Endpoint string
}

// Need returns the DAG-folder Airflow, skips the test without one, or
// fails it when the run says the peers must be there
// (SMALLFRY_REQUIRE_PEERS=1).
func Need(t *testing.T) Peer {
	t.Helper()
	return need(t, "SMALLFRY_AIRFLOW", "no Airflow: SMALLFRY_AIRFLOW_URL, _DAGS and _OUTPUTS are not set (scripts/airflow.sh start writes them to build/peers/airflow/env)")
}

// NeedS3 returns the Airflow whose only DAG bundle is an S3DagBundle
// (AIRFLOW_PEER=s3 scripts/airflow.sh start): DAGs and Outputs are
// s3://bucket/prefix on the MinIO at Endpoint. It skips or fails as Need.
func NeedS3(t *testing.T) Peer {
	t.Helper()
	p := need(t, "SMALLFRY_AIRFLOW_S3", "no S3-bundle Airflow: SMALLFRY_AIRFLOW_S3_URL, _DAGS, _OUTPUTS and _ENDPOINT are not set (AIRFLOW_PEER=s3 scripts/airflow.sh start writes them to build/peers/airflow-s3/env)")
	if p.Endpoint == "" {
		missing(t, "no S3-bundle Airflow: SMALLFRY_AIRFLOW_S3_ENDPOINT is not set")
	}
	return p
}

func need(t *testing.T, prefix, why string) Peer {
	t.Helper()
	p := Peer{
		URL: os.Getenv(prefix + "_URL"), User: os.Getenv(prefix + "_USER"),
		Password: os.Getenv(prefix + "_PASSWORD"), DAGs: os.Getenv(prefix + "_DAGS"),
		Outputs: os.Getenv(prefix + "_OUTPUTS"), Endpoint: os.Getenv(prefix + "_ENDPOINT"),
	}
	if p.URL == "" || p.DAGs == "" || p.Outputs == "" {
		missing(t, why)
	}
	return p
}

func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Client is a client of the peer, signed in as its admin.
func (p Peer) Client(t *testing.T) *airflow.Client {
	t.Helper()
	c, err := airflow.New(airflow.Options{URL: p.URL, User: p.User, Password: func(context.Context) (string, error) { return p.Password, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
