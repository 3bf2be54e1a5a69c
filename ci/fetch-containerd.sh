#!/usr/bin/env bash
# Fetches, from Debian's own archive and without changing what the system has
# installed, the containerd generations the lab's nodes can run and the real
# kind CLI the Docker tests use where it works here:
#   containerd 1.6  Debian 12's (installed by ci/setup.sh; nothing to fetch)
#   containerd 1.7  trixie's 1.7.24 and runc
#   containerd 2.1  sid's 2.1.9 and runc
#   kind 0.33       sid's kind (its `create cluster` needs privileged
#                   containers, which this machine refuses; the rest works)
# A private apt configuration and state directory (the archive address is the
# one this machine's own sources use), `apt-get download`, and `dpkg-deb -x`
# into /var/cache/mirrorgate/containerd/GENERATION/ and
# /var/cache/mirrorgate/kind/VERSION/. What is already there is kept. Run as
# root. Prints one line per entry.
set -euo pipefail

cache=${MIRRORGATE_CONTAINERD_CACHE:-/var/cache/mirrorgate/containerd}
kind_cache=${MIRRORGATE_KIND_CACHE:-/var/cache/mirrorgate/kind}
apt_dir=${MIRRORGATE_APT_DIR:-/var/cache/mirrorgate/apt}
# directory suite binary package=version…
entries=(
  "$cache/1.7 trixie usr/bin/containerd containerd=1.7.24~ds1-6+deb13u1 runc=1.1.15+ds1-2+b4"
  "$cache/2.1 sid usr/bin/containerd containerd=2.1.9+ds1-5 runc=1.3.6+ds1-1"
  "$kind_cache/0.33 sid usr/bin/kind kind=0.33.0-1"
)

[[ $(id -u) -eq 0 ]] || { echo "fetch-containerd.sh: run as root" >&2; exit 3; }

# shellcheck source=ci/lib/debian-archive.sh
source "$(dirname "$0")/lib/debian-archive.sh"

missing=()
for e in "${entries[@]}"; do
  read -r dir _ binary _ <<<"$e"
  [[ -x $dir/$binary ]] || missing+=("$e")
done
if ((${#missing[@]} == 0)); then
  for e in "${entries[@]}"; do
    read -r dir _ <<<"$e"
    echo "fetch-containerd.sh: $dir has $(cat "$dir/VERSION")"
  done
  exit 0
fi

apt_private_setup "$apt_dir"

for e in "${missing[@]}"; do
  read -r dir suite binary packages <<<"$e"
  # shellcheck disable=SC2086 # one word per package
  fetch_into "$dir" "$suite" $packages
  echo "fetch-containerd.sh: $packages from $suite into $dir: $("$dir/$binary" --version 2>/dev/null || "$dir/$binary" version)"
done
