#!/bin/sh
# How kind-registry starts (setup-registry.sh makes it the container's
# command): `registry serve CONFIG`, as registry:2 and registry:3 do, with
# one difference.
#
# distribution (2.8 and 3.1 alike) in proxy mode asks the upstream (Docker Hub) for /v2/ when
# it starts and exits with a panic when it cannot reach it. With
# --restart=always the container then restarts forever, and the cache that
# holds every image serves none of them: after a reboot without network,
# exactly when it is needed. So: while the upstream does not answer, this
# serves the same cache read-only, without the proxy (cached images pull,
# nothing is fetched, stored or deleted), and goes back to the pull-through
# cache as configured as soon as the upstream answers again.
#
# POSIX sh and busybox: what the registry:2 and registry:3 images have.
#   kind-registry-start.sh [CONFIG]   (default: /etc/distribution/config.yml
#   where it exists, as in registry:3, else /etc/docker/registry/config.yml)
# Environment: KIND_REGISTRY_RETRY_SECONDS (default 5), the longest wait
# between two asks of the upstream while the cache is served read-only. The
# first asks come sooner, 1 s, 2 s, 4 s … apart, so that a short outage ends
# within a second or two; a long one costs one ask every RETRY seconds.
set -u

# busybox ash's `wait PID` can miss the end of a child that ends while it
# starts waiting, and then waits forever: seen in the lab with busybox 1.35
# under load, a `sleep 5 & wait $!` that never returned, which left the cache
# read-only long after Docker Hub answered again. So this script waits only
# for children that have already ended, and polls until they have.
# runs PID: true while PID runs (a zombie has ended).
runs() {
  st=
  read -r _ _ st _ 2>/dev/null <"/proc/$1/stat" || return 1
  [ "$st" != Z ]
}
# reap PID [SECONDS]: waits until PID has ended, asking every SECONDS (0.2),
# then collects it; $? is its exit status.
reap() {
  while runs "$1"; do sleep "${2:-0.2}"; done
  wait "$1"
}
# end PID WHAT: TERM; KILL when it still runs 2 s later, saying so; reaped.
# Looked at every 0.05 s: a registry ends within a few ms of TERM, and the
# next one (the cache behind the port) starts only after.
end() {
  kill -TERM "$1" 2>/dev/null
  n=0
  while runs "$1" && [ "$n" -lt 40 ]; do
    sleep 0.05
    n=$((n + 1))
  done
  if runs "$1"; then
    say "$2 (pid $1) did not stop within 2 s of TERM; killing it"
    kill -KILL "$1" 2>/dev/null
  fi
  reap "$1"
}

default_config=/etc/docker/registry/config.yml
[ -f /etc/distribution/config.yml ] && default_config=/etc/distribution/config.yml
config=${1:-$default_config}
retry=${KIND_REGISTRY_RETRY_SECONDS:-5}
case $retry in
  '' | *[!0-9]* | 0)
    echo "kind-registry-start: KIND_REGISTRY_RETRY_SECONDS must be a whole number of seconds above 0, not '$retry'; using 5" >&2
    retry=5
    ;;
esac
say() { echo "kind-registry-start: $*" >&2; }

# The upstream: REGISTRY_PROXY_REMOTEURL overrides the config, as in distribution.
upstream=${REGISTRY_PROXY_REMOTEURL:-$(sed -n 's/^[[:space:]]*remoteurl:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' "$config" | head -n 1)}

if [ -z "$upstream" ]; then
  # Not a pull-through cache: nothing to wait for.
  exec registry serve "$config"
fi

# True when the upstream answers distribution's own start-up question: a
# registry with nothing but the proxy section (its cache in memory, on a free
# port of its own) starts listening only after that answer, and exits with a
# panic without it. The same HTTP and TLS client as the real start, so the
# answer is the real start's. Given up after 15 s (a dropped link).
probe_config=$(mktemp)
probe_log=$(mktemp)
trap 'rm -f "$probe_config" "$probe_log"' EXIT
printf 'version: 0.1\nstorage:\n  inmemory: {}\nhttp:\n  addr: 127.0.0.1:0\nproxy:\n  remoteurl: %s\n' \
  "$upstream" >"$probe_config"
upstream_answers() {
  # Emptied here, before the probe starts: the previous probe's "listening
  # on" must not answer for this one. (It did, in the lab under load: the
  # script sent TERM to the new probe a moment after forking it, that probe
  # was still running 2 s later, and the script waited for it for good.)
  : >"$probe_log"
  # Without the REGISTRY_* settings meant for the real registry (its storage,
  # its address): the probe has its own.
  (
    for v in $(env | sed -n 's/^\(REGISTRY_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
    exec registry serve "$probe_config"
  ) >"$probe_log" 2>&1 &
  probe=$!
  i=0
  while [ "$i" -lt 300 ]; do
    if grep -q 'listening on' "$probe_log"; then
      end "$probe" "the start-up probe"
      probe=
      return 0
    fi
    runs "$probe" || break
    sleep 0.05
    i=$((i + 1))
  done
  end "$probe" "the start-up probe"
  probe=
  return 1
}

pid= probe=
stop() {
  [ -n "$probe" ] && end "$probe" "the start-up probe"
  if [ -n "$pid" ]; then
    end "$pid" "the registry"
  fi
  exit 0
}
trap stop TERM INT

# answered=1: the read-only loop has just had the upstream's answer, so the
# pull-through registry starts at once; asking again would leave nothing
# behind the port for one more probe's start (~0.45 s measured in the lab),
# and a node pulling then falls back to Docker Hub.
answered=0
while :; do
  if [ "$answered" = 1 ] || upstream_answers; then
    answered=0
    registry serve "$config" &
    pid=$!
    reap "$pid" 1
    status=$?
    pid=
    # It stopped by itself. When the upstream went away between the question
    # and the registry's own, serve the cache read-only; anything else is the
    # registry's own failure, for the restart policy and the logs.
    upstream_answers && exit "$status"
    say "the registry exited ($status) and $upstream does not answer"
  fi
  case $upstream in
    *kind-registry-front*) who="$upstream (kind-registry-front, or Docker Hub behind it)" ;;
    *) who=$upstream ;;
  esac
  say "$who does not answer; serving the cache read-only until it does (cached images pull; nothing new is fetched)"
  REGISTRY_PROXY_REMOTEURL= REGISTRY_STORAGE_MAINTENANCE_READONLY='{"enabled": true}' registry serve "$config" &
  pid=$!
  back=0
  # Asked again after 1 s, then twice as long each time up to $retry
  # seconds, waiting in steps of 0.2 s so that a TERM is handled at once.
  ticks=0 pause=1
  while runs "$pid"; do
    sleep 0.2
    ticks=$((ticks + 1))
    [ "$ticks" -lt $((pause * 5)) ] && continue
    ticks=0
    pause=$((pause * 2))
    [ "$pause" -gt "$retry" ] && pause=$retry
    if upstream_answers; then
      say "$upstream answers again; back to the pull-through cache"
      back=1
      answered=1
      end "$pid" "the read-only registry"
      break
    fi
  done
  reap "$pid"
  status=$?
  pid=
  if [ "$back" != 1 ]; then
    say "the read-only registry exited ($status)"
    exit "$status"
  fi
done
