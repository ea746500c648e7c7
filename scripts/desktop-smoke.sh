#!/usr/bin/env bash
# Smoke test of the desktop window: runs BINARY --workspace WORKSPACE_DIR on a
# private Xvfb display, waits for the "Smallfry" window (it opens the sample
# tour notebook), runs the notebook with the Run all key (Ctrl+Shift+Enter),
# waits for the run's record to say ok, screenshots the screen to OUT_PNG and
# fails unless the screenshot shows more than a blank window. Then SIGTERM
# must close the window, also when it comes in the first moments of start-up.
# Needs the packages of `scripts/install-deps.sh test`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/xvfb.sh"

if (($# != 3)); then
	echo "usage: $0 BINARY WORKSPACE_DIR OUT_PNG" >&2
	exit 2
fi
binary=$1 workspace=$2 out=$3
window_timeout=${SMOKE_WINDOW_TIMEOUT:-30} # seconds until the window must exist
paint_timeout=${SMOKE_PAINT_TIMEOUT:-15}   # seconds until it must show the UI
min_colors=${SMOKE_MIN_COLORS:-10}         # a blank or single-colour window has ~1

[[ -x $binary ]] || { echo "smoke: $binary is not an executable" >&2; exit 2; }
[[ -d $workspace ]] || { echo "smoke: $workspace is not a folder" >&2; exit 2; }

tmp=$(mktemp -d)
xvfb_pid='' app_pid=''

cleanup() {
	stop "$app_pid"
	stop "$strace_pid"
	stop "$xvfb_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "smoke: FAIL: command failed at line $LINENO" >&2' ERR
trap 'exit 130' INT TERM

fail() {
	echo "smoke: FAIL: $*" >&2
	if [[ -s $tmp/app.log ]]; then
		echo "--- app output (last 40 lines) ---" >&2
		tail -n 40 "$tmp/app.log" >&2
	fi
	exit 1
}

start_xvfb
echo "smoke: Xvfb on $DISPLAY (pid $xvfb_pid)"

# NO_AT_BRIDGE: there is no accessibility bus here and GTK would wait for it.
# strace records every connect() of the app and its WebKit processes, to
# check that start-up reaches for no network (loopback and local sockets only).
strace_pid=''
if command -v strace >/dev/null; then
	NO_AT_BRIDGE=1 strace -f -qq -e trace=connect -o "$tmp/connect.log" -- "$binary" --workspace "$workspace" >"$tmp/app.log" 2>&1 &
	strace_pid=$!
	for _ in $(seq 50); do
		app_pid=$(pgrep -P "$strace_pid" | head -n1 || true)
		[[ -n $app_pid ]] && break
		sleep 0.1
	done
	[[ -n $app_pid ]] || fail "the app did not start under strace"
else
	NO_AT_BRIDGE=1 "$binary" --workspace "$workspace" >"$tmp/app.log" 2>&1 &
	app_pid=$!
fi
echo "smoke: started $binary (pid $app_pid)"

deadline=$((SECONDS + window_timeout))
until xdotool search --onlyvisible --name '^Smallfry$' >/dev/null 2>&1; do
	kill -0 "$app_pid" 2>/dev/null || fail "the app exited before its window appeared"
	((SECONDS < deadline)) || fail "no window named Smallfry within ${window_timeout}s"
	sleep 0.5
done
echo "smoke: window is up"

# WebKit paints some time after the window maps, and the UI fills in after its
# first backend call, so poll until the screen has content and stops changing.
deadline=$((SECONDS + paint_timeout))
last=''
while :; do
	import -window root "$out"
	read -r colors sum < <(convert "$out" -format '%k %#\n' info:)
	((colors > min_colors)) && [[ $sum == "$last" ]] && break
	last=$sum
	kill -0 "$app_pid" 2>/dev/null || fail "the app exited while painting"
	if ((SECONDS >= deadline)); then
		((colors > min_colors)) || fail "screenshot $out looks blank ($colors colours) after ${paint_timeout}s"
		fail "screenshot $out still changing after ${paint_timeout}s"
	fi
	sleep 0.5
done
echo "smoke: the UI is painted ($colors colours)"

# Run the open notebook as a user would, from the keyboard, and wait for
# the interactive run's record in the workspace.
run_timeout=${SMOKE_RUN_TIMEOUT:-30}
win=$(xdotool search --onlyvisible --name '^Smallfry$' | head -n1)
deadline=$((SECONDS + run_timeout))
ok=''
while ((SECONDS < deadline)); do
	xdotool windowfocus --sync "$win" 2>/dev/null || true
	xdotool key --window "$win" --clearmodifiers ctrl+shift+Return
	for _ in $(seq 20); do
		if grep -ls '"mode": "interactive"' "$workspace"/.smallfry/runs/*/run.json 2>/dev/null | xargs -r grep -l '"status": "ok"' | grep -q .; then
			ok=1
			break 2
		fi
		sleep 0.25
	done
done
[[ -n $ok ]] || fail "no successful interactive run recorded within ${run_timeout}s of pressing Run all"
echo "smoke: the notebook ran in the window"

sleep 1 # let the grids paint
import -window root "$out"
read -r colors _ < <(convert "$out" -format '%k %#\n' info:)
((colors > min_colors)) || fail "screenshot $out looks blank ($colors colours) after the run"
if [[ -n $strace_pid ]]; then
	# Internet sockets other than loopback are network access; AF_UNIX (D-Bus,
	# X) and AF_NETLINK are local.
	if remote=$(grep -E 'sa_family=AF_INET6?' "$tmp/connect.log" | grep -vE 'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\.'); then
		echo "$remote" | head -n5 >&2
		fail "the app tried to reach the network"
	fi
	echo "smoke: no network connection attempted ($(grep -c 'connect(' "$tmp/connect.log") local connects)"
fi

# SIGTERM closes the window (a session's logout sends it), without KILL.
exited_on_term() {
	local pid=$1
	kill -TERM "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
exited_on_term "$app_pid" || fail "the window did not close within 10 s of SIGTERM"
app_pid=''
echo "smoke: SIGTERM closed the window"
# Also when it comes before GTK's main loop runs: Wails alone lost such a
# signal and the window stayed (app/runtime.go quitOn). Where start-up is
# then depends on the machine: a few delays, each a new start on the same
# workspace (made already, so that start-up is quick).
for delay in 0.05 0.1 0.15 0.2 0.3; do
	NO_AT_BRIDGE=1 "$binary" --workspace "$workspace" >"$tmp/early.log" 2>&1 &
	app_pid=$!
	sleep "$delay"
	exited_on_term "$app_pid" || fail "the window did not close within 10 s of a SIGTERM ${delay}s after its start"
	app_pid=''
done
echo "smoke: a SIGTERM early in start-up closed the window too"
echo "smoke: OK: $out has $colors colours"
