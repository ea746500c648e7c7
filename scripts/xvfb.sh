# Sourced by scripts/desktop-smoke.sh and bench/desktop/run.sh: stopping the
# processes a script started, and a private Xvfb display. The caller defines
# fail() and $tmp (a scratch folder).

# Stop a process we started: TERM first so it can clean up, KILL if it hangs.
stop() {
	local pid=$1
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Starts Xvfb and exports DISPLAY; sets xvfb_pid. -displayfd makes Xvfb pick
# a free display itself and report it, which avoids racing other X servers
# over lock files.
start_xvfb() {
	Xvfb -displayfd 3 -screen 0 1440x900x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
	xvfb_pid=$!
	for _ in $(seq 100); do
		[[ -s $tmp/display ]] && break
		kill -0 "$xvfb_pid" 2>/dev/null || { cat "$tmp/xvfb.log" >&2; fail "Xvfb exited"; }
		sleep 0.1
	done
	[[ -s $tmp/display ]] || fail "Xvfb did not report a display"
	export DISPLAY=":$(head -n1 "$tmp/display")"
}
