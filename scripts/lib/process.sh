# Process helpers the peer scripts (docker-engine.sh, minio.sh, idp.sh, spark.sh)
# share; sourced, not run. Each script stops only the process whose PID it
# saved, and checks that the PID is still that program before signalling it.

# alive tells whether a process exists and is not a zombie (root's too).
alive() { [[ -r /proc/$1/stat ]] && [[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

# pid_of PIDFILE COMM prints the PID in PIDFILE if that process is alive and
# runs COMM.
pid_of() {
	[[ -f $1 ]] || return 1
	local pid
	pid=$(<"$1")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] || return 1
	echo "$pid"
}

# wait_until PID LOGFILE TIMEOUT WHAT CHECK... runs CHECK until it succeeds;
# fails, with the log's tail, when PID exits first or TIMEOUT seconds pass.
wait_until() {
	local pid=$1 logfile=$2 timeout=$3 what=$4
	shift 4
	local deadline=$((SECONDS + timeout))
	until "$@"; do
		if ! alive "$pid"; then
			tail -n 20 "$logfile" >&2
			log "$what exited before it was ready"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			tail -n 20 "$logfile" >&2
			log "$what was not ready within ${timeout}s"
			return 1
		fi
		sleep 0.2
	done
}

# stop_pid PID WHAT GRACE [KILL...] sends TERM (through KILL..., e.g. sudo,
# when given) and waits up to GRACE seconds before KILL.
stop_pid() {
	local pid=$1 what=$2 grace=$3
	shift 3
	log "stopping $what $pid"
	"$@" kill -TERM "$pid"
	local deadline=$((SECONDS + grace))
	while alive "$pid"; do
		if ((SECONDS >= deadline)); then
			log "$what $pid ignored SIGTERM; killing it"
			"$@" kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
}

# in_use tells whether something listens on 127.0.0.1:$1.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints a port nothing listens on yet, in 20000-49999.
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 30000))
		if ! in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	log "found no free port"
	return 1
}

# session_of PID prints the session id of a live process.
session_of() {
	local rest sid
	{ read -r rest <"/proc/$1/stat"; } 2>/dev/null || return 1
	# The fields after the command (which may hold spaces): state ppid pgrp session.
	rest=${rest##*) }
	read -r _ _ _ sid _ <<<"$rest"
	echo "$sid"
}

# session_members prints the PIDs of every live process in session $1 (a
# setsid leader's PID): the server and the children it started, including
# those that made process groups of their own.
session_members() {
	local stat rest st sid
	for stat in /proc/[0-9]*/stat; do
		{ read -r rest <"$stat"; } 2>/dev/null || continue
		# The fields after the command (which may hold spaces): state ppid pgrp session.
		rest=${rest##*) }
		read -r st _ _ sid _ <<<"$rest"
		if [[ $sid == "$1" && $st != Z ]]; then
			stat=${stat#/proc/}
			echo "${stat%/stat}"
		fi
	done
}

# python311 VAR prints a CPython 3.11 (the lock files' wheels are for it):
# the one environment variable VAR names, else python3.11 or python3.
python311() {
	local cand
	for cand in ${!1:-} python3.11 python3; do
		if command -v "$cand" >/dev/null &&
			[[ "$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == 3.11 ]]; then
			echo "$cand"
			return 0
		fi
	done
	log "found no Python 3.11 (the lock file's wheels are for CPython 3.11; $1 names one)"
	return 1
}
