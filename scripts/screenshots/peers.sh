#!/usr/bin/env bash
# Screenshots of JupyterLab and marimo on a notebook like Smallfry's tour,
# at 1280×800 and 1024×700, for docs/layout.md. Both are installed into a
# throwaway venv (VENV, default /tmp/smallfry-peers-venv) from PyPI.
#   scripts/screenshots/peers.sh [OUT]   (default docs/img)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$root/docs/img}")
venv=${VENV:-/tmp/smallfry-peers-venv}
[[ -x $venv/bin/jupyter-lab && -x $venv/bin/marimo ]] && "$venv/bin/python" -c "import matplotlib, pandas" 2>/dev/null || {
	[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check jupyterlab marimo pandas matplotlib
}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/nb"
"$venv/bin/python" "$here/peer_notebook.py" "$work/nb"
"$venv/bin/jupyter" nbconvert --to notebook --execute --inplace "$work/nb/tour.ipynb" >/dev/null 2>&1
export JUPYTER_CONFIG_DIR=$work/jupyter-config JUPYTER_DATA_DIR=$work/jupyter-data JUPYTER_RUNTIME_DIR=$work/jupyter-runtime
"$venv/bin/jupyter-lab" --no-browser --port 18931 --IdentityProvider.token= --ServerApp.password= --ServerApp.root_dir="$work/nb" \
	--LabApp.news_url= --ServerApp.disable_check_xsrf=True --allow-root >"$work/lab.log" 2>&1 &
pids+=($!)
(cd "$work/nb" && exec "$venv/bin/marimo" edit tour_marimo.py --headless --port 18932 --no-token >"$work/marimo.log" 2>&1) &
pids+=($!)
mkdir -p "$out"
node "$here/peers.mjs" "$out"
