#!/usr/bin/env bash
# The S3 lake against a MinIO of its own on loopback: download throughput
# (ours vs boto3), catalog requests, a cached S3 query vs a local one. See
# main.go for the figures. MinIO (built once into the tool cache by
# scripts/minio.sh) runs with its state in a temp folder, stopped and
# removed at the end whatever happens.
#
# Usage: PYTHON=.venv/bin/python bash bench/s3/run.sh   (a venv with boto3:
# scripts/setup-python.sh scripts/requirements-test.txt scripts/requirements-bench.txt)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${PYTHON:?set PYTHON to the python of a venv with boto3}"
"$PYTHON" -c 'import boto3' 2>/dev/null ||
	{ echo "s3 bench: $PYTHON has no boto3 (scripts/requirements-bench.txt)" >&2; exit 1; }

state=$(mktemp -d)
export MINIO_STATE_DIR=$state
trap 'bash scripts/minio.sh stop >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
trap 'exit 130' INT TERM

bash scripts/minio.sh install >/dev/null # says so when it builds (minutes, once per machine)
bash scripts/minio.sh start 2>"$state/start.log" || { cat "$state/start.log" >&2; exit 1; }
# shellcheck disable=SC1090
. "$(bash scripts/minio.sh env)"
PYTHON=$PYTHON go run -tags duckdb_arrow ./bench/s3 "$@"
