#!/usr/bin/env bash
# Starts or stops the Docker engine the tests use.
#   start   if `docker info` already works, does nothing; otherwise starts
#           Debian's dockerd as root in the background and waits until it
#           answers. --iptables=false leaves the host's firewall alone: tests
#           reach containers only through ports published on 127.0.0.1, which
#           docker-proxy serves without NAT rules (containers get no way out).
#   stop    stops the dockerd that `start` started (by the PID it saved), and
#           only that one. Both are idempotent.
#   status  says whether an engine answers and whether we started it.
# The pidfile and log live in build/docker/ (DOCKER_STATE_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

state=${DOCKER_STATE_DIR:-$PWD/build/docker}
pidfile=$state/dockerd.pid
logfile=$state/dockerd.log
timeout=${DOCKER_START_TIMEOUT:-60}

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi

log() { echo "docker-engine: $*" >&2; }

engine_up() { docker info >/dev/null 2>&1; }

# shellcheck source=lib/process.sh
. scripts/lib/process.sh

# The PID in our pidfile, if that process is still a dockerd.
our_pid() { pid_of "$pidfile" dockerd; }

start() {
	if engine_up; then
		log "engine already running"
		return 0
	fi
	if [[ -n ${DOCKER_HOST:-} ]]; then
		log "DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local engine for it"
		return 1
	fi
	command -v dockerd >/dev/null || {
		log "dockerd is missing (run scripts/install-deps.sh test)"
		return 1
	}
	mkdir -p "$state"
	local pid
	if pid=$(our_pid); then
		log "dockerd $pid is starting"
	else
		: >"$logfile"
		# setsid: the engine outlives make and the shell that started it.
		"${sudo[@]}" setsid dockerd --iptables=false --pidfile "$pidfile" \
			>>"$logfile" 2>&1 </dev/null &
		pid=$!
		log "starting dockerd (log: $logfile)"
	fi
	# An engine that exits early (storage, cgroup or socket trouble) says
	# why in its log; wait_until does not wait out the timeout for it.
	wait_until "$pid" "$logfile" "$timeout" dockerd engine_up
	log "engine up"
}

stop() {
	local pid
	if ! pid=$(our_pid); then
		log "no engine started by this script is running"
		rm -f "$pidfile"
		return 0
	fi
	# dockerd gives running containers 15 s to stop before killing them.
	stop_pid "$pid" dockerd 40 "${sudo[@]}"
	rm -f "$pidfile"
	log "stopped"
}

status() {
	local pid
	if engine_up; then echo "engine: running"; else echo "engine: not running"; fi
	if pid=$(our_pid); then echo "started by this script: dockerd $pid"; fi
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
