#!/usr/bin/env bash
# make bench: every benchmark, side by side with its peer, ratios printed.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SMALLFRY_BIN:?set by make bench}" "${PYTHON:?set by make bench}"
ws=$(mktemp -d)
trap 'rm -rf "$ws"' EXIT
"$SMALLFRY_BIN" run --workspace "$ws" "$ws/notebooks/tour.ipynb" >/dev/null 2>&1 || true # creates the sample workspace
rm -rf "$ws/.smallfry/runs"/*
echo "== window path =="
go run -tags duckdb_arrow ./bench/window
echo
echo "== run history: opening a notebook with 10,000 runs =="
go run -tags duckdb_arrow ./bench/runs
echo
echo "== smallfry run vs peers =="
go build -tags duckdb_arrow -o "$ws/engine" ./bench/engine
ENGINE_BIN="$ws/engine" "$PYTHON" bench/compare.py "$ws"
echo
echo "== Python kernels and hand-off =="
go run -tags duckdb_arrow ./bench/kernel
echo
echo "== UI: grid in Chromium =="
node bench/ui/grid.bench.mjs
echo
echo "== S3 lake (MinIO on loopback) =="
bash bench/s3/run.sh
echo
echo "== Spark Connect: a 1,000,000-row result into DuckDB vs pyspark; an S3 aggregate locally vs on the cluster (scripts/spark.sh) =="
bash bench/spark/run.sh
echo
echo "== desktop: cold start and memory =="
bash bench/desktop/run.sh
echo
echo "== publishing to Airflow (scripts/airflow.sh) =="
started_airflow=0
if ! bash scripts/airflow.sh status >/dev/null 2>&1; then
	bash scripts/airflow.sh start >/dev/null
	started_airflow=1
fi
(set -a && . build/peers/airflow/env && set +a && go run -tags duckdb_arrow ./bench/airflow)
if [[ $started_airflow == 1 ]]; then bash scripts/airflow.sh stop >/dev/null; fi
