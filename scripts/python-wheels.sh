#!/usr/bin/env bash
# Downloads the wheels "Set up Python" installs (ipykernel, pandas, pyarrow,
# matplotlib and what they need) once into ~/.cache/smallfry/wheels/PYVER,
# for the browser test that sets Python up with no network
# (SMALLFRY_WHEELS=that folder: pip --no-index --find-links). Prints the folder.
#   scripts/python-wheels.sh [PYTHON]   (the Python the wheels are for; .venv's by default)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-.venv/bin/python}
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
dir=${SMALLFRY_CACHE:-$HOME/.cache/smallfry}/wheels/py$ver
req=scripts/requirements-setup-python.txt
stamp=$dir/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
	mkdir -p "$dir"
	"$py" -m pip download --quiet --disable-pip-version-check --only-binary :all: -d "$dir" -r "$req" >&2
	# pip and setuptools too: a venv made without them (ensurepip missing) still installs.
	"$py" -m pip download --quiet --disable-pip-version-check --only-binary :all: -d "$dir" pip >&2
	echo "$want" >"$stamp"
fi
echo "$dir"
