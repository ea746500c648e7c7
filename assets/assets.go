// Package assets holds what Smallfry embeds: the sample workspace's dataset
// definitions (SQL) and sample notebooks, and the Airflow DAG factory.
package assets

import "embed"

// Sample is the sample workspace: tables/*.sql each define one lake table
// (run in order of their numeric prefix), notebooks/*.ipynb are copied as-is.
//
//go:embed sample
var Sample embed.FS

// DAGFactory is the one Airflow DAG factory file (airflow/smallfry_dags.py)
// an admin installs in the DAG folder or S3 bundle: `smallfry dag-factory`
// writes it out.
//
//go:embed airflow/smallfry_dags.py
var DAGFactory []byte
