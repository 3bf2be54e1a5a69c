#!/usr/bin/env bash
# Fetches the containerd generations the lab's nodes can run, from Debian's
# own archive, without changing what the system has installed:
#   1.6  Debian 12's containerd (installed by ci/setup.sh; nothing to fetch)
#   1.7  trixie's containerd 1.7.24 and runc
#   2.1  sid's containerd 2.1.9 and runc
# A private apt configuration and state directory (the archive address is the
# one this machine's own sources use), `apt-get download`, and `dpkg-deb -x`
# into /var/cache/mirrorgate/containerd/GENERATION/. A generation already
# there is kept. Run as root. Prints one line per generation.
set -euo pipefail

cache=${MIRRORGATE_CONTAINERD_CACHE:-/var/cache/mirrorgate/containerd}
apt_dir=${MIRRORGATE_APT_DIR:-/var/cache/mirrorgate/apt}
# generation suite package=version…
generations=(
  "1.7 trixie containerd=1.7.24~ds1-6+deb13u1 runc=1.1.15+ds1-2+b4"
  "2.1 sid containerd=2.1.9+ds1-5 runc=1.3.6+ds1-1"
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
for g in "${generations[@]}"; do
  read -r name _ <<<"$g"
  [[ -x $cache/$name/usr/bin/containerd ]] || missing+=("$g")
done
if ((${#missing[@]} == 0)); then
  for g in "${generations[@]}"; do
    read -r name _ <<<"$g"
    echo "fetch-containerd.sh: containerd $name is in $cache/$name ($(cat "$cache/$name/VERSION"))"
  done
  exit 0
fi

uri=$(archive_uri) || { echo "fetch-containerd.sh: no Debian archive found in /etc/apt/sources*" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,parts,prefs} "$cache"
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

for g in "${missing[@]}"; do
  read -r name suite packages <<<"$g"
  work=$(mktemp -d)
  (cd "$work" && apt-get -qq "${apt_private[@]}" download $packages)
  rm -rf "$cache/$name.new"
  mkdir -p "$cache/$name.new"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$cache/$name.new"; done
  echo "$suite: $packages" >"$cache/$name.new/VERSION"
  rm -rf "$work" "$cache/$name"
  mv "$cache/$name.new" "$cache/$name"
  echo "fetch-containerd.sh: containerd $name from $suite into $cache/$name: $("$cache/$name/usr/bin/containerd" --version)"
done
