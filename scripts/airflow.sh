#!/usr/bin/env bash
# Installs, starts and stops the Apache Airflow the publish tests talk to (a
# test peer: scheduled runs of published notebooks, assets/airflow/).
#   install  builds a venv from scripts/requirements-airflow.txt (pinned, no
#            resolver) in ${SMALLFRY_CACHE:-~/.cache/smallfry}/airflow-<hash of
#            the lock>, so every clone and worktree reuses it and a changed lock
#            builds a new one; prints its path.
#   start    installs if needed, then runs Airflow 3 from build/peers/airflow
#            (AIRFLOW_HOME): SQLite, LocalExecutor, `airflow db migrate`, then
#            api-server, scheduler and dag-processor, each in its own process
#            group, everything on 127.0.0.1; waits until /api/v2/monitor/health
#            reports the metadatabase, scheduler and dag processor healthy.
#            Copies assets/airflow/smallfry_dags.py into the DAG folder every
#            time (a kept server parses the new copy within seconds).
#            Writes build/peers/airflow/env (0600), shell `export` lines:
#              SMALLFRY_AIRFLOW_URL       http://127.0.0.1:PORT
#              SMALLFRY_AIRFLOW_USER      admin (SimpleAuthManager, role admin)
#              SMALLFRY_AIRFLOW_PASSWORD  random, kept across restarts
#              SMALLFRY_AIRFLOW_DAGS      the DAG folder (specs go under smallfry/)
#              SMALLFRY_AIRFLOW_OUTPUTS   the scheduled runs' shared output folder
#              SMALLFRY_AIRFLOW_HOME      AIRFLOW_HOME
#            Idempotent: a server this script started that is healthy is kept.
#   stop     stops what `start` started, by process group (TERM, then KILL
#            after a grace), including task processes that made groups of
#            their own; idempotent.
#   status   says whether ours is running, and where.
# The task processes run `smallfry`: SMALLFRY_BIN (default build/bin/smallfry)
# and SMALLFRY_WORKSPACE (default build/peers/airflow/worker-workspace) are
# passed to every component, as is the rest of the caller's environment.
# AIRFLOW_STATE_DIR moves the state folder, AIRFLOW_PORT picks the API port,
# AIRFLOW_PYTHON the interpreter (CPython 3.11, the lock's), and
# AIRFLOW_START_TIMEOUT bounds the wait (seconds, default 180).
#
# AIRFLOW_PEER=s3 runs a second, separate instance the same way (state in
# build/peers/airflow-s3, a port of its own) whose only DAG bundle is an
# S3DagBundle on the MinIO of scripts/peers.sh (build/peers/minio-sts/env, or
# AIRFLOW_S3_MINIO_ENV; that MinIO must be running). `start` also, every time:
# makes the bucket (AIRFLOW_S3_BUCKET, default smallfry-airflow), uploads the
# factory to s3://BUCKET/dags/smallfry_dags.py, and makes two MinIO users with
# policies of their own (scripts/airflow/s3_bundle.py): the bundle reader,
# which the Airflow connection smallfry_s3_bundle (AIRFLOW_CONN_* JSON, type
# aws, endpoint_url MinIO) syncs the bundle with, and the worker, the AWS
# identity (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3,
# AWS_REGION) the task processes, and so scheduled runs, write s3://BUCKET/runs
# with; it may write nothing else. Its env file, build/peers/airflow-s3/env:
#   SMALLFRY_AIRFLOW_S3_URL, _USER, _PASSWORD, _HOME  as above
#   SMALLFRY_AIRFLOW_S3_DAGS      s3://BUCKET/dags (specs go under smallfry/)
#   SMALLFRY_AIRFLOW_S3_OUTPUTS   s3://BUCKET/runs
#   SMALLFRY_AIRFLOW_S3_ENDPOINT  the MinIO both are on
set -euo pipefail
cd "$(dirname "$0")/.."

lock=$PWD/scripts/requirements-airflow.txt
factory=$PWD/assets/airflow/smallfry_dags.py
cache_root=${SMALLFRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smallfry}
venv=$cache_root/airflow-$(sha256sum "$lock" | cut -c1-16)

# Which instance: "" the DAG-folder one, s3 the S3-bundle one.
peer=${AIRFLOW_PEER:-}
case $peer in
"") state=${AIRFLOW_STATE_DIR:-$PWD/build/peers/airflow} ;;
s3)
	state=${AIRFLOW_STATE_DIR:-$PWD/build/peers/airflow-s3}
	s3_minio_env=${AIRFLOW_S3_MINIO_ENV:-$PWD/build/peers/minio-sts/env}
	s3_bucket=${AIRFLOW_S3_BUCKET:-smallfry-airflow}
	s3_dags=dags
	s3_outputs=runs
	s3_bundle_user=smallfry-airflow-bundle
	s3_worker_user=smallfry-airflow-worker
	;;
*)
	echo "airflow: AIRFLOW_PEER is empty or s3, not $peer" >&2
	exit 2
	;;
esac
envfile=$state/env
secrets=$state/secrets
components=(api-server scheduler dag-processor)
timeout=${AIRFLOW_START_TIMEOUT:-180}

log() { echo "airflow${peer:+-$peer}: $*" >&2; }

# shellcheck source=lib/process.sh
. scripts/lib/process.sh

install() {
	# A venv is not relocatable (its scripts name their interpreter by path),
	# so it is built in place; .installed, written last, marks a whole one.
	if [[ -f $venv/.installed ]] && "$venv/bin/python" -c '' 2>/dev/null; then
		echo "$venv"
		return 0
	fi
	mkdir -p "$cache_root"
	# Two worktrees may install at once: one builds, the other waits for it.
	exec 9>"$venv.lock"
	flock 9
	if [[ -f $venv/.installed ]] && "$venv/bin/python" -c '' 2>/dev/null; then
		echo "$venv"
		return 0
	fi
	local python
	python=$(python311 AIRFLOW_PYTHON)
	log "installing Airflow into $venv (about a minute the first time)"
	rm -rf "$venv"
	"$python" -m venv "$venv"
	# --no-deps: the lock is the whole, already resolved set; pip check
	# proves it is consistent (a hand-edited lock that is not fails here).
	"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$lock" >&2
	"$venv/bin/pip" check --disable-pip-version-check >&2
	touch "$venv/.installed"
	exec 9>&-
	echo "$venv"
}

# our_pid NAME prints the PID of component NAME if it is still running: the
# leader of its session, running airflow from our venv.
our_pid() {
	local pidfile=$state/$1.pid pid
	[[ -f $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
	# Airflow renames its processes (setproctitle), so /proc/PID/comm cannot
	# tell; that it leads its own session and runs airflow can.
	[[ "$(session_of "$pid")" == "$pid" ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q airflow || return 1
	echo "$pid"
}


random_string() { head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }

# healthy tells whether the API on port $1 reports every component we run
# healthy (the triggerer is not run: no deferrable tasks here).
healthy() {
	curl -fsS --max-time 3 "http://127.0.0.1:$1/api/v2/monitor/health" 2>/dev/null |
		jq -e '.metadatabase.status == "healthy" and .scheduler.status == "healthy" and .dag_processor.status == "healthy"' >/dev/null 2>&1
}

running_port() { [[ -f $state/port ]] && cat "$state/port"; }

all_running() {
	local c
	for c in "${components[@]}"; do our_pid "$c" >/dev/null || return 1; done
}

# The secrets are kept across restarts: the Fernet key encrypts connections
# and variables in the database, and the tests' env names the password.
ensure_secrets() {
	if [[ ! -s $secrets ]]; then
		local fernet
		# A Fernet key is 32 random bytes, url-safe base64.
		fernet=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
		(
			umask 077
			printf 'PASSWORD=%s\nJWT_SECRET=%s\nFERNET_KEY=%s\n' \
				"$(random_string 24)" "$(random_string 86)" "$fernet" >"$secrets.tmp"
		)
		mv -f "$secrets.tmp" "$secrets"
	fi
	if [[ $peer == s3 ]] && ! grep -q '^WORKER_SECRET=' "$secrets"; then
		(
			umask 077
			cp "$secrets" "$secrets.tmp"
			printf 'BUNDLE_SECRET=%s\nWORKER_SECRET=%s\n' "$(random_string 32)" "$(random_string 32)" >>"$secrets.tmp"
		)
		mv -f "$secrets.tmp" "$secrets"
	fi
	(
		umask 077
		printf '{"admin": "%s"}\n' "$(secret PASSWORD)" >"$state/passwords.json.tmp"
	)
	mv -f "$state/passwords.json.tmp" "$state/passwords.json"
}

secret() { sed -n "s/^$1=//p" "$secrets"; }

# airflow_env PORT exports the configuration every component shares, as
# AIRFLOW__* variables: they win over the airflow.cfg of defaults Airflow
# writes into AIRFLOW_HOME on its first run.
airflow_env() {
	local port=$1
	export AIRFLOW_HOME=$state
	export AIRFLOW__CORE__DAGS_FOLDER=$state/dags
	export AIRFLOW__CORE__EXECUTOR=LocalExecutor
	export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$state/airflow.db
	export AIRFLOW__CORE__LOAD_EXAMPLES=False
	# Two cores shared with others: few tasks and parsers at once.
	export AIRFLOW__CORE__PARALLELISM=2
	export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG=2
	export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES=1
	export AIRFLOW__API__WORKERS=1
	export AIRFLOW__API__HOST=127.0.0.1
	export AIRFLOW__API__PORT=$port
	export AIRFLOW__API__BASE_URL=http://127.0.0.1:$port
	# Task processes report to the API server's execution API.
	export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$port/execution/
	export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin
	export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=$state/passwords.json
	# One secret for every component: the scheduler signs the task tokens
	# the API server checks.
	AIRFLOW__API_AUTH__JWT_SECRET=$(secret JWT_SECRET)
	AIRFLOW__CORE__FERNET_KEY=$(secret FERNET_KEY)
	export AIRFLOW__API_AUTH__JWT_SECRET AIRFLOW__CORE__FERNET_KEY
	# A new spec is seen within seconds (the defaults are 300 s and 30 s);
	# PUT /api/v2/parseDagFile makes it sooner.
	export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5
	export AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL=5
	# An unpublished spec's DAG goes stale (hidden) within about 20 s, not
	# minutes: the dag-processor looks for stale DAGs every 10 s (the option
	# is in [scheduler]) and deems one stale 10 s after a parse missed it.
	export AIRFLOW__DAG_PROCESSOR__STALE_DAG_THRESHOLD=10
	export AIRFLOW__SCHEDULER__PARSING_CLEANUP_INTERVAL=10
	export AIRFLOW__LOGGING__BASE_LOG_FOLDER=$state/logs
	# The scheduler's health server would listen on every interface; the
	# API's /monitor/health is enough.
	export AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK=False
	export AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST=127.0.0.1
	# What the DAG factory's tasks run, and where.
	export SMALLFRY_BIN=${SMALLFRY_BIN:-$PWD/build/bin/smallfry}
	export SMALLFRY_WORKSPACE=${SMALLFRY_WORKSPACE:-$state/worker-workspace}
	if [[ $peer == s3 ]]; then
		s3_env
	else
		export SMALLFRY_AIRFLOW_OUTPUTS=$state/outputs
	fi
}

# s3_env: the S3 bundle, the connection it syncs with, and the workers' own
# AWS identity.
s3_env() {
	local endpoint
	endpoint=$(minio_var SMALLFRY_S3_ENDPOINT)
	# The only bundle (no dags-folder one). refresh_interval: how often the
	# dag-processor syncs the prefix on its own; a parseDagFile request
	# syncs at once. Its local copy goes under the state folder, not the
	# machine-wide default in /tmp, which every S3 Airflow here would share.
	AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST=$(jq -cn --arg bucket "$s3_bucket" --arg prefix "$s3_dags" '[{
		name: "smallfry-s3",
		classpath: "airflow.providers.amazon.aws.bundles.s3.S3DagBundle",
		kwargs: {bucket_name: $bucket, prefix: $prefix, aws_conn_id: "smallfry_s3_bundle", refresh_interval: 5}}]')
	export AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST
	export AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH=$state/dag-bundles
	export AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL=1
	# The connection holds the bundle reader's keys: the dag-processor and
	# each task process sync the bundle with it, not with the workers' own
	# identity below (which cannot read the bundle).
	AIRFLOW_CONN_SMALLFRY_S3_BUNDLE=$(jq -cn --arg login "$s3_bundle_user" --arg password "$(secret BUNDLE_SECRET)" --arg endpoint "$endpoint" '{
		conn_type: "aws", login: $login, password: $password,
		extra: {endpoint_url: $endpoint, region_name: "us-east-1"}}')
	export AIRFLOW_CONN_SMALLFRY_S3_BUNDLE
	# The workers' own identity, as an admin would give it (the AWS default
	# chain): what `smallfry run --record-to s3://...` writes outputs with.
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_CONTAINER_CREDENTIALS_FULL_URI
	export AWS_ACCESS_KEY_ID=$s3_worker_user
	AWS_SECRET_ACCESS_KEY=$(secret WORKER_SECRET)
	export AWS_SECRET_ACCESS_KEY
	export AWS_ENDPOINT_URL_S3=$endpoint
	export AWS_REGION=us-east-1
}

# minio_var NAME prints one variable of the MinIO's env file, read in a
# subshell so that its root keys reach no Airflow process.
minio_var() {
	# shellcheck disable=SC1090
	(. "$s3_minio_env" && printf '%s' "${!1}")
}

# s3_setup makes the bucket, the factory object and the two users.
s3_setup() {
	if [[ ! -f $s3_minio_env ]]; then
		log "no MinIO: $s3_minio_env is missing (scripts/peers.sh starts MinIO first)"
		return 1
	fi
	local endpoint
	endpoint=$(minio_var SMALLFRY_S3_ENDPOINT)
	S3_ENDPOINT=$endpoint S3_ROOT_USER=$(minio_var SMALLFRY_S3_ROOT_USER) S3_ROOT_PASSWORD=$(minio_var SMALLFRY_S3_ROOT_PASSWORD) \
		BUCKET=$s3_bucket DAGS_PREFIX=$s3_dags OUTPUTS_PREFIX=$s3_outputs FACTORY=$factory \
		BUNDLE_USER=$s3_bundle_user BUNDLE_SECRET=$(secret BUNDLE_SECRET) \
		WORKER_USER=$s3_worker_user WORKER_SECRET=$(secret WORKER_SECRET) \
		"$venv/bin/python" scripts/airflow/s3_bundle.py || {
		log "setting up s3://$s3_bucket on $endpoint failed"
		return 1
	}
	log "s3://$s3_bucket/$s3_dags/smallfry_dags.py uploaded to $endpoint"
}

# launch NAME ARGS... starts one component in a session (and so a process
# group) of its own, outliving the shell that started it.
launch() {
	local name=$1 pid
	shift
	: >"$state/$name.log"
	setsid "$venv/bin/airflow" "$@" >>"$state/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$state/$name.pid"
	log "started $name ($pid; log: $state/$name.log)"
}

start() {
	mkdir -p "$state"
	# The state folder holds secrets and the database: keep it out of git.
	[[ -f $state/.gitignore ]] || echo '*' >"$state/.gitignore"
	[[ -f $factory ]] || {
		log "missing $factory"
		return 1
	}
	local port
	if [[ $peer == s3 ]]; then
		# The DAG folder stays empty: the S3 bundle is the only one.
		mkdir -p "$state/dags" "$state/logs"
		install >/dev/null
		ensure_secrets
		s3_setup || return 1
		# A server syncing from another MinIO (restarted on a new port) is
		# started again.
		if [[ "$(cat "$state/s3-endpoint" 2>/dev/null)" != "$(minio_var SMALLFRY_S3_ENDPOINT)" ]]; then
			stop_components
		fi
	else
		mkdir -p "$state/dags/smallfry/specs" "$state/dags/smallfry/snapshots" "$state/outputs" "$state/logs"
		# Temp name + rename: the dag-processor never reads half a file.
		cp "$factory" "$state/dags/.smallfry_dags.py.tmp"
		mv -f "$state/dags/.smallfry_dags.py.tmp" "$state/dags/smallfry_dags.py"
	fi
	if all_running && port=$(running_port) && healthy "$port"; then
		log "already running at http://127.0.0.1:$port"
		write_env "$port"
		return 0
	fi
	# Part of a server (one component died) is not reused: start afresh.
	stop_components
	install >/dev/null
	ensure_secrets
	port=${AIRFLOW_PORT:-$(free_port)}
	if in_use "$port"; then
		log "port $port is taken"
		return 1
	fi
	echo "$port" >"$state/port"
	rm -f "$envfile"
	airflow_env "$port"
	[[ $peer != s3 ]] || minio_var SMALLFRY_S3_ENDPOINT >"$state/s3-endpoint"
	local t0=$SECONDS
	log "migrating the database ($state/airflow.db)"
	if ! "$venv/bin/airflow" db migrate >"$state/db-migrate.log" 2>&1; then
		tail -n 20 "$state/db-migrate.log" >&2
		log "airflow db migrate failed"
		return 1
	fi
	launch api-server api-server --host 127.0.0.1 --port "$port" --workers 1
	# --skip-serve-logs: its log server would listen on every interface; the
	# API server reads the task logs from disk (same machine, same folder).
	launch scheduler scheduler --skip-serve-logs
	launch dag-processor dag-processor
	# The PID launch saved, not our_pid: right after the launch the process
	# may not have made its session yet (setsid runs in it), and a busy
	# machine would see a live server as gone.
	local pid
	pid=$(cat "$state/api-server.pid")
	if ! wait_until "$pid" "$state/api-server.log" "$timeout" "Airflow" healthy_and_alive "$port"; then
		tail -n 20 "$state/scheduler.log" "$state/dag-processor.log" >&2
		stop_components
		return 1
	fi
	write_env "$port"
	log "healthy at http://127.0.0.1:$port after $((SECONDS - t0)) s (environment: $envfile)"
}

# healthy_and_alive fails fast when the scheduler or dag-processor exits
# (wait_until watches only the API server).
healthy_and_alive() {
	local c
	for c in scheduler dag-processor; do
		if ! alive "$(cat "$state/$c.pid" 2>/dev/null || echo 0)"; then
			tail -n 20 "$state/$c.log" >&2
			log "$c exited"
			return 2
		fi
	done
	healthy "$1"
}

write_env() {
	if [[ $peer == s3 ]]; then
		write_s3_env "$1"
		return
	fi
	(
		umask 077
		{
			printf 'export SMALLFRY_AIRFLOW_URL=%q\n' "http://127.0.0.1:$1"
			printf 'export SMALLFRY_AIRFLOW_USER=admin\n'
			printf 'export SMALLFRY_AIRFLOW_PASSWORD=%q\n' "$(secret PASSWORD)"
			printf 'export SMALLFRY_AIRFLOW_DAGS=%q\n' "$state/dags"
			printf 'export SMALLFRY_AIRFLOW_OUTPUTS=%q\n' "$state/outputs"
			printf 'export SMALLFRY_AIRFLOW_HOME=%q\n' "$state"
		} >"$envfile.tmp"
	)
	mv -f "$envfile.tmp" "$envfile"
}

write_s3_env() {
	(
		umask 077
		{
			printf 'export SMALLFRY_AIRFLOW_S3_URL=%q\n' "http://127.0.0.1:$1"
			printf 'export SMALLFRY_AIRFLOW_S3_USER=admin\n'
			printf 'export SMALLFRY_AIRFLOW_S3_PASSWORD=%q\n' "$(secret PASSWORD)"
			printf 'export SMALLFRY_AIRFLOW_S3_DAGS=%q\n' "s3://$s3_bucket/$s3_dags"
			printf 'export SMALLFRY_AIRFLOW_S3_OUTPUTS=%q\n' "s3://$s3_bucket/$s3_outputs"
			printf 'export SMALLFRY_AIRFLOW_S3_ENDPOINT=%q\n' "$(minio_var SMALLFRY_S3_ENDPOINT)"
			printf 'export SMALLFRY_AIRFLOW_S3_HOME=%q\n' "$state"
		} >"$envfile.tmp"
	)
	mv -f "$envfile.tmp" "$envfile"
}

# stop_component NAME GRACE: TERM to the component's process group, then,
# after GRACE seconds, KILL to every process left in its session.
stop_component() {
	local name=$1 grace=$2 pid
	if ! pid=$(our_pid "$name"); then
		rm -f "$state/$name.pid"
		return 0
	fi
	log "stopping $name $pid"
	kill -TERM -- "-$pid" 2>/dev/null || true
	local deadline=$((SECONDS + grace)) left
	while left=$(session_members "$pid") && [[ -n $left ]]; do
		if ((SECONDS >= deadline)); then
			log "$name left $(echo "$left" | wc -l) process(es) after SIGTERM; killing them"
			# shellcheck disable=SC2086
			kill -KILL $left 2>/dev/null || true
			sleep 0.2
			break
		fi
		sleep 0.2
	done
	rm -f "$state/$name.pid"
}

stop_components() {
	local c
	# The scheduler first: it stops its task processes while the API server
	# can still take their final states.
	for c in scheduler dag-processor api-server; do stop_component "$c" 20; done
}

stop() {
	stop_components
	rm -f "$envfile"
	log "stopped"
}

status() {
	local c pid port
	for c in "${components[@]}"; do
		if pid=$(our_pid "$c"); then
			echo "airflow${peer:+-$peer} $c: running (pid $pid)"
		else
			echo "airflow${peer:+-$peer} $c: not running"
		fi
	done
	if port=$(running_port) && healthy "$port"; then
		echo "airflow${peer:+-$peer}: healthy at http://127.0.0.1:$port"
	fi
}

case ${1:-} in
install) install ;;
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 install|start|stop|status" >&2
	exit 2
	;;
esac
