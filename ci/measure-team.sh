#!/usr/bin/env bash
# The team tier measured on the embedded lab (as root, one lab at a time):
#   1. bring-up of `up --machines N` with the team store made from nothing
#      (Ceph's monitor, OSD and pools, the S3 user and bucket) and with the
#      store kept from the run before; the lab's memory once up: the sum of
#      every lab process's peak (VmHWM) and of their resident sizes (VmRSS);
#   2. a cluster creation on N = 1, 2, 3 machines at once through the team
#      tier: every node of every machine pulls the test images at the same
#      time (one `mirrorgate pull` per node), from a cold team store and
#      cold caches; Docker Hub's GETs of blobs and manifests by digest,
#      its counted pulls and the bytes it sent, per team; the slowest node.
# Usage: sudo ci/measure-team.sh [REPEATS]     (default 3; PARTS=herd for the second part alone)
# Prints a table per part; the state lives in a directory of its own, purged.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
repeats=${1:-3}
mirrorgate=${MIRRORGATE:-build/release/bin/mirrorgate}
[[ -x $mirrorgate ]] || { echo "measure-team.sh: build first (ci/main.sh)" >&2; exit 3; }
state=$(mktemp -d /var/tmp/mirrorgate-measure-team.XXXXXX)
trap '"$mirrorgate" --state "$state" down --purge >/dev/null 2>&1; rm -rf "$state"' EXIT
images=(busybox:1.36 yinfangchen/geo:app3 memcached:1.6.7 alpine:3.19 redis:7.2 mongo:4.4.6)

up_seconds() { sed -n 's/.*environment up in \([0-9.]*\) s.*/\1/p' | tail -1; }
lab_memory() { # sum of VmHWM and of VmRSS (kB) of every process the state file names
  local hwm=0 rss=0 pid
  while read -r pid; do
    [[ -r /proc/$pid/status ]] || continue
    hwm=$((hwm + $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")))
    rss=$((rss + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")))
  done < <(grep -o '"pid": *[0-9]*' "$state/state.json" | grep -o '[0-9]*$' | sort -u)
  echo "$((hwm / 1024)) $((rss / 1024))"
}

if [[ ${PARTS:-all} != herd ]]; then
echo "== bring-up, --machines 3 (${repeats} runs each)"
echo "| store | run | up (s) | lab peak (MiB, sum of VmHWM) | lab resident (MiB) |"
echo "|---|---:|---:|---:|---:|"
for i in $(seq "$repeats"); do
  "$mirrorgate" --state "$state" down --purge >/dev/null 2>&1
  cold=$("$mirrorgate" --state "$state" up --machines 3 2>&1 | up_seconds)
  read -r hwm rss < <(lab_memory)
  echo "| made from nothing | $i | $cold | $hwm | $rss |"
  "$mirrorgate" --state "$state" down >/dev/null 2>&1
  warm=$("$mirrorgate" --state "$state" up --machines 3 2>&1 | up_seconds)
  read -r hwm rss < <(lab_memory)
  echo "| kept | $i | $warm | $hwm | $rss |"
done
fi

echo
echo "== a cluster creation through the team tier: every node of every machine pulls ${images[*]} at once"
echo "| machines | nodes | Docker Hub GETs (blobs + manifests by digest) | distinct | counted pulls | bytes from Docker Hub | slowest node (s) | failed pulls |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in 1 2 3; do
  "$mirrorgate" --state "$state" down --purge >/dev/null 2>&1
  args=(--machines "$n")
  # One machine alone has no team tier: --machines 2 and 3 do. N = 1 here is
  # today's topology (kind-registry and its front straight to Docker Hub).
  "$mirrorgate" --state "$state" up "${args[@]}" >/dev/null 2>&1 || { echo "| $n | up failed |"; continue; }
  logs=$(find "$state/runs" -mindepth 2 -maxdepth 2 -name logs | sort | tail -1)
  mark=$(wc -l <"$logs/hub.access.log")
  nodes=$(grep -o '"name": *"[^"]*"' "$state/state.json" | sed 's/.*"\([^"]*\)"$/\1/' | grep -- 'kind-' | sort -u)
  pids=() failed=0 slowest=0
  for node in $nodes; do
    ( s=$(date +%s.%N); "$mirrorgate" --state "$state" pull "${images[@]}" --node "$node" >"$state/pull-$node.log" 2>&1
      rc=$?; e=$(date +%s.%N); echo "$rc $(awk -v a="$s" -v b="$e" 'BEGIN {printf "%.2f", b - a}')" >"$state/pull-$node.time" ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  for node in $nodes; do
    read -r rc secs <"$state/pull-$node.time"
    ((rc == 0)) || failed=$((failed + 1))
    slowest=$(awk -v a="$secs" -v b="$slowest" 'BEGIN {print (a > b ? a : b)}')
  done
  tail -n +"$((mark + 1))" "$logs/hub.access.log" >"$state/hub.new"
  gets=$(grep -E '"GET /v2/[^ ]*/(blobs|manifests)/sha256:[0-9a-f]+ HTTP' "$state/hub.new" | awk '$9 == 200' | wc -l)
  distinct=$(grep -E '"GET /v2/[^ ]*/(blobs|manifests)/sha256:[0-9a-f]+ HTTP' "$state/hub.new" | awk '$9 == 200 {print $7}' | sed 's/.*\///' | sort -u | wc -l)
  counted=$(grep -c 'pull counted' "$state/hub.new")
  bytes=$(awk '$9 == 200 || $9 == 206 {b += $10} END {print b + 0}' "$state/hub.new")
  nnodes=$(echo "$nodes" | wc -w)
  echo "| $n | $nnodes | $gets | $distinct | $counted | $bytes | $slowest | $failed |"
  # --purge while it is up: the next N starts from a cold store and cold caches.
  "$mirrorgate" --state "$state" down --purge >/dev/null 2>&1
done
