#!/usr/bin/env bash
# Our Spark Connect client vs pyspark's, bringing the same 1,000,000-row ×
# 10-column result in from the same server in one run, then the same
# aggregate over an S3 table locally vs in a cluster cell (see main.go,
# offload.go). Uses the Spark and MinIO that scripts/peers.sh started (make
# peers), or starts a MinIO and a Spark reading it, with their state in a
# temp folder, stopped and removed at the end whatever happens (the first
# start on a machine installs pyspark: about 100 s).
#
# Usage: bash bench/spark/run.sh [-runs 7]
set -euo pipefail
cd "$(dirname "$0")/../.."

if bash scripts/spark.sh status >/dev/null 2>&1 && [[ -f build/peers/env ]]; then
	# The peers' Spark reads the peers' MinIO: the offload comparison uses both.
	env=build/peers/env
elif bash scripts/spark.sh status >/dev/null 2>&1 && [[ -f build/peers/spark/env ]]; then
	env=build/peers/spark/env
else
	state=$(mktemp -d)
	export SPARK_STATE_DIR=$state MINIO_STATE_DIR=$state/minio
	trap 'bash scripts/spark.sh stop >/dev/null 2>&1 || true; bash scripts/minio.sh stop >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
	trap 'exit 130' INT TERM
	bash scripts/minio.sh start 2>"$state/minio.log" || { cat "$state/minio.log" >&2; exit 1; }
	set -a
	# shellcheck disable=SC1091
	. "$state/minio/env"
	set +a
	bash scripts/spark.sh start 2>"$state/start.log" || { cat "$state/start.log" >&2; exit 1; }
	cat "$state/minio/env" "$state/env" >"$state/all.env"
	env=$state/all.env
fi
set -a
# shellcheck disable=SC1090
. "$env"
set +a
go run -tags duckdb_arrow ./bench/spark "$@"
