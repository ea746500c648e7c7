#!/usr/bin/env bash
# The OIDC identity provider the auth tests sign in against (scripts/idp/,
# npm's oidc-provider with the device flow). Dev only: an http issuer on
# 127.0.0.1, in-memory state, signing keys made at each start.
#   install  installs the pinned packages (npm ci from scripts/idp's lock file)
#            into a cache outside the checkout, one folder per lock file, so
#            every clone and worktree reuses it: ~/.cache/smallfry/idp/<hash>
#   start    installs if needed, starts the provider in the background on a
#            free port (IDP_PORT to choose one), waits for its discovery
#            document and writes build/peers/idp/env, shell `export` lines:
#              SMALLFRY_IDP_ISSUER, SMALLFRY_IDP_CLIENT_ID,
#              SMALLFRY_IDP_SHORT_CLIENT_ID (device codes expire in seconds),
#              SMALLFRY_IDP_USER, SMALLFRY_IDP_PASSWORD
#            Idempotent: a provider this script started and that still answers
#            is kept.
#   stop     stops the provider `start` started (by the PID it saved), and
#            only that one.
#   status   says whether ours is running, and its issuer.
# The environment passes through to the provider: SMALLFRY_IDP_CLIENT_ID,
# SMALLFRY_IDP_USER, SMALLFRY_IDP_PASSWORD, SMALLFRY_IDP_POLICY (the claim
# MinIO maps to a policy) and the TTLs in seconds SMALLFRY_IDP_ID_TOKEN_TTL,
# _ACCESS_TOKEN_TTL, _REFRESH_TOKEN_TTL, _DEVICE_CODE_TTL,
# _SHORT_DEVICE_CODE_TTL. The pidfile, log and env file live in
# build/peers/idp/ (IDP_STATE_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

src=$PWD/scripts/idp
state=${IDP_STATE_DIR:-$PWD/build/peers/idp}
pidfile=$state/idp.pid
logfile=$state/idp.log
envfile=$state/env
timeout=${IDP_START_TIMEOUT:-30}
cache_root=${SMALLFRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smallfry}/idp

log() { echo "idp: $*" >&2; }

# shellcheck source=lib/process.sh
. scripts/lib/process.sh

# The PID in our pidfile, if that process is still our node server.
our_pid() {
	local pid
	pid=$(pid_of "$pidfile" node) && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$src/server.mjs" || return 1
	echo "$pid"
}

modules_dir() {
	local hash
	hash=$(sha256sum "$src/package-lock.json" | cut -c1-16)
	echo "$cache_root/$hash/node_modules"
}

# answers tells whether the provider wrote its issuer and serves discovery.
answers() { [[ -f $state/ready ]] && discovery_ok "$(<"$state/ready")"; }

install() {
	command -v node >/dev/null || {
		log "node is missing (Node.js >= 20.19)"
		return 1
	}
	local modules dir
	modules=$(modules_dir)
	dir=$(dirname "$modules")
	if [[ -f $dir/.installed ]]; then
		echo "$modules"
		return 0
	fi
	log "installing oidc-provider into $dir"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	cp "$src/package.json" "$src/package-lock.json" "$dir.tmp/"
	(cd "$dir.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
	touch "$dir.tmp/.installed"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	echo "$modules"
}

discovery_ok() {
	curl -fsS --max-time 2 "$1/.well-known/openid-configuration" >/dev/null 2>&1
}

start() {
	local modules pid issuer
	modules=$(install)
	mkdir -p "$state"
	# The state folder holds the test account's password: keep it out of git.
	[[ -f $state/.gitignore ]] || echo '*' >"$state/.gitignore"
	if pid=$(our_pid) && [[ -f $envfile ]]; then
		issuer=$(<"$state/ready")
		if discovery_ok "$issuer"; then
			log "already running (pid $pid, $issuer)"
			return 0
		fi
		log "pid $pid does not answer; restarting it"
		stop
	fi
	rm -f "$envfile" "$state/ready"
	: >"$logfile"
	IDP_NODE_MODULES=$modules IDP_READY_FILE=$state/ready IDP_PORT=${IDP_PORT:-0} \
		setsid node "$src/server.mjs" >>"$logfile" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$pidfile"
	if ! wait_until "$pid" "$logfile" "$timeout" "the provider" answers; then
		alive "$pid" || rm -f "$pidfile"
		return 1
	fi
	issuer=$(<"$state/ready")
	(
		umask 077
		{
			printf 'export SMALLFRY_IDP_ISSUER=%q\n' "$issuer"
			printf 'export SMALLFRY_IDP_CLIENT_ID=%q\n' "${SMALLFRY_IDP_CLIENT_ID:-smallfry-test}"
			printf 'export SMALLFRY_IDP_SHORT_CLIENT_ID=%q\n' "${SMALLFRY_IDP_SHORT_CLIENT_ID:-smallfry-test-short}"
			printf 'export SMALLFRY_IDP_USER=%q\n' "${SMALLFRY_IDP_USER:-analyst}"
			printf 'export SMALLFRY_IDP_PASSWORD=%q\n' "${SMALLFRY_IDP_PASSWORD:-analyst-password}"
		} >"$envfile.tmp"
	)
	mv -f "$envfile.tmp" "$envfile"
	log "up (pid $pid, $issuer; env: $envfile, log: $logfile)"
}

stop() {
	local pid
	if ! pid=$(our_pid); then
		log "no provider started by this script is running"
		rm -f "$pidfile" "$envfile" "$state/ready"
		return 0
	fi
	stop_pid "$pid" "the provider" 10
	rm -f "$pidfile" "$envfile" "$state/ready"
	log "stopped"
}

status() {
	local pid
	if pid=$(our_pid); then
		echo "idp: running (pid $pid, $(cat "$state/ready" 2>/dev/null))"
	else
		echo "idp: not running"
	fi
}

case ${1:-} in
install) install >/dev/null ;;
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 install|start|stop|status" >&2
	exit 2
	;;
esac
