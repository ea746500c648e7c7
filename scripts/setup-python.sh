#!/usr/bin/env bash
# Creates .venv (the project's Python for tests and benchmarks) and installs
# the given requirements files into it; reinstalls only when they change.
# VENV names another folder (.venv-awscli for the AWS CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
if [[ ! -x $venv/bin/python ]]; then
	python3 -m venv "$venv"
fi
stamp=$venv/.smallfry-requirements.sha256
want=$(cat "$@" | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
	"$venv/bin/pip" install --quiet --disable-pip-version-check $(printf -- '-r %s ' "$@")
	echo "$want" >"$stamp"
fi
