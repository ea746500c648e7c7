#!/usr/bin/env bash
# Installs the Debian packages needed to build the desktop app (GTK + WebKitGTK 4.1
# for Wails' -tags webkit2_41) and to smoke-test its window headless (Xvfb,
# ImageMagick's import, xdotool). Idempotent: apt runs only if something is missing.
# Node.js >= 20.19 is needed too but not installed here: bookworm ships Node 18.
set -euo pipefail

packages=(
	gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev # cgo build
	xvfb xauth imagemagick xdotool fonts-dejavu-core            # smoke test
)

missing=()
for p in "${packages[@]}"; do
	# dpkg -s also succeeds for removed-but-configured packages, so check the status.
	if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "desktop deps: all ${#packages[@]} packages already installed"
	exit 0
fi

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
echo "desktop deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
