#!/usr/bin/env bash
# Desktop cold start to first paint and idle memory: the Smallfry window
# (Wails, WebKitGTK) against Debian's chromium showing the same UI from
# `smallfry serve` in an app window, both on the same private Xvfb screen,
# on the same sample workspace (made once beforehand, not timed).
# See coldstart.py for what each figure measures.
#
# Usage: SMALLFRY_BIN=/abs/path/smallfry bash bench/desktop/run.sh
# Environment: BENCH_RUNS (default 5), PYTHON (default python3; stdlib only),
# CHROMIUM (default /usr/bin/chromium). Screenshots of the settled windows go
# to bench/out/ so the reader can see what was timed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/xvfb.sh
: "${SMALLFRY_BIN:?set SMALLFRY_BIN to the smallfry binary}"
runs=${BENCH_RUNS:-5}
python=${PYTHON:-python3}
chromium=${CHROMIUM:-/usr/bin/chromium}

fail() {
	echo "desktop bench: FAIL: $*" >&2
	exit 1
}
[[ -x $SMALLFRY_BIN ]] || fail "$SMALLFRY_BIN is not an executable"
command -v Xvfb >/dev/null || fail "Xvfb is missing (scripts/install-deps.sh test installs it)"
[[ -x $chromium ]] || fail "$chromium is missing"

# PSS splits a shared page between the processes that map it: a WebKit or
# Chromium left running elsewhere would take half of the libraries' pages
# and the figures would read low (175 MiB instead of 280 for the app).
if others=$(pgrep -a -f 'WebKitWebProcess|WebKitNetworkProcess|/chromium( |$)'); then
	echo "$others" | head -n5 >&2
	fail "other WebKit or Chromium processes are running: stop them first (their shared pages would lower the PSS measured)"
fi

tmp=$(mktemp -d)
xvfb_pid='' serve_pid=''
cleanup() {
	stop "$serve_pid"
	stop "$xvfb_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ws=$tmp/ws
"$SMALLFRY_BIN" run --workspace "$ws" "$ws/notebooks/tour.ipynb" >"$tmp/sample.log" 2>&1 ||
	{ cat "$tmp/sample.log" >&2; fail "could not create the sample workspace"; }
mkdir -p bench/out

start_xvfb

echo "  smallfry: the desktop window (Wails, WebKitGTK); chromium: Debian's chromium, an --app window on"
echo "  \`smallfry serve\` of the same workspace (the server started beforehand, not timed; its memory shown apart)"
measure() { timeout 600 "$python" bench/desktop/coldstart.py measure --runs "$runs" "$@"; }

# The desktop app: exec of `smallfry --workspace WS` until its window shows the tour notebook.
measure --label smallfry --json "$tmp/app.json" --log "$tmp/app.log" --shot bench/out/desktop-smallfry.png \
	-- "$SMALLFRY_BIN" --workspace "$ws" ||
	{ tail -n 40 "$tmp/app.log" >&2; fail "the desktop app could not be measured"; }

# The peer: chromium's app window on `smallfry serve` (already running, not timed) of the same workspace.
# --test-type hides the bar that warns of --no-sandbox (needed as root), as ChromeDriver does, so that
# "first content" is the page's and not that bar's.
"$SMALLFRY_BIN" serve --addr 127.0.0.1:0 --no-browser --workspace "$ws" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
url=''
for _ in $(seq 300); do
	url=$(grep -o 'serving at http://[^ ]*' "$tmp/serve.log" | cut -d' ' -f3 || true)
	[[ -n $url ]] && break
	kill -0 "$serve_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; fail "smallfry serve exited"; }
	sleep 0.1
done
[[ -n $url ]] || fail "smallfry serve printed no URL in 30 s"
measure --label chromium --json "$tmp/peer.json" --log "$tmp/chromium.log" --shot bench/out/desktop-chromium.png \
	--extra-pid "$serve_pid" -- "$chromium" --test-type --no-sandbox --disable-gpu --disable-background-networking \
	--no-first-run --no-default-browser-check --password-store=basic --user-data-dir="$tmp/chromium-profile" \
	--window-size=1280,800 "--app=$url#nb=tour.ipynb" ||
	{ tail -n 40 "$tmp/chromium.log" >&2; fail "chromium could not be measured"; }

"$python" bench/desktop/coldstart.py report "$tmp/app.json" "$tmp/peer.json"
echo "  (settled screens: bench/out/desktop-smallfry.png, bench/out/desktop-chromium.png)"
