#!/usr/bin/env bash
# A Secret Service (the Linux keychain) for tests, where no desktop session
# provides one: Debian's gnome-keyring-daemon on a private D-Bus session bus.
#   run CMD...  runs CMD under dbus-run-session with gnome-keyring-daemon's
#               secrets component started and its login keyring unlocked (a
#               random password on stdin), in a throwaway folder; CMD's exit
#               status is returned. The bus, the daemon and the keyring go
#               away with CMD. Example:
#                 scripts/keyring.sh run go test -tags duckdb_arrow ./backend/auth/...
#   check       says whether a Secret Service answers in this session.
# Inside, SMALLFRY_KEYRING=1 tells tests a real keychain is there.
# Packages: gnome-keyring, dbus-daemon, dbus-bin (scripts/install-deps.sh test).
set -euo pipefail

log() { echo "keyring: $*" >&2; }

need() {
	local missing=()
	command -v dbus-run-session >/dev/null || missing+=(dbus-bin)
	command -v dbus-daemon >/dev/null || missing+=(dbus-daemon)
	command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
	if ((${#missing[@]})); then
		log "missing ${missing[*]} (run scripts/install-deps.sh test)"
		exit 1
	fi
}

# inside runs in the private session: starts the daemon, waits until it owns
# the Secret Service name, then runs CMD.
inside() {
	local dir=$1
	shift
	# The daemon keeps its keyring files under XDG_DATA_HOME and its control
	# socket under XDG_RUNTIME_DIR: both point into the throwaway folder so the
	# user's real keyrings are never touched. CMD keeps the caller's values.
	# --unlock creates the login keyring (go-keyring's default collection)
	# only for a non-empty password; any will do for a keyring that lives as
	# long as this command.
	local password
	password=$(head -c 18 /dev/urandom | base64)
	printf '%s' "$password" | XDG_DATA_HOME=$dir/data XDG_RUNTIME_DIR=$dir/run \
		gnome-keyring-daemon --unlock --components=secrets >"$dir/daemon.env" 2>"$dir/daemon.log" || {
		cat "$dir/daemon.log" >&2
		log "gnome-keyring-daemon did not start"
		return 1
	}
	# Until the daemon owns the name, a client's call would have D-Bus start a
	# second daemon, one with no unlocked keyring.
	local i
	for ((i = 0; i < 100; i++)); do
		owned && break
		sleep 0.05
	done
	if ! owned; then
		cat "$dir/daemon.log" >&2
		log "no Secret Service on the session bus after 5s"
		stop_ours "$dir"
		return 1
	fi
	export SMALLFRY_KEYRING=1
	local status=0
	"$@" || status=$?
	stop_ours "$dir"
	return "$status"
}

owned() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}

# stop_ours stops the gnome-keyring-daemon started for this session, found by
# the throwaway folder in its environment (never any other). It would leave
# with the bus anyway, but not always at once.
stop_ours() {
	local dir=$1 p
	for p in /proc/[0-9]*; do
		[[ "$(cat "$p/comm" 2>/dev/null)" == gnome-keyring-d ]] || continue
		{ tr '\0' '\n' <"$p/environ" | grep -qx "XDG_DATA_HOME=$dir/data"; } 2>/dev/null || continue
		kill -TERM "${p#/proc/}" 2>/dev/null || true
	done
}

run() {
	need
	(($#)) || {
		echo "usage: $0 run CMD..." >&2
		exit 2
	}
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/smallfry-keyring.XXXXXX")
	mkdir -m 700 "$dir/data" "$dir/run"
	local status=0
	dbus-run-session -- "$0" __inside "$dir" "$@" || status=$?
	rm -rf "$dir"
	return "$status"
}

check() {
	if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} ]]; then
		echo "keyring: no D-Bus session bus (use: $0 run CMD...)"
		return 1
	fi
	if owned; then
		echo "keyring: a Secret Service answers"
	else
		echo "keyring: no Secret Service on this bus"
		return 1
	fi
}

case ${1:-} in
run)
	shift
	run "$@"
	;;
__inside)
	shift
	inside "$@"
	;;
check) check ;;
*)
	echo "usage: $0 run CMD...|check" >&2
	exit 2
	;;
esac
