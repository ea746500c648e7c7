#!/usr/bin/env bash
# Installs the Go tools the tests and generators use into ~/.cache/smallfry/bin,
# once per version: a later run on the same machine reuses the binary.
#   staticcheck                      the linter `make lint` runs
#   protoc-gen-go, protoc-gen-go-grpc  scripts/gen-spark-protos.sh's protoc plugins
# Prints the folder, for PATH.
set -euo pipefail

# tool NAME MODULE@VERSION installs one tool unless that version is there.
tool() {
	local name=$1 pkg=$2 version=${2##*@}
	local stamp="$bin/.$name-$version"
	if [[ ! -x "$bin/$name" || ! -e "$stamp" ]]; then
		mkdir -p "$bin"
		echo "installing $name $version into $bin" >&2
		GOBIN="$bin" go install "$pkg"
		rm -f "$bin/.$name"-v*
		touch "$stamp"
	fi
}

bin="${SMALLFRY_CACHE:-$HOME/.cache/smallfry}/bin"
tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
# protoc-gen-go is versioned with the protobuf runtime go.mod requires: the
# code it writes needs that runtime or a newer one.
tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11
tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
echo "$bin"
