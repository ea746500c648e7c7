#!/usr/bin/env bash
# Builds the Docker image the kernel tests run: a minimal Debian bookworm rootfs
# (debootstrap) with python3, ipykernel, pandas and matplotlib from Debian and
# pyarrow, boto3 and botocore from their PyPI wheels, imported with `docker
# import` because no image registry is reachable. Prints the image name
# (smallfry-test-kernel:<hash>, also tagged :latest) as its last line.
#
# The tag is a hash of this file, so any change to the recipe makes a new
# image. Cached at two levels: an image with the current tag means nothing to
# do; the rootfs tarball kept in $SMALLFRY_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/smallfry) means only `docker import` runs.
# Needs root (debootstrap, chroot), debootstrap, a running Docker engine and
# the Debian mirror and PyPI.
set -euo pipefail

suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# From Debian. python3-munkres stands in for python3-scipy in python3-fonttools'
# "scipy | munkres" dependency (matplotlib needs fonttools), which keeps scipy,
# pythran, gcc and the boost headers out: 0.7 GB instead of 1.4 GB.
# python3-ipykernel ships the standard kernel spec
# /usr/share/jupyter/kernels/python3/kernel.json, which the Docker launcher runs.
# python3-jmespath, -dateutil and -urllib3 (1.26) are what botocore needs
# besides. boto3 comes from PyPI rather than Debian (1.26 there) so the image
# and the test virtualenv run the same botocore credential code.
debs=(python3 python3-ipykernel python3-pandas python3-matplotlib python3-munkres python3-installer
	python3-jmespath python3-dateutil python3-urllib3)
# Not packaged for bookworm (or too old there): the wheels, pinned by version
# and hash. 25.0.1 is the last pyarrow that imports with bookworm's NumPy 1.24
# (26 needs 2.x). boto3 and botocore match scripts/requirements-test.txt.
wheel_reqs=(
	'pyarrow==25.0.1 --hash=sha256:25f8720bf6387d5dc2ebd2622112de630760419e4b66134405dd24110d15f37e'
	'boto3==1.44.5 --hash=sha256:70c3e0409794b29ec1900bcaff0695b73234a2d32ffaed35045b94caa26212a5'
	'botocore==1.44.5 --hash=sha256:8f16a56d1dff125dd65322ae021efa7ba5195a6db5102b96862566055b748921'
	's3transfer==0.19.3 --hash=sha256:24eb7535804306355e31c952a90022bf5b2f9d760f9a11062c7493a217c08553'
)
repo=smallfry-test-kernel

here=$(cd "$(dirname "$0")" && pwd)
hash=$(sha256sum "$here/build-kernel-image.sh" | cut -c1-12)
image=$repo:$hash
cache=${SMALLFRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smallfry}/kernel-image
tarball=$cache/rootfs-$hash.tar

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi

log() { echo "kernel-image: $*" >&2; }

if ! docker info >/dev/null 2>&1; then
	log "Docker is not running (start it with scripts/docker-engine.sh start)"
	exit 1
fi

if docker image inspect "$image" >/dev/null 2>&1; then
	docker tag "$image" "$repo:latest"
	log "$image is up to date"
	echo "$image"
	exit 0
fi

mkdir -p "$cache"
# One build at a time per cache: a second caller waits, then finds the tarball.
exec 9>"$cache/.lock"
flock 9
if docker image inspect "$image" >/dev/null 2>&1; then # built while we waited
	docker tag "$image" "$repo:latest"
	echo "$image"
	exit 0
fi

# The host's pip downloads the wheel, so the host's proxy and CA settings
# apply; a Debian host without pip gets one from python3-venv.
host_pip() {
	if python3 -m pip --version >/dev/null 2>&1; then
		python3 -m pip "$@"
	else
		[[ -x $cache/pip-venv/bin/pip ]] || python3 -m venv "$cache/pip-venv"
		"$cache/pip-venv/bin/pip" "$@"
	fi
}

# Runs a command inside the rootfs with a clean environment: the host's
# PIP_*, SSL_* and similar variables name host paths.
in_rootfs() {
	"${sudo[@]}" chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		${http_proxy:+http_proxy=$http_proxy} "$@"
}

start=$SECONDS
if [[ ! -f $tarball ]]; then
	PATH=$PATH:/usr/sbin:/sbin # debootstrap and chroot live there
	command -v debootstrap >/dev/null || {
		log "debootstrap is missing (run scripts/install-deps.sh test)"
		exit 1
	}
	work=$(mktemp -d "$cache/build.XXXXXX")
	rootfs=$work/rootfs
	cleanup() {
		if mountpoint -q "$rootfs/proc" 2>/dev/null; then "${sudo[@]}" umount -l "$rootfs/proc"; fi
		"${sudo[@]}" rm -rf "$work"
	}
	trap cleanup EXIT

	printf '%s\n' "${wheel_reqs[@]}" >"$work/requirements.txt"
	host_pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
		--platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp \
		--abi cp311 --require-hashes -r "$work/requirements.txt" -d "$work/wheels"

	# debootstrap's own resolver mishandles virtual packages and alternatives
	# (python3-zmq fails to configure), so it lays down minbase and apt, inside
	# the rootfs, installs the rest.
	log "debootstrap $suite (minbase)"
	if ! "${sudo[@]}" debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" \
		>"$work/debootstrap.log" 2>&1; then
		tail -n 30 "$work/debootstrap.log" >&2
		if [[ -f $rootfs/debootstrap/debootstrap.log ]]; then
			grep -m 20 -A 5 'error' "$rootfs/debootstrap/debootstrap.log" >&2 || true
		fi
		log "debootstrap failed"
		exit 1
	fi
	"${sudo[@]}" mount -t proc proc "$rootfs/proc"
	log "apt-get install ${debs[*]}"
	if ! in_rootfs apt-get install -y -q --no-install-recommends "${debs[@]}" >"$work/apt.log" 2>&1; then
		tail -n 40 "$work/apt.log" >&2
		log "apt-get install in the rootfs failed"
		exit 1
	fi
	"${sudo[@]}" cp "$work"/wheels/*.whl "$rootfs/tmp/"
	# installer takes one wheel per call.
	in_rootfs sh -c 'for w in /tmp/*.whl; do python3 -m installer "$w" || exit 1; done'
	in_rootfs python3 -c 'import pyarrow, pyarrow.fs, pandas, ipykernel, matplotlib.pyplot, boto3'
	"${sudo[@]}" umount "$rootfs/proc"

	# What a container does not need: package caches and lists, docs.
	in_rootfs apt-get clean
	"${sudo[@]}" rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/var/log/* \
		"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
	# No device nodes: the engine makes its own /dev.
	"${sudo[@]}" tar -C "$rootfs" --sort=name --numeric-owner --exclude='./dev/*' \
		--exclude='./proc/*' --exclude='./sys/*' -cf "$work/rootfs.tar" .
	mv "$work/rootfs.tar" "$tarball"
	cleanup
	trap - EXIT
	# Tarballs of older recipes are dead weight.
	find "$cache" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$hash.tar" -delete
	log "rootfs tarball $(du -h "$tarball" | cut -f1) in $((SECONDS - start)) s"
fi

docker import --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' \
	--change 'LABEL org.opencontainers.image.title=smallfry-test-kernel' \
	"$tarball" "$image" >/dev/null
docker tag "$image" "$repo:latest"
docker run --rm "$image" python3 -c 'import pyarrow, pandas, ipykernel, matplotlib, boto3' || {
	log "$image is broken: the kernel's Python modules do not import"
	exit 1
}
docker run --rm "$image" test -f /usr/share/jupyter/kernels/python3/kernel.json || {
	log "$image has no ipykernel kernel spec"
	exit 1
}
# Images of older recipes are dead weight too.
for tag in $(docker images "$repo" --format '{{.Tag}}'); do
	if [[ $tag != "$hash" && $tag != latest ]]; then docker rmi "$repo:$tag" >/dev/null || true; fi
done
log "$image imported in $((SECONDS - start)) s"
echo "$image"
