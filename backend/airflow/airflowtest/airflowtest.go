// Package airflowtest finds the real Airflow the tests publish to: the one
// scripts/airflow.sh started (scripts/peers.sh starts it for make test),
// named by the SMALLFRY_AIRFLOW_* variables of build/peers/env.
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
	DAGs                string // the DAG folder; specs go under smallfry/
	Outputs             string // where its scheduled runs write
}

// Need returns the Airflow, skips the test without one, or fails it when
// the run says the peers must be there (SMALLFRY_REQUIRE_PEERS=1).
func Need(t *testing.T) Peer {
	t.Helper()
	p := Peer{
		URL: os.Getenv("SMALLFRY_AIRFLOW_URL"), User: os.Getenv("SMALLFRY_AIRFLOW_USER"),
		Password: os.Getenv("SMALLFRY_AIRFLOW_PASSWORD"), DAGs: os.Getenv("SMALLFRY_AIRFLOW_DAGS"),
		Outputs: os.Getenv("SMALLFRY_AIRFLOW_OUTPUTS"),
	}
	if p.URL == "" || p.DAGs == "" || p.Outputs == "" {
		const why = "no Airflow: SMALLFRY_AIRFLOW_URL, _DAGS and _OUTPUTS are not set (scripts/airflow.sh start writes them to build/peers/airflow/env)"
		if os.Getenv("SMALLFRY_REQUIRE_PEERS") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	return p
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
