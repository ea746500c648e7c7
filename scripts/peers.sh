#!/usr/bin/env bash
# Starts or stops the servers the tests talk to, once per test run, all on
# 127.0.0.1 and each stopped by the PID its script saved:
#   - the OIDC identity provider (scripts/idp.sh: oidc-provider, device flow);
#   - one MinIO (scripts/minio.sh) serving S3 and, trusting that IdP, STS
#     AssumeRoleWithWebIdentity; its state is build/peers/minio-sts, where
#     backend/auth/authtest looks for it;
#   - Apache Airflow (scripts/airflow.sh: api-server, scheduler, dag-processor
#     with the DAG factory), where notebooks are published to a schedule;
#   - a second Airflow (AIRFLOW_PEER=s3 scripts/airflow.sh) whose only DAG
#     bundle is an S3DagBundle on that MinIO, for publishing through S3.
#   start   starts all four (each script keeps a healthy server of its own)
#           and writes build/peers/env, the `export` lines the Makefile's test
#           recipes source: the IdP's SMALLFRY_IDP_*, MinIO's SMALLFRY_S3_*,
#           Airflow's SMALLFRY_AIRFLOW_* and the S3 one's SMALLFRY_AIRFLOW_S3_*.
#           The file is 0600; it holds MinIO's root keys and the Airflows'
#           admin passwords for the tests.
#   stop    stops all four.
set -euo pipefail
cd "$(dirname "$0")/.."

peers=build/peers
sts=$peers/minio-sts

start() {
	bash scripts/idp.sh start
	set -a
	# shellcheck disable=SC1091
	. "$peers/idp/env"
	set +a
	local trust="$SMALLFRY_IDP_ISSUER $SMALLFRY_IDP_CLIENT_ID"
	# A MinIO trusting another issuer (an IdP restarted on a new port) is
	# started again, trusting this one.
	if [[ "$(cat "$sts/trusted-issuer" 2>/dev/null)" != "$trust" ]]; then
		MINIO_STATE_DIR=$sts bash scripts/minio.sh stop
	fi
	MINIO_STATE_DIR=$sts \
		MINIO_IDENTITY_OPENID_CONFIG_URL="$SMALLFRY_IDP_ISSUER/.well-known/openid-configuration" \
		MINIO_IDENTITY_OPENID_CLIENT_ID="$SMALLFRY_IDP_CLIENT_ID" \
		MINIO_IDENTITY_OPENID_ROLE_POLICY=readwrite \
		bash scripts/minio.sh start
	echo "$trust" >"$sts/trusted-issuer"
	# Last: the slowest to start (Airflow's first run installs it, about a
	# minute, and migrates its database). The two Airflows start side by
	# side (the install is shared, one waits for the other's): most of a
	# start is waiting for health checks.
	local folder s3 status=0
	bash scripts/airflow.sh start &
	folder=$!
	AIRFLOW_PEER=s3 bash scripts/airflow.sh start &
	s3=$!
	wait "$folder" || status=$?
	wait "$s3" || status=$?
	((status == 0)) || return "$status"
	(umask 077 && cat "$peers/idp/env" "$sts/env" "$peers/airflow/env" "$peers/airflow-s3/env" >"$peers/env")
	echo "peers: IdP at $SMALLFRY_IDP_ISSUER; S3 and STS at $(grep -o 'http://127.0.0.1:[0-9]*' "$sts/env" | head -1);" \
		"Airflow at $(grep -o 'http://127.0.0.1:[0-9]*' "$peers/airflow/env" | head -1)," \
		"with an S3 bundle at $(grep -o 'http://127.0.0.1:[0-9]*' "$peers/airflow-s3/env" | head -1)" >&2
}

stop() {
	bash scripts/airflow.sh stop || true
	AIRFLOW_PEER=s3 bash scripts/airflow.sh stop || true
	MINIO_STATE_DIR=$sts bash scripts/minio.sh stop || true
	bash scripts/idp.sh stop || true
	rm -f "$peers/env"
}

case ${1:-} in
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
