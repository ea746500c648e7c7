#!/usr/bin/env bash
# Installs the Debian packages Smallfry needs.
#   install-deps.sh run    to build and run: cgo, GTK + WebKitGTK 4.1 for
#                          Wails' -tags webkit2_41 (what `make run` needs)
#   install-deps.sh test   that, and what the tests and benchmarks use: Xvfb,
#                          ImageMagick's import, xdotool and strace for the
#                          desktop smoke test; python3-venv for the test
#                          virtualenv; chromium for the browser tests, driven by
#                          playwright-core; Debian's Docker engine, debootstrap
#                          for the test kernel image and docker-registry as a
#                          local registry for the pull tests; gnome-keyring
#                          and D-Bus for the keychain tests (scripts/keyring.sh);
#                          curl and jq for the peer scripts' health checks
#                          Java 17 and Maven for the Spark Connect peer
#                          (scripts/spark.sh), protoc for its generated Go code
#                          (scripts/gen-spark-protos.sh)
# Idempotent: apt runs only if something is missing.
# Node.js >= 20.19 is needed too but not installed here: bookworm ships Node 18.
set -euo pipefail

packages=(gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev)
case ${1:-run} in
run) ;;
test)
	packages+=(
		xvfb xauth imagemagick xdotool fonts-dejavu-core strace # smoke test
		python3 python3-venv                                    # test and bench peers
		chromium                                                # browser tests
		debootstrap docker-registry                             # Docker kernel tests
		gnome-keyring dbus-daemon dbus-bin                      # keychain tests (scripts/keyring.sh)
		curl jq                                                 # peer health checks (idp.sh, airflow.sh)
		openjdk-17-jre-headless maven protobuf-compiler         # Spark peer (scripts/spark.sh, gen-spark-protos.sh)
	)
	# Debian's engine, unless one is installed already (Docker CE's packages
	# conflict with docker.io).
	if ! command -v dockerd >/dev/null; then packages+=(docker.io); fi
	;;
*)
	echo "usage: $0 [run|test]" >&2
	exit 2
	;;
esac

missing=()
for p in "${packages[@]}"; do
	# dpkg -s also succeeds for removed-but-configured packages, so check the status.
	if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#packages[@]} packages already installed"
	exit 0
fi

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
echo "deps: installing ${missing[*]}"
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"

# The tests run their own registry on a loopback port; the packaged service
# would listen on every interface.
if [[ " ${missing[*]} " == *" docker-registry "* && -d /run/systemd/system ]]; then
	"${sudo[@]}" systemctl disable --now docker-registry || true
fi
