#!/usr/bin/env bash
# Installs, starts and stops the Apache Spark Connect server the Spark tests
# and benchmarks talk to (a test peer: Spark runs cluster cells in the product).
#   install  once per version, into ${SMALLFRY_CACHE:-~/.cache/smallfry}:
#              wheels/pyspark-4.3.0-*.whl  built from PyPI's sdist (there is
#                                          no wheel there; about 80 s)
#              spark-4.3.0/venv            pyspark from that wheel, its Connect
#                                          client's packages from
#                                          scripts/requirements-spark.txt
#              jars/                       hadoop-aws and the AWS jars it
#                                          needs, from Maven Central without
#                                          transitive resolution, checked
#                                          against the SHA-1s pinned below
#            (a later run, in any clone or worktree, reuses all three); prints
#            the venv's path.
#   start    installs if needed, then starts the Connect server (local[2]) on a
#            free port of 127.0.0.1, in its own session and so process group,
#            with S3A pointed at the MinIO of SMALLFRY_S3_ENDPOINT (path-style
#            access; no keys of its own: each Spark session sets the user's
#            keys, see the S3A settings below). Waits for the server's own
#            "Spark Connect server started at" line and a first query through
#            pyspark's client, then writes build/peers/spark/env (0600), shell
#            `export` lines:
#              SMALLFRY_SPARK_URL     sc://127.0.0.1:PORT
#              SMALLFRY_SPARK_TOKEN   the token the server takes (Bearer)
#              SMALLFRY_SPARK_PYTHON  the venv's python (pyspark's client)
#              SMALLFRY_SPARK_PID     the server's PID (tests watch its CPU)
#            Idempotent: a server this script started that is up and reaches
#            the same S3 endpoint is kept.
#   stop     stops what `start` started, by process group (TERM, then KILL of
#            anything left in its session after a grace); idempotent.
#   status   says whether ours is running, and where.
# SPARK_STATE_DIR moves the state folder (default build/peers/spark: logs,
# local and warehouse directories, the JVM's temp folder), SPARK_PORT picks
# the port, SPARK_PYTHON the interpreter for the venv (CPython 3.11, the
# lock's), JAVA_HOME the Java (17 or later), SPARK_START_TIMEOUT bounds the
# wait (seconds, default 180).
set -euo pipefail
cd "$(dirname "$0")/.."

PYSPARK_VERSION=4.3.0
# Spark 4.3 is built on Hadoop 3.5.0 (pyspark/jars/hadoop-client-*-3.5.0.jar):
# hadoop-aws must be the same version, with the AWS SDK bundle and the S3
# analytics accelerator (its input streams; NoClassDefFoundError on the first
# read without it) at the versions hadoop-project 3.5.0's pom names. None of
# the three needs more than Spark's own jars.
JARS=(
	"org.apache.hadoop:hadoop-aws:3.5.0 9e594525d264c0db653c7f68da98b245f7d61ea5"
	"software.amazon.awssdk:bundle:2.35.4 7252265e3970b214708e68a8b74a8fa8c875af1e"
	"software.amazon.s3.analyticsaccelerator:analyticsaccelerator-s3:1.3.1 6c9bd0f6c440c9a78e82d272f5f0252d942419f6"
)
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# S3A takes keys only from the Hadoop configuration a query runs with, that
# is its Spark session's: the user's temporary keys (with a session token),
# else plain keys. Not S3A's default chain, whose last link asks the EC2
# instance metadata address, which is no peer of ours.
S3A_PROVIDERS=org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider,org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider

lock=$PWD/scripts/requirements-spark.txt
cache_root=${SMALLFRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smallfry}
wheels=$cache_root/wheels
home=$cache_root/spark-$PYSPARK_VERSION
venv=$home/venv
jars=$cache_root/jars

state=${SPARK_STATE_DIR:-$PWD/build/peers/spark}
pidfile=$state/spark.pid
logfile=$state/spark.log
envfile=$state/env
timeout=${SPARK_START_TIMEOUT:-180}

log() { echo "spark: $*" >&2; }

# shellcheck source=lib/process.sh
. scripts/lib/process.sh

# java_home prints a JAVA_HOME of Java 17 or later.
java_home() {
	local java=${JAVA_HOME:+$JAVA_HOME/bin/java}
	[[ -n $java ]] || java=$(command -v java) || {
		log "no java on PATH (Java 17 or later; Debian: openjdk-17-jre-headless)"
		return 1
	}
	java=$(readlink -f "$java")
	local version
	version=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	if [[ ! $version =~ ^[0-9]+$ ]] || ((version < 17)); then
		log "$java is Java ${version:-of an unknown version}; Spark 4 needs 17 or later (set JAVA_HOME)"
		return 1
	fi
	dirname "$(dirname "$java")"
}

# wheel builds pyspark's wheel once per version (PyPI has only the 456 MB
# sdist) and prints its path.
wheel() {
	local found
	found=$(compgen -G "$wheels/pyspark-$PYSPARK_VERSION-*.whl" | head -1) || true
	if [[ -n $found ]]; then
		echo "$found"
		return 0
	fi
	local python tmp
	python=$(python311 SPARK_PYTHON)
	mkdir -p "$wheels"
	tmp=$(mktemp -d "$wheels/.pyspark-build.XXXXXX")
	log "building the pyspark $PYSPARK_VERSION wheel into $wheels (about 80 s the first time)"
	# In a venv of its own: Debian's python3 has no pip (python3-venv
	# brings it into venvs). --no-cache-dir: the wheel is the cache; pip's
	# would keep the 456 MB sdist too.
	"$python" -m venv "$tmp/venv"
	if ! "$tmp/venv/bin/pip" wheel --quiet --disable-pip-version-check --no-cache-dir --no-deps \
		-w "$tmp" "pyspark==$PYSPARK_VERSION" >&2; then
		rm -rf "$tmp"
		log "building the pyspark wheel failed"
		return 1
	fi
	found=$(compgen -G "$tmp/pyspark-$PYSPARK_VERSION-*.whl" | head -1)
	mv -f "$found" "$wheels/"
	rm -rf "$tmp"
	echo "$wheels/$(basename "$found")"
}

# jar G:A:V SHA1 fetches one jar (no transitive dependencies) into the cache
# and prints its path; a jar is in $jars only once its SHA-1 matched.
jar() {
	local gav=$1 sha1=$2 group artifact version
	IFS=: read -r group artifact version <<<"$gav"
	local want=$jars/$artifact-$version.jar
	if [[ -f $want ]]; then
		echo "$want"
		return 0
	fi
	mkdir -p "$jars"
	log "fetching $gav from Maven Central into $jars"
	# Maven's own local repository, kept in the cache, is where it lands; the
	# verified jar is then linked beside it (same file, no second copy).
	if ! mvn -B -q -Dmaven.repo.local="$jars/repo" "$MAVEN_DEPENDENCY_PLUGIN:get" \
		-Dartifact="$gav" -Dtransitive=false >&2; then
		log "mvn could not fetch $gav"
		return 1
	fi
	local got=$jars/repo/${group//.//}/$artifact/$version/$artifact-$version.jar
	local sum
	sum=$(sha1sum "$got" | cut -d' ' -f1)
	if [[ $sum != "$sha1" ]]; then
		rm -f "$got"
		log "$gav has SHA-1 $sum, not $sha1: removed"
		return 1
	fi
	ln -f "$got" "$want.tmp"
	mv -f "$want.tmp" "$want"
	echo "$want"
}

# jar_list prints the cached jars, comma-separated, for --jars.
jar_list() {
	local entry list=""
	for entry in "${JARS[@]}"; do
		# shellcheck disable=SC2086
		list+=${list:+,}$(jar $entry)
	done
	echo "$list"
}

install() {
	local wheelfile stamp
	wheelfile=$(wheel)
	stamp="$(basename "$wheelfile") $(sha256sum "$lock" | cut -c1-16)"
	# A venv is not relocatable (its scripts name their interpreter by path),
	# so it is built in place; .installed, written last, marks a whole one.
	if [[ "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]] || ! "$venv/bin/python" -c '' 2>/dev/null; then
		mkdir -p "$home"
		# Two worktrees may install at once: one builds, the other waits for it.
		exec 9>"$home/.lock"
		flock 9
		if [[ "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]] || ! "$venv/bin/python" -c '' 2>/dev/null; then
			local python
			python=$(python311 SPARK_PYTHON)
			log "installing pyspark $PYSPARK_VERSION into $venv"
			rm -rf "$venv"
			"$python" -m venv "$venv"
			# --no-deps: the lock is the whole, already resolved set; pip
			# check proves the wheel's requirements are met by it.
			"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$lock" "$wheelfile" >&2
			"$venv/bin/pip" check --disable-pip-version-check >&2
			echo "$stamp" >"$venv/.installed"
		fi
		exec 9>&-
	fi
	jar_list >/dev/null
	echo "$venv"
}

# our_pid prints the PID of the server this script started, if it still
# runs: the leader of its own session, a java running SparkConnectServer.
our_pid() {
	local pid
	pid=$(pid_of "$pidfile" java) || return 1
	[[ "$(session_of "$pid")" == "$pid" ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q SparkConnectServer || return 1
	echo "$pid"
}


random_token() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

running_port() { [[ -f $state/port ]] && cat "$state/port"; }

# started tells whether the server logged that it listens.
started() { grep -q 'Spark Connect server started at' "$logfile" 2>/dev/null; }

# The S3 endpoint the server is (to be) configured with: MinIO's, when the
# caller's environment names it.
s3_endpoint() { echo "${SMALLFRY_S3_ENDPOINT:-}"; }

# query PORT runs a first query through pyspark's own Connect client: the
# server is up only when a session can be made and a job run.
# (pyspark sends a token without TLS only to the host named localhost.)
query() {
	SPARK_CONNECT_AUTHENTICATE_TOKEN=$(cat "$state/token") "$venv/bin/python" - "$1" <<'EOF'
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.remote(f"sc://localhost:{sys.argv[1]}").getOrCreate()
assert spark.sql("SELECT 1 AS one").collect()[0].one == 1
spark.stop()
EOF
}

start() {
	mkdir -p "$state"
	# The state folder holds the server's scratch data: keep it out of git.
	[[ -f $state/.gitignore ]] || echo '*' >"$state/.gitignore"
	local pid port endpoint
	endpoint=$(s3_endpoint)
	if pid=$(our_pid) && port=$(running_port) && in_use "$port" && [[ -f $envfile ]]; then
		if [[ "$(cat "$state/s3-endpoint" 2>/dev/null)" == "$endpoint" ]]; then
			log "already running: Spark Connect $pid at sc://127.0.0.1:$port"
			return 0
		fi
		log "restarting: the server reaches S3 at '$(cat "$state/s3-endpoint" 2>/dev/null)', not '$endpoint'"
	fi
	stop_server
	install >/dev/null
	local jarlist java spark_home
	jarlist=$(jar_list)
	java=$(java_home)
	# pyspark's find-spark-home would ask whichever python3 is on PATH.
	spark_home=$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
	port=${SPARK_PORT:-$(free_port)}
	if in_use "$port"; then
		log "port $port is taken"
		return 1
	fi
	rm -rf "$state/local" "$state/tmp" "$state/warehouse"
	mkdir -p "$state/local" "$state/tmp" "$state/warehouse" "$state/conf"
	echo "$port" >"$state/port"
	echo "$endpoint" >"$state/s3-endpoint"
	rm -f "$envfile"
	: >"$logfile"
	# A token per start, as a real cluster would want one; through the
	# environment, so it is in no command line.
	(umask 077 && random_token >"$state/token")
	local s3=()
	if [[ -n $endpoint ]]; then
		s3+=(--conf "spark.hadoop.fs.s3a.endpoint=$endpoint"
			--conf "spark.hadoop.fs.s3a.endpoint.region=${SMALLFRY_S3_REGION:-us-east-1}")
	fi
	local t0=$SECONDS
	# cd: anything the JVM writes beside itself stays in the state folder.
	# setsid: the server outlives make and the shell that started it, and its
	# process group is what `stop` ends.
	(
		cd "$state"
		SPARK_CONNECT_AUTHENTICATE_TOKEN=$(cat "$state/token") \
			JAVA_HOME=$java SPARK_HOME=$spark_home SPARK_CONF_DIR=$state/conf SPARK_LOCAL_IP=127.0.0.1 \
			PYSPARK_PYTHON=$venv/bin/python SPARK_LOG_DIR=$state \
			exec setsid "$spark_home/bin/spark-submit" \
			--class org.apache.spark.sql.connect.service.SparkConnectServer \
			--name "Smallfry test Spark Connect" \
			--master 'local[2]' \
			--driver-memory 2g \
			--driver-java-options "-Djava.io.tmpdir=$state/tmp" \
			--jars "$jarlist" \
			--conf spark.connect.grpc.binding.address=127.0.0.1 \
			--conf "spark.connect.grpc.binding.port=$port" \
			--conf spark.driver.bindAddress=127.0.0.1 \
			--conf spark.driver.host=127.0.0.1 \
			--conf spark.ui.enabled=false \
			--conf "spark.local.dir=$state/local" \
			--conf "spark.sql.warehouse.dir=$state/warehouse" \
			--conf spark.sql.catalogImplementation=in-memory \
			--conf spark.sql.shuffle.partitions=4 \
			--conf spark.hadoop.fs.s3a.path.style.access=true \
			--conf "spark.hadoop.fs.s3a.aws.credentials.provider=$S3A_PROVIDERS" \
			--conf spark.hadoop.fs.s3a.impl.disable.cache=true \
			"${s3[@]}" \
			>>"$logfile" 2>&1 </dev/null
	) &
	pid=$!
	echo "$pid" >"$pidfile"
	log "starting Spark Connect $pid on 127.0.0.1:$port (log: $logfile)"
	if ! wait_until "$pid" "$logfile" "$timeout" "Spark Connect" started; then
		stop_server
		return 1
	fi
	log "listening after $((SECONDS - t0)) s; running a first query"
	local t1=$SECONDS
	if ! query "$port" >"$state/first-query.log" 2>&1; then
		tail -n 20 "$state/first-query.log" >&2
		log "the first query failed"
		stop_server
		return 1
	fi
	write_env "$port"
	log "ready at sc://127.0.0.1:$port after $((SECONDS - t0)) s (first query $((SECONDS - t1)) s; environment: $envfile)"
}

write_env() {
	(
		umask 077
		{
			printf 'export SMALLFRY_SPARK_URL=%q\n' "sc://127.0.0.1:$1"
			printf 'export SMALLFRY_SPARK_TOKEN=%q\n' "$(cat "$state/token")"
			printf 'export SMALLFRY_SPARK_PYTHON=%q\n' "$venv/bin/python"
			printf 'export SMALLFRY_SPARK_PID=%q\n' "$(cat "$pidfile")"
		} >"$envfile.tmp"
	)
	mv -f "$envfile.tmp" "$envfile"
}

# stop_server: TERM to the server's process group, then, after a grace, KILL
# to every process left in its session (Python workers included).
stop_server() {
	local pid
	if ! pid=$(our_pid); then
		rm -f "$pidfile"
		return 0
	fi
	log "stopping Spark Connect $pid"
	kill -TERM -- "-$pid" 2>/dev/null || true
	local deadline=$((SECONDS + 20)) left
	while left=$(session_members "$pid") && [[ -n $left ]]; do
		if ((SECONDS >= deadline)); then
			log "Spark Connect left $(echo "$left" | wc -l) process(es) after SIGTERM; killing them"
			# shellcheck disable=SC2086
			kill -KILL $left 2>/dev/null || true
			sleep 0.2
			break
		fi
		sleep 0.2
	done
	rm -f "$pidfile"
}

stop() {
	stop_server
	rm -f "$envfile"
	log "stopped"
}

status() {
	local pid port
	if pid=$(our_pid) && port=$(running_port); then
		echo "spark: running (pid $pid, RSS $(($(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") / 1024)) MiB) at sc://127.0.0.1:$port"
	else
		echo "spark: not running"
		return 1
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
