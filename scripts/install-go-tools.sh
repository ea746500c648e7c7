#!/usr/bin/env bash
# Installs the Go tools the tests use (staticcheck) into ~/.cache/smallfry/bin,
# once per version: a later run on the same machine reuses the binary.
# Prints the folder, for PATH.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2
bin="${SMALLFRY_CACHE:-$HOME/.cache/smallfry}/bin"
stamp="$bin/.staticcheck-$STATICCHECK_VERSION"
if [[ ! -x "$bin/staticcheck" || ! -e "$stamp" ]]; then
	mkdir -p "$bin"
	echo "installing staticcheck $STATICCHECK_VERSION into $bin" >&2
	GOBIN="$bin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	rm -f "$bin"/.staticcheck-*
	touch "$stamp"
fi
echo "$bin"
