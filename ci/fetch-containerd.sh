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

# The Debian archive this machine already uses for its own packages (never a
# name written here): the first deb source of the main archive.
archive_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # deb822 stanzas: the URIs of a stanza whose Suites name a main-archive suite
    uri=$(awk '
      /^[[:space:]]*$/ { if (u != "" && s ~ /(^| )(bookworm|trixie|sid|stable|testing|unstable)( |$)/ && s !~ /security/) { print u; exit } u = ""; s = "" }
      /^URIs:/ { u = $2 }
      /^Suites:/ { $1 = ""; s = $0 }
      END { if (u != "" && s ~ /(^| )(bookworm|trixie|sid|stable|testing|unstable)( |$)/ && s !~ /security/) print u }' "$f" | head -1)
    [[ -n $uri ]] && { echo "${uri%/}"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f" | head -1)
    [[ -n $uri ]] && { echo "${uri%/}"; return; }
  done
  return 1
}

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

uri=$(archive_uri) || { echo "fetch-containerd.sh: no Debian archive found in /etc/apt/sources*" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,parts,prefs}
{
  echo "deb [signed-by=$keyring] $uri trixie main"
  echo "deb [signed-by=$keyring] $uri sid main"
} >"$apt_dir/sources.list"
apt_private=(
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=$apt_dir/parts"
  -o "Dir::Etc::preferences=$apt_dir/prefs/none" -o "Dir::Etc::preferencesparts=$apt_dir/prefs"
  -o "Dir::State::lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root"
)
echo "fetch-containerd.sh: reading the trixie and sid package lists of $uri (private apt state in $apt_dir)"
apt-get -qq "${apt_private[@]}" update

for e in "${missing[@]}"; do
  read -r dir suite binary packages <<<"$e"
  work=$(mktemp -d)
  (cd "$work" && apt-get -qq "${apt_private[@]}" download $packages)
  rm -rf "$dir.new"
  mkdir -p "$dir.new"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dir.new"; done
  echo "$suite: $packages" >"$dir.new/VERSION"
  rm -rf "$work" "$dir"
  mv "$dir.new" "$dir"
  echo "fetch-containerd.sh: $packages from $suite into $dir: $("$dir/$binary" --version 2>/dev/null || "$dir/$binary" version)"
done
