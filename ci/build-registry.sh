#!/usr/bin/env bash
# Obtains the registry generation 3.1 — CNCF distribution v3.1.1, what the
# `registry:3` image runs and what registry/setup-registry.sh deploys — into
# /var/cache/mirrorgate/registry/3.1/registry (MIRRORGATE_REGISTRY_CACHE),
# with VERSION and SOURCE (where it came from) beside it. Nothing is
# installed system-wide. It tries, in this order:
#   1. the source kept beside the project
#      (../shared/third_party/distribution-3.1.1.tar.gz, or
#      MIRRORGATE_DISTRIBUTION_SOURCE), checked against its sha256 and built
#      offline with sid's Go 1.26, unpacked into /var/cache/mirrorgate/go/1.26
#      the way ci/fetch-containerd.sh fetches the containerd generations;
#   2. the binary of a local `registry:3` image when Docker has one
#      (MIRRORGATE_DISTRIBUTION_IMAGE; empty: skip), copied out with
#      `docker create` + `docker cp`, taken when it says v3.1;
#   3. distribution's release archive for this platform
#      (MIRRORGATE_DISTRIBUTION_RELEASE_URL), checked against the pinned
#      sha256 (MIRRORGATE_DISTRIBUTION_RELEASE_SHA256) before anything of it
#      is unpacked.
# When none works it says what it tried, writes the same into
# registry/3.1.missing (mirrorgate's reports quote it when the lab runs
# registry 2.8 instead) and exits 0: the 3.1 cases then skip, saying why.
# What is already there from the same origin is kept. Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib/debian-archive.sh
source "$here/lib/debian-archive.sh"

version=3.1.1
source_tar=${MIRRORGATE_DISTRIBUTION_SOURCE:-$here/../../shared/third_party/distribution-$version.tar.gz}
source_sha256=dc66823a6270655ed36d30fe7bbae13b1605510413b03c58867dd910c707dfa7
image=${MIRRORGATE_DISTRIBUTION_IMAGE-registry:3}
case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
# The sha256 distribution publishes beside each release archive
# (registry_3.1.1_linux_ARCH.tar.gz.sha256); the same values are pinned by
# other projects that download it. This machine cannot reach the release, so
# they were not checked here: a wrong pin refuses the archive, never takes it.
declare -A release_sha256=(
  [amd64]=6f330a3ba9ea1d23a6ee189f449d792595240585bb2f159123d76ac594f70dd8
  [arm64]=8167316d2b4a57e10d44f8c8a3c75fea5f3ec1c71872760bb903e5e8e52e9ad6
)
release_url=${MIRRORGATE_DISTRIBUTION_RELEASE_URL:-https://github.com/distribution/distribution/releases/download/v$version/registry_${version}_linux_$arch.tar.gz}
release_sum=${MIRRORGATE_DISTRIBUTION_RELEASE_SHA256:-${release_sha256[$arch]:-}}
cache=${MIRRORGATE_REGISTRY_CACHE:-/var/cache/mirrorgate/registry}
out=$cache/3.1
missing=$cache/3.1.missing
go_dir=${MIRRORGATE_GO_CACHE:-/var/cache/mirrorgate/go}/1.26
apt_dir=${MIRRORGATE_APT_DIR:-/var/cache/mirrorgate/apt}
go_packages=(golang-1.26-go=1.26.10-1 golang-1.26-src=1.26.10-1)

say() { echo "build-registry.sh: $*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "run as root"; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tried=()

# install_binary BINARY ORIGIN: checks that BINARY is distribution v3.1 and
# puts it in place with VERSION and SOURCE; fails (saying why) otherwise.
install_binary() {
  local binary=$1 origin=$2 said
  chmod 0755 "$binary"
  if ! said=$("$binary" --version 2>&1); then
    tried+=("$origin: the binary does not run here (${said:0:120})")
    return 1
  fi
  # `registry --version` prints its own path first: keep the module and version.
  said=$(head -1 <<<"$said" | cut -d' ' -f2-)
  if [[ $said != *distribution/v3\ v3.1.* ]]; then
    tried+=("$origin: it is $said, not distribution v3.1")
    return 1
  fi
  rm -rf "$out.new"
  mkdir -p "$out.new"
  cp "$binary" "$out.new/registry"
  echo "$said" >"$out.new/VERSION"
  echo "$origin" >"$out.new/SOURCE"
  rm -rf "$out"
  mv "$out.new" "$out"
  rm -f "$missing"
  say "$out/registry is $said, from $origin"
}

already() { [[ -x $out/registry && $(cat "$out/SOURCE" 2>/dev/null) == "$1" ]]; }

# 1. The source beside the project.
from_source() {
  # Named by its content, not its path: a checkout elsewhere reuses the build.
  local origin="source distribution-$version.tar.gz (sha256 $source_sha256)" sha src
  if [[ ! -f $source_tar ]]; then
    tried+=("the source: no $source_tar")
    return 1
  fi
  already "$origin" && { say "$out/registry is $(cat "$out/VERSION"), from $origin"; return 0; }
  sha=$(sha256sum "$source_tar" | cut -d' ' -f1)
  if [[ $sha != "$source_sha256" ]]; then
    tried+=("the source: $source_tar has sha256 $sha, expected $source_sha256 (distribution v$version with vendor/)")
    return 1
  fi
  if [[ ! -x $go_dir/usr/lib/go-1.26/bin/go ]]; then
    apt_private_setup "$apt_dir"
    fetch_into "$go_dir" sid "${go_packages[@]}"
    say "${go_packages[*]} from sid into $go_dir"
  fi
  tar -xzf "$source_tar" -C "$work" || { tried+=("the source: $source_tar does not unpack"); return 1; }
  src=$(find "$work" -mindepth 2 -maxdepth 2 -name go.mod -printf '%h\n' | head -1)
  [[ -n $src ]] || { tried+=("the source: $source_tar holds no go.mod"); return 1; }
  say "building distribution v$version from $source_tar (about 1.5 minutes on 2 cores)"
  (
    cd "$src"
    export GOROOT=$go_dir/usr/lib/go-1.26 GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0
    export GOCACHE=$work/gocache GOPATH=$work/gopath
    "$GOROOT/bin/go" build -trimpath \
      -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=v$version" \
      -o "$work/registry" ./cmd/registry
  ) || { tried+=("the source: go build failed (see above)"); return 1; }
  install_binary "$work/registry" "$origin"
}

# 2. A local registry:3 image.
from_image() {
  local id container
  if [[ -z $image ]]; then
    tried+=("a local registry:3 image: not asked (MIRRORGATE_DISTRIBUTION_IMAGE is empty)")
    return 1
  fi
  if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
    tried+=("a local $image image: no Docker daemon answers")
    return 1
  fi
  if ! id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null); then
    tried+=("a local $image image: Docker has none (docker pull $image, then run this again)")
    return 1
  fi
  already "image $image ($id)" && { say "$out/registry is $(cat "$out/VERSION"), from image $image ($id)"; return 0; }
  container=$(docker create "$image") || { tried+=("a local $image image: docker create failed"); return 1; }
  if ! docker cp "$container:/bin/registry" "$work/registry" >/dev/null; then
    docker rm "$container" >/dev/null || true
    tried+=("a local $image image ($id): it has no /bin/registry")
    return 1
  fi
  docker rm "$container" >/dev/null || true
  install_binary "$work/registry" "image $image ($id)"
}

# 3. The release archive, checked before it is unpacked.
from_release() {
  local origin="release $release_url (sha256 $release_sum)" sha
  if [[ -z $release_sum ]]; then
    tried+=("the release archive: no pinned sha256 for linux/$arch")
    return 1
  fi
  already "$origin" && { say "$out/registry is $(cat "$out/VERSION"), from $origin"; return 0; }
  say "downloading $release_url"
  if ! curl -fsSL --connect-timeout 10 --max-time 300 -o "$work/release.tar.gz" "$release_url" 2>"$work/curl.err"; then
    tried+=("the release archive $release_url: $(tr '\n' ' ' <"$work/curl.err" | cut -c1-200)")
    return 1
  fi
  sha=$(sha256sum "$work/release.tar.gz" | cut -d' ' -f1)
  if [[ $sha != "$release_sum" ]]; then
    tried+=("the release archive $release_url: sha256 $sha, expected $release_sum; not unpacked")
    return 1
  fi
  mkdir -p "$work/release"
  if ! tar -xzf "$work/release.tar.gz" -C "$work/release" registry 2>"$work/tar.err"; then
    tried+=("the release archive $release_url: no registry in it ($(head -1 "$work/tar.err"))")
    return 1
  fi
  install_binary "$work/release/registry" "$origin"
}

from_source || from_image || from_release && exit 0

mkdir -p "$cache"
{
  echo "ci/build-registry.sh found no distribution v$version (registry:3); it tried:"
  for t in "${tried[@]}"; do echo "  - $t"; done
} >"$missing"
say "registry 3.1 (registry:3) is not here; tried:"
for t in "${tried[@]}"; do echo "  - $t" >&2; done
say "the lab runs registry 2.8 instead and says so in every report; its 3.1 cases skip. Give one of the three and run this again."
exit 0
