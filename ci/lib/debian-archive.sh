# shellcheck shell=bash
# Sourced by ci/fetch-containerd.sh and ci/build-registry.sh: a private apt
# configuration over the Debian archive this machine already uses, so that
# packages of other suites (trixie, sid) can be downloaded and unpacked into
# a prefix of the project's own without touching what the system installed.
# Defines archive_uri, apt_private_setup DIR (fills the apt_private array) and
# fetch_into DIR SUITE PACKAGE=VERSION... (downloads and unpacks).

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

# apt_private_setup DIR: writes DIR/sources.list (trixie and sid of this
# machine's archive), reads their package lists into DIR, and leaves the
# options that make apt-get use only DIR in the array apt_private.
apt_private_setup() {
  local apt_dir=$1 uri keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  uri=$(archive_uri) || { echo "${0##*/}: no Debian archive found in /etc/apt/sources*" >&2; return 1; }
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
  echo "${0##*/}: reading the trixie and sid package lists of $uri (private apt state in $apt_dir)"
  apt-get -qq "${apt_private[@]}" update
}

# fetch_into DIR SUITE PACKAGE=VERSION...: downloads the packages with the
# private configuration and unpacks them into DIR (replacing it whole, so a
# cut-off fetch never leaves half a prefix), with DIR/VERSION naming them.
fetch_into() {
  local dir=$1 suite=$2 work deb
  shift 2
  work=$(mktemp -d)
  (cd "$work" && apt-get -qq "${apt_private[@]}" download "$@")
  rm -rf "$dir.new"
  mkdir -p "$dir.new"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dir.new"; done
  echo "$suite: $*" >"$dir.new/VERSION"
  rm -rf "$work" "$dir"
  mv "$dir.new" "$dir"
}
