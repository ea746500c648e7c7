#!/usr/bin/env bash
# Installs, starts and stops the MinIO server the S3 tests use (a separate
# test binary: MinIO is AGPL and never linked into smallfry).
#   install  builds MinIO once per version into ${SMALLFRY_CACHE:-~/.cache/smallfry}/bin
#            (a later run on the same machine reuses it); prints the binary's path.
#   start    installs if needed, then starts MinIO on 127.0.0.1 only, with a
#            random root user and password, and waits until it is ready. The
#            caller's environment is passed through, so MinIO's own variables
#            (MINIO_IDENTITY_OPENID_* for STS, ...) can be set by the caller.
#            Writes $state/env, shell `export` lines the tests read:
#              SMALLFRY_S3_ENDPOINT        http://127.0.0.1:PORT
#              SMALLFRY_S3_REGION          us-east-1
#              SMALLFRY_S3_ROOT_USER       the root credentials
#              SMALLFRY_S3_ROOT_PASSWORD
#              SMALLFRY_S3_CONSOLE         http://127.0.0.1:PORT2
#            Idempotent: a server this script started that is healthy is kept
#            as it is (stop it first to start one with another environment).
#   stop     stops the MinIO that `start` started (by the PID it saved), and
#            only that one; idempotent.
#   env      prints the path of $state/env (`. "$(scripts/minio.sh env)"`);
#            fails when no server of ours is running. It never prints secrets.
# The state folder is ${MINIO_STATE_DIR:-build/peers/minio}: data/, minio.pid,
# minio.log, credentials and env (both 0600). MINIO_PORT and
# MINIO_CONSOLE_PORT pick the ports (else free ones are chosen);
# MINIO_START_TIMEOUT bounds the wait (seconds, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
bin="${SMALLFRY_CACHE:-$HOME/.cache/smallfry}/bin"
binary=$bin/minio
stamp=$bin/.minio-$MINIO_VERSION

state=${MINIO_STATE_DIR:-$PWD/build/peers/minio}
pidfile=$state/minio.pid
logfile=$state/minio.log
envfile=$state/env
secrets=$state/credentials
timeout=${MINIO_START_TIMEOUT:-60}

log() { echo "minio: $*" >&2; }

# built_version prints the minio module version a binary was built from.
built_version() { go version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/minio/minio" { print $3 }'; }

install() {
	if [[ -x $binary && -e $stamp ]]; then
		echo "$binary"
		return 0
	fi
	mkdir -p "$bin"
	# A build of the same version elsewhere in the cache (one started by hand
	# into minio-build/) is adopted rather than built again.
	local found=""
	for cand in "$bin/minio-build/minio" "$binary"; do
		if [[ -x $cand && "$(built_version "$cand")" == "$MINIO_VERSION" ]]; then
			found=$cand
			break
		fi
	done
	if [[ -z $found ]]; then
		log "building MinIO $MINIO_VERSION into $bin (about 3 minutes the first time)"
		local tmp
		tmp=$(mktemp -d "$bin/.minio-build.XXXXXX")
		# shellcheck disable=SC2064
		trap "rm -rf '$tmp'" EXIT
		GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$MINIO_VERSION"
		found=$tmp/minio
	fi
	if [[ $found != "$binary" ]]; then
		mv -f "$found" "$binary.tmp"
		mv -f "$binary.tmp" "$binary"
	fi
	rmdir "$bin/minio-build" 2>/dev/null || true
	rm -f "$bin"/.minio-v*
	touch "$stamp"
	echo "$binary"
}

# shellcheck source=lib/process.sh
. scripts/lib/process.sh

# The PID in our pidfile, if that process is still a minio.
our_pid() { pid_of "$pidfile" minio; }


# ready tells whether MinIO on port $1 answers its readiness check.
ready() {
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET /minio/health/ready HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n" "$1" >&3
		read -r _ code _ <&3
		[[ $code == 200 ]]' _ "$1" 2>/dev/null
}

# The API port of the running server, from its env file.
running_port() {
	[[ -f $state/port ]] && cat "$state/port"
}

random_string() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }

start() {
	mkdir -p "$state"
	# The state folder holds secrets and data: keep it out of git wherever it is.
	[[ -f $state/.gitignore ]] || echo '*' >"$state/.gitignore"
	local pid port
	if pid=$(our_pid) && port=$(running_port) && ready "$port"; then
		log "already running: MinIO $pid on 127.0.0.1:$port"
		return 0
	fi
	local minio
	minio=$(install)
	if ! pid=$(our_pid); then
		port=${MINIO_PORT:-$(free_port)}
		local console=${MINIO_CONSOLE_PORT:-$(free_port)}
		while [[ $console == "$port" ]]; do console=$(free_port); done
		if in_use "$port"; then
			log "port $port is taken"
			return 1
		fi
		# The root credentials are kept across restarts: MinIO encrypts its
		# IAM data in data/ with them.
		if [[ ! -s $secrets ]]; then
			(
				umask 077
				printf 'MINIO_ROOT_USER=%s\nMINIO_ROOT_PASSWORD=%s\n' \
					"smallfry-$(random_string 8)" "$(random_string 32)" >"$secrets.tmp"
			)
			mv -f "$secrets.tmp" "$secrets"
		fi
		local user password
		user=$(sed -n 's/^MINIO_ROOT_USER=//p' "$secrets")
		password=$(sed -n 's/^MINIO_ROOT_PASSWORD=//p' "$secrets")
		rm -f "$envfile"
		echo "$port" >"$state/port"
		echo "$console" >"$state/console-port"
		: >"$logfile"
		# setsid: the server outlives make and the shell that started it.
		# --quiet --anonymous keep the banner (which names the root user) and
		# other sensitive details out of the log.
		MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_UPDATE=off \
			setsid "$minio" server --quiet --anonymous \
			--address "127.0.0.1:$port" --console-address "127.0.0.1:$console" \
			"$state/data" >>"$logfile" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$pidfile"
		log "starting MinIO $pid on 127.0.0.1:$port (log: $logfile)"
	else
		port=$(running_port)
		log "MinIO $pid is starting"
	fi
	if ! wait_until "$pid" "$logfile" "$timeout" MinIO ready "$port"; then
		alive "$pid" || rm -f "$pidfile"
		return 1
	fi
	write_env "$port"
	log "ready at http://127.0.0.1:$port (environment: $envfile)"
}

write_env() {
	local user password
	user=$(sed -n 's/^MINIO_ROOT_USER=//p' "$secrets")
	password=$(sed -n 's/^MINIO_ROOT_PASSWORD=//p' "$secrets")
	(
		umask 077
		{
			printf 'export SMALLFRY_S3_ENDPOINT=%q\n' "http://127.0.0.1:$1"
			printf 'export SMALLFRY_S3_REGION=us-east-1\n'
			printf 'export SMALLFRY_S3_ROOT_USER=%q\n' "$user"
			printf 'export SMALLFRY_S3_ROOT_PASSWORD=%q\n' "$password"
			printf 'export SMALLFRY_S3_CONSOLE=%q\n' "http://127.0.0.1:$(cat "$state/console-port")"
		} >"$envfile.tmp"
	)
	mv -f "$envfile.tmp" "$envfile"
}

stop() {
	local pid
	if ! pid=$(our_pid); then
		log "no MinIO started by this script is running"
		rm -f "$pidfile" "$envfile"
		return 0
	fi
	stop_pid "$pid" MinIO 20
	rm -f "$pidfile" "$envfile"
	log "stopped"
}

env_path() {
	local port
	if our_pid >/dev/null && port=$(running_port) && ready "$port" && [[ -f $envfile ]]; then
		echo "$envfile"
		return 0
	fi
	log "not running (scripts/minio.sh start)"
	return 1
}

case ${1:-} in
install) install ;;
start) start ;;
stop) stop ;;
env) env_path ;;
*)
	echo "usage: $0 install|start|stop|env" >&2
	exit 2
	;;
esac
