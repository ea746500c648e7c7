#!/usr/bin/env bash
# Desktop test of Import data: runs BINARY --workspace WORKSPACE_DIR on a
# private Xvfb display, drags a CSV file from a small GTK drag source
# (scripts/dnd/dragsrc.c, built here) onto the window as a file manager
# would, presses Enter in the import dialog that shows DuckDB's preview (the
# table name field has the focus), and waits for the table in the
# workspace's lake; then picks another with "Add data…" in the system's file
# dialog the same way. Screenshots of the previews go to OUT_DIR.
# Needs the packages of `scripts/install-deps.sh test` and libgtk-3-dev.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/xvfb.sh"

if (($# != 3)); then
	echo "usage: $0 BINARY WORKSPACE_DIR OUT_DIR" >&2
	exit 2
fi
binary=$1 workspace=$2 out=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixture=$here/../backend/duckdb/testdata/import/sales.csv
[[ -x $binary ]] || { echo "drop: $binary is not an executable" >&2; exit 2; }
[[ -d $workspace ]] || { echo "drop: $workspace is not a folder" >&2; exit 2; }
mkdir -p "$out"

tmp=$(mktemp -d)
xvfb_pid='' app_pid='' src_pid=''
cleanup() {
	stop "$src_pid"
	stop "$app_pid"
	stop "$xvfb_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "drop: FAIL: $*" >&2
	if [[ -s $tmp/app.log ]]; then
		echo "--- app output (last 40 lines) ---" >&2
		tail -n 40 "$tmp/app.log" >&2
	fi
	exit 1
}

# wait_window NAME: the id of the visible window of that title, within 30 s.
wait_window() {
	local id=''
	for _ in $(seq 300); do
		id=$(xdotool search --onlyvisible --name "^$1\$" 2>/dev/null | head -n1 || true)
		[[ -n $id ]] && break
		sleep 0.1
	done
	[[ -n $id ]] || fail "no $1 window"
	echo "$id"
}

gcc -o "$tmp/dragsrc" "$here/dnd/dragsrc.c" $(pkg-config --cflags --libs gtk+-3.0) || fail "cannot build the drag source (libgtk-3-dev)"
cp "$fixture" "$tmp/dropped_sales.csv"

start_xvfb
echo "drop: Xvfb on $DISPLAY"
NO_AT_BRIDGE=1 "$binary" --workspace "$workspace" >"$tmp/app.log" 2>&1 &
app_pid=$!
win=$(wait_window Smallfry)
# Until the page is drawn and settled (two screenshots alike, many colours),
# it has no drop listener, and the web view would open the dropped file.
last=''
for _ in $(seq 60); do
	import -window root "$tmp/shot.png"
	read -r colors sum < <(convert "$tmp/shot.png" -format '%k %#\n' info:)
	((colors > 10)) && [[ $sum == "$last" ]] && break
	last=$sum
	sleep 0.5
done
((colors > 10)) || fail "the window shows nothing after 30 s"

NO_AT_BRIDGE=1 "$tmp/dragsrc" "file://$tmp/dropped_sales.csv" >"$tmp/src.log" 2>&1 &
src_pid=$!
src=$(wait_window dragsrc)
xdotool windowmove --sync "$src" 0 0
read -r wx wy < <(xdotool getwindowgeometry --shell "$win" | awk -F= '/^X=/{x=$2} /^Y=/{y=$2} END{print x, y}')
# Press on the source, move in steps onto the middle of the window, release.
xdotool mousemove 40 40 sleep 0.3 mousedown 1 sleep 0.3
for step in 1 2 3 4 5 6; do
	xdotool mousemove $((40 + (wx + 600 - 40) * step / 6)) $((40 + (wy + 350 - 40) * step / 6)) sleep 0.2
done
xdotool sleep 0.5 mouseup 1

# The import dialog shows DuckDB's preview; Enter imports under the suggested name.
sleep 3
import -window root "$out/drop-preview.png"
xdotool windowfocus --sync "$win" 2>/dev/null || true
xdotool key --window "$win" Return
for _ in $(seq 300); do
	[[ -f $workspace/lake/dropped_sales/_smallfry.json ]] && break
	sleep 0.1
done
import -window root "$out/drop-done.png"
[[ -f $workspace/lake/dropped_sales/_smallfry.json ]] || fail "no lake table dropped_sales after the drop (see $out/drop-preview.png)"
echo "drop: OK: the dropped CSV is the lake table dropped_sales"

# "Add data…" opens the system's file dialog (Dialogs.ChooseDataFile): type
# the file's path into it, as a user can, and import under another name.
cp "$fixture" "$tmp/picked_sales.csv"
xdotool windowfocus --sync "$win" 2>/dev/null || true
# The button sits under the sidebar's tabs (see drop-preview.png's layout).
xdotool mousemove $((wx + 120)) $((wy + 144)) sleep 0.2 click 1
chooser=$(wait_window 'Add data')
xdotool windowfocus --sync "$chooser" 2>/dev/null || true
xdotool key --window "$chooser" ctrl+l sleep 0.3 type --delay 20 "$tmp/picked_sales.csv"
xdotool sleep 0.5 key Return
sleep 3
import -window root "$out/pick-preview.png"
xdotool windowfocus --sync "$win" 2>/dev/null || true
xdotool key --window "$win" Return
for _ in $(seq 300); do
	[[ -f $workspace/lake/picked_sales/_smallfry.json ]] && break
	sleep 0.1
done
[[ -f $workspace/lake/picked_sales/_smallfry.json ]] || fail "no lake table picked_sales after Add data… (see $out/pick-preview.png)"
echo "drop: OK: the file picked with Add data… is the lake table picked_sales"
