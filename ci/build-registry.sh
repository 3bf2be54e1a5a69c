#!/usr/bin/env bash
# Builds the registry generation 3.1 — CNCF distribution v3.1.1, what the
# `registry:3` image runs — from the source kept beside the project
# (../shared/third_party/distribution-3.1.1.tar.gz, or
# MIRRORGATE_DISTRIBUTION_SOURCE), offline, with sid's Go 1.26 unpacked into
# /var/cache/mirrorgate/go/1.26 the way ci/fetch-containerd.sh fetches the
# containerd generations: nothing is installed system-wide. The binary goes to
# /var/cache/mirrorgate/registry/3.1/registry, with VERSION beside it.
# Without the source it says so and exits 0: the 3.1 cases then skip, saying
# why. What is already built from the same source is kept. Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib/debian-archive.sh
source "$here/lib/debian-archive.sh"

source_tar=${MIRRORGATE_DISTRIBUTION_SOURCE:-$here/../../shared/third_party/distribution-3.1.1.tar.gz}
source_sha256=dc66823a6270655ed36d30fe7bbae13b1605510413b03c58867dd910c707dfa7
out=${MIRRORGATE_REGISTRY_CACHE:-/var/cache/mirrorgate/registry}/3.1
go_dir=${MIRRORGATE_GO_CACHE:-/var/cache/mirrorgate/go}/1.26
apt_dir=${MIRRORGATE_APT_DIR:-/var/cache/mirrorgate/apt}
go_packages=(golang-1.26-go=1.26.10-1 golang-1.26-src=1.26.10-1)

[[ $(id -u) -eq 0 ]] || { echo "build-registry.sh: run as root" >&2; exit 3; }

if [[ ! -f $source_tar ]]; then
  echo "build-registry.sh: no $source_tar; registry 3.1 is not built and its cases will skip" >&2
  exit 0
fi
if [[ -x $out/registry && $(cat "$out/SOURCE" 2>/dev/null) == "$source_sha256" ]]; then
  echo "build-registry.sh: $out/registry is $(cat "$out/VERSION")"
  exit 0
fi
sha=$(sha256sum "$source_tar" | cut -d' ' -f1)
if [[ $sha != "$source_sha256" ]]; then
  echo "build-registry.sh: $source_tar has sha256 $sha, expected $source_sha256 (distribution v3.1.1 with vendor/); not building it" >&2
  exit 1
fi

if [[ ! -x $go_dir/usr/lib/go-1.26/bin/go ]]; then
  apt_private_setup "$apt_dir"
  fetch_into "$go_dir" sid "${go_packages[@]}"
  echo "build-registry.sh: ${go_packages[*]} from sid into $go_dir"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$source_tar" -C "$work"
src=$(find "$work" -mindepth 2 -maxdepth 2 -name go.mod -printf '%h\n' | head -1)
[[ -n $src ]] || { echo "build-registry.sh: $source_tar holds no go.mod" >&2; exit 1; }
echo "build-registry.sh: building distribution v3.1.1 (about 1.5 minutes on 2 cores)"
mkdir -p "$out.new"
(
  cd "$src"
  export GOROOT=$go_dir/usr/lib/go-1.26 GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0
  export GOCACHE=$work/gocache GOPATH=$work/gopath
  "$GOROOT/bin/go" build -trimpath \
    -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=v3.1.1" \
    -o "$out.new/registry" ./cmd/registry
)
echo "$source_sha256" >"$out.new/SOURCE"
# `registry --version` prints its own path first: keep the module and version.
"$out.new/registry" --version | cut -d' ' -f2- >"$out.new/VERSION"
rm -rf "$out"
mv "$out.new" "$out"
echo "build-registry.sh: $out/registry is $(cat "$out/VERSION")"
