#!/usr/bin/env bash
# ci/build-registry.sh takes registry 3.1 from the first source that works:
# the source tarball, a local registry:3 image, the release archive checked
# against its pinned sha256. Each case runs it into a cache of its own.
#   build_registry_sources.sh release   the release path, against a server of
#       this test's own on loopback: a right archive, a wrong one (its sha256
#       differs from the pin), one whose sha256 matches but holds registry 2.8,
#       and nothing listening
#   build_registry_sources.sh image IMAGE   the image path (Docker's stand-in
#       registry:3 image, built from the same binary)
# Needs the registry 3.1 that ci/build-registry.sh built here (exit 77 without).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script=$here/../../ci/build-registry.sh
built=${MIRRORGATE_REGISTRY_CACHE:-/var/cache/mirrorgate/registry}/3.1/registry
[[ -x $built ]] || { echo "no $built here (ci/build-registry.sh): nothing to pack"; exit 77; }
work=$(mktemp -d)
server=""
cleanup() {
  [[ -z $server ]] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# run_case NAME VAR=VALUE…: ci/build-registry.sh with no source beside it,
# into $work/NAME; its output in $work/NAME.out.
run_case() {
  local name=$1; shift
  env MIRRORGATE_REGISTRY_CACHE="$work/$name" MIRRORGATE_DISTRIBUTION_SOURCE="$work/no-such-source.tar.gz" \
    MIRRORGATE_DISTRIBUTION_IMAGE="" "$@" bash "$script" >"$work/$name.out" 2>&1 ||
    fail "$name: ci/build-registry.sh exited $?: $(cat "$work/$name.out")"
}

case ${1:-} in
  release)
    mkdir -p "$work/www/right" "$work/www/old"
    cp "$built" "$work/www/right/registry"
    tar -czf "$work/www/right.tar.gz" -C "$work/www/right" registry
    printf 'not the archive\n' >"$work/www/wrong.tar.gz"
    cp /usr/bin/docker-registry "$work/www/old/registry"
    tar -czf "$work/www/old.tar.gz" -C "$work/www/old" registry
    right_sum=$(sha256sum "$work/www/right.tar.gz" | cut -d' ' -f1)
    old_sum=$(sha256sum "$work/www/old.tar.gz" | cut -d' ' -f1)
    # A server of the test's own on loopback, on a port the kernel picks.
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" >"$work/server.out" 2>&1 &
    server=$!
    port=""
    for _ in $(seq 100); do
      port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/server.out" | head -1)
      [[ -n $port ]] && break
      sleep 0.1
    done
    [[ -n $port ]] || fail "the loopback server did not start: $(cat "$work/server.out")"
    url=http://127.0.0.1:$port

    run_case right MIRRORGATE_DISTRIBUTION_RELEASE_URL="$url/right.tar.gz" MIRRORGATE_DISTRIBUTION_RELEASE_SHA256="$right_sum"
    [[ -x $work/right/3.1/registry ]] || fail "right: no registry installed: $(cat "$work/right.out")"
    grep -q "v3.1.1" "$work/right/3.1/VERSION" || fail "right: VERSION is $(cat "$work/right/3.1/VERSION")"
    grep -q "^release $url/right.tar.gz (sha256 $right_sum)$" "$work/right/3.1/SOURCE" ||
      fail "right: SOURCE is $(cat "$work/right/3.1/SOURCE")"
    [[ ! -e $work/right/3.1.missing ]] || fail "right: 3.1.missing left behind"
    echo "ok: the right archive, checked against its sha256, is installed"

    run_case wrong MIRRORGATE_DISTRIBUTION_RELEASE_URL="$url/wrong.tar.gz" MIRRORGATE_DISTRIBUTION_RELEASE_SHA256="$right_sum"
    [[ ! -e $work/wrong/3.1/registry ]] || fail "wrong: an archive whose sha256 differs was installed"
    grep -q "expected $right_sum; not unpacked" "$work/wrong/3.1.missing" || fail "wrong: $(cat "$work/wrong/3.1.missing")"
    grep -q "the source: no $work/no-such-source.tar.gz" "$work/wrong/3.1.missing" || fail "wrong: the source not named"
    grep -q "registry:3 image: not asked" "$work/wrong/3.1.missing" || fail "wrong: the image not named"
    echo "ok: an archive whose sha256 differs from the pin is refused, and every source tried is named"

    run_case old MIRRORGATE_DISTRIBUTION_RELEASE_URL="$url/old.tar.gz" MIRRORGATE_DISTRIBUTION_RELEASE_SHA256="$old_sum"
    [[ ! -e $work/old/3.1/registry ]] || fail "old: registry 2.8 was installed as 3.1"
    grep -q "not distribution v3.1" "$work/old/3.1.missing" || fail "old: $(cat "$work/old/3.1.missing")"
    echo "ok: an archive of another registry is refused"

    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    run_case offline MIRRORGATE_DISTRIBUTION_RELEASE_URL="$url/right.tar.gz" MIRRORGATE_DISTRIBUTION_RELEASE_SHA256="$right_sum"
    [[ ! -e $work/offline/3.1/registry ]] || fail "offline: installed with no server"
    grep -q "the release archive $url/right.tar.gz: curl" "$work/offline/3.1.missing" ||
      fail "offline: $(cat "$work/offline/3.1.missing")"
    grep -q "registry 2.8 instead" "$work/offline.out" || fail "offline: it did not say what the lab runs instead"
    echo "ok: with no source at all it says what it tried"
    ;;
  image)
    image=${2:?usage: build_registry_sources.sh image IMAGE}
    id=$(docker image inspect -f '{{.Id}}' "$image") || fail "no $image image"
    run_case image MIRRORGATE_DISTRIBUTION_IMAGE="$image" MIRRORGATE_DISTRIBUTION_RELEASE_URL=http://127.0.0.1:9/none
    [[ -x $work/image/3.1/registry ]] || fail "image: no registry installed: $(cat "$work/image.out")"
    grep -q "^image $image ($id)$" "$work/image/3.1/SOURCE" || fail "image: SOURCE is $(cat "$work/image/3.1/SOURCE")"
    grep -q "v3.1.1" "$work/image/3.1/VERSION" || fail "image: VERSION is $(cat "$work/image/3.1/VERSION")"
    cmp -s "$built" "$work/image/3.1/registry" || fail "image: the binary differs from the image's"
    [[ -z $(docker ps -aq --filter "ancestor=$image" --filter status=created) ]] || fail "image: a created container was left"
    echo "ok: the binary of a local $image image is taken"
    ;;
  *) echo "usage: build_registry_sources.sh release | image IMAGE" >&2; exit 2 ;;
esac
