#!/usr/bin/env bash
# install_relocatable.sh BUILD_DIR: cmake --install into a fresh prefix, move
# the prefix elsewhere, and run the moved mirrorgate from / — --version must
# find the shipped files beside it and verify must pass on them.
set -euo pipefail
build=$1
work=$(mktemp -d /tmp/mirrorgate-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved"
cd /
"$work/moved/bin/mirrorgate" --version | tee "$work/version"
grep -q "shipped files:   $work/moved/share/mirrorgate" "$work/version"
if strings "$work/moved/bin/mirrorgate" | grep -qF "$(cd "$build" && pwd)"; then
  echo "the installed binary names the build directory" >&2
  exit 1
fi
"$work/moved/bin/mirrorgate" --state /var/tmp/mgate/install verify --purge --reports "$work/reports" \
  --filter 'HostsTomlOnEveryNode.*:EveryPullComesFromTheMirror.*'
