#!/usr/bin/env bash
# Our Spark Connect client vs pyspark's, bringing the same 1,000,000-row ×
# 10-column result in from the same server in one run (see main.go). Uses
# the Spark that scripts/spark.sh started (make peers), or starts one with
# its state in a temp folder, stopped and removed at the end whatever
# happens (the first start on a machine installs pyspark: about 100 s).
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
	export SPARK_STATE_DIR=$state
	trap 'bash scripts/spark.sh stop >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
	trap 'exit 130' INT TERM
	bash scripts/spark.sh start 2>"$state/start.log" || { cat "$state/start.log" >&2; exit 1; }
	env=$state/env
fi
set -a
# shellcheck disable=SC1090
. "$env"
set +a
go run -tags duckdb_arrow ./bench/spark "$@"
