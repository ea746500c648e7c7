#!/usr/bin/env bash
# Generates backend/spark/proto (Go package sparkconnect) from the Spark
# Connect 4.3 protocol: the spark/connect/*.proto files inside the
# spark-connect jar that pyspark 4.3.0 ships (Maven Central here has no 4.3
# artifacts), with Debian's protoc (protobuf-compiler) and the protoc-gen-go
# and protoc-gen-go-grpc versions scripts/install-go-tools.sh pins. The
# output is committed; run this again only for another Spark version.
#   scripts/gen-spark-protos.sh [JAR]   (default: the jar in scripts/spark.sh's venv)
set -euo pipefail
cd "$(dirname "$0")/.."

out=backend/spark/proto
pkg=smallfry/backend/spark/proto

command -v protoc >/dev/null || {
	echo "gen-spark-protos: no protoc (apt-get install protobuf-compiler; scripts/install-deps.sh test)" >&2
	exit 1
}
jar=${1:-}
if [[ -z $jar ]]; then
	venv=$(bash scripts/spark.sh install)
	jar=$(compgen -G "$venv/lib/python3*/site-packages/pyspark/jars/spark-connect_2.13-4.3.0.jar" | head -1) || true
fi
[[ -f $jar ]] || {
	echo "gen-spark-protos: no spark-connect jar at '$jar'" >&2
	exit 1
}
bin=$(bash scripts/install-go-tools.sh)

src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
# The jar is a zip. It bundles the well-known types the Spark files import
# (google/protobuf/any.proto, timestamp.proto) too: they are read from there,
# not generated (protoc-gen-go maps them to google.golang.org/protobuf's).
python3 - "$jar" "$src" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.startswith(("spark/connect/", "google/protobuf/")) and name.endswith(".proto"):
            z.extract(name, sys.argv[2])
EOF
protos=()
maps=()
for f in "$src"/spark/connect/*.proto; do
	rel=spark/connect/$(basename "$f")
	# example_plugins.proto is a sample for server plugin authors.
	[[ $rel == spark/connect/example_plugins.proto ]] && continue
	protos+=("$rel")
	# The files say go_package "internal/generated"; ours is our own import
	# path and package name, so it is no other project's Spark package.
	maps+=("M$rel=$pkg;sparkconnect")
done
mopts=$(
	IFS=,
	echo "${maps[*]}"
)

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
PATH=$bin:$PATH protoc -I "$src" \
	--go_out="$out.tmp" --go_opt="module=$pkg,$mopts" \
	--go-grpc_out="$out.tmp" --go-grpc_opt="module=$pkg,$mopts" \
	"${protos[@]}"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "gen-spark-protos: $(ls "$out" | wc -l) files in $out from $(basename "$jar")" >&2
