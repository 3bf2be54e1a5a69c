#!/usr/bin/env bash
# Builds the lab's node generations 2.2 and 2.3 — containerd v2.2.7 (the 2.2
# line of kind v0.31) and v2.3.4 (kind v0.32/v0.33) — from the sources kept
# beside the project (../shared/third_party/containerd-VERSION.tar.gz, or
# MIRRORGATE_CONTAINERD_SOURCES, the directory holding them), each checked
# against its sha256 and built offline with sid's Go 1.26 (unpacked into
# /var/cache/mirrorgate/go/1.26 as ci/build-registry.sh does), paired with
# sid's runc. Into /var/cache/mirrorgate/containerd/GENERATION/usr/bin
# (MIRRORGATE_CONTAINERD_CACHE), with VERSION and SOURCE beside it; nothing
# is installed system-wide. A generation already built from the same source
# is kept. A source that is absent or does not match is skipped, saying why,
# into GENERATION.missing (the lab's 2.2/2.3 cases then skip quoting it), and
# the script still exits 0. Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib/debian-archive.sh
source "$here/lib/debian-archive.sh"

sources=${MIRRORGATE_CONTAINERD_SOURCES:-$here/../../shared/third_party}
cache=${MIRRORGATE_CONTAINERD_CACHE:-/var/cache/mirrorgate/containerd}
go_dir=${MIRRORGATE_GO_CACHE:-/var/cache/mirrorgate/go}/1.26
apt_dir=${MIRRORGATE_APT_DIR:-/var/cache/mirrorgate/apt}
go_packages=(golang-1.26-go=1.26.10-1 golang-1.26-src=1.26.10-1)
runc_package=runc=1.3.6+ds1-1
# generation version sha256 of containerd-VERSION.tar.gz (git archive of the tag)
builds=(
  "2.2 2.2.7 36fdcd021f951e07538f4eefbbb2eb60c783af4fe5e7017a60ac96d0a5189146"
  "2.3 2.3.4 db28c6d38a6085106c03ed3db03f3d95f82f7cbce524cf822787991b090add73"
)

say() { echo "build-containerd.sh: $*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "run as root"; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt_ready=false
need_apt() { $apt_ready || { apt_private_setup "$apt_dir"; apt_ready=true; }; }

# build GENERATION VERSION SHA256: builds one generation or says why not.
build() {
  local gen=$1 version=$2 sum=$3 tar out src origin sha
  tar=$sources/containerd-$version.tar.gz
  out=$cache/$gen
  origin="source containerd-$version.tar.gz (sha256 $sum)"
  if [[ -x $out/usr/bin/containerd && -x $out/usr/bin/runc && $(cat "$out/SOURCE" 2>/dev/null) == "$origin" ]]; then
    say "$out has $(cat "$out/VERSION")"
    return 0
  fi
  if [[ ! -f $tar ]]; then
    echo "no $tar (containerd v$version with vendor/)" >"$cache/$gen.missing.why"
    return 1
  fi
  sha=$(sha256sum "$tar" | cut -d' ' -f1)
  if [[ $sha != "$sum" ]]; then
    echo "$tar has sha256 $sha, expected $sum (containerd v$version with vendor/)" >"$cache/$gen.missing.why"
    return 1
  fi
  if [[ ! -x $go_dir/usr/lib/go-1.26/bin/go ]]; then
    need_apt
    fetch_into "$go_dir" sid "${go_packages[@]}"
    say "${go_packages[*]} from sid into $go_dir"
  fi
  need_apt
  # sid's runc, unpacked into the prefix first; the binaries go beside it.
  fetch_into "$out.new" sid "$runc_package"
  rm -rf "$work/src"
  mkdir -p "$work/src"
  tar -xzf "$tar" -C "$work/src"
  src=$(find "$work/src" -mindepth 2 -maxdepth 2 -name go.mod -printf '%h\n' | head -1)
  say "building containerd v$version from $tar (about 2 minutes on 2 cores)"
  (
    cd "$src"
    export GOROOT=$go_dir/usr/lib/go-1.26 GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0
    export GOCACHE=$work/gocache GOPATH=$work/gopath
    go=$GOROOT/bin/go
    "$go" build -trimpath -tags "no_btrfs no_devmapper no_zfs urfave_cli_no_docs" \
      -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=v$version" \
      -o "$out.new/usr/bin/containerd" ./cmd/containerd
    "$go" build -trimpath -ldflags "-s -w" -o "$out.new/usr/bin/containerd-shim-runc-v2" ./cmd/containerd-shim-runc-v2
    "$go" build -trimpath -tags urfave_cli_no_docs -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=v$version" \
      -o "$out.new/usr/bin/ctr" ./cmd/ctr
  ) || { echo "go build of containerd v$version failed (see the build's output)" >"$cache/$gen.missing.why"; rm -rf "$out.new"; return 1; }
  "$out.new/usr/bin/containerd" --version | grep -q " v$version" || {
    echo "the built containerd says $("$out.new/usr/bin/containerd" --version), not v$version" >"$cache/$gen.missing.why"
    rm -rf "$out.new"
    return 1
  }
  echo "source: containerd=$version, sid: $runc_package" >"$out.new/VERSION"
  echo "$origin" >"$out.new/SOURCE"
  rm -rf "$out"
  mv "$out.new" "$out"
  say "$out: $("$out/usr/bin/containerd" --version) (with $runc_package from sid, which the lab's nodes do not run: they pull, they start no container)"
}

mkdir -p "$cache"
for b in "${builds[@]}"; do
  read -r gen version sum <<<"$b"
  if build "$gen" "$version" "$sum"; then
    rm -f "$cache/$gen.missing" "$cache/$gen.missing.why"
  else
    {
      echo "ci/build-containerd.sh could not build containerd $gen (v$version):"
      echo "  - $(cat "$cache/$gen.missing.why")"
    } >"$cache/$gen.missing"
    rm -f "$cache/$gen.missing.why"
    say "containerd $gen is not here: $(tail -1 "$cache/$gen.missing" | sed 's/^  - //'); its cases skip, saying so"
  fi
done
exit 0
