#!/usr/bin/env bash
# The team tier's bring-up on the embedded lab (as root, one lab at a time):
# `up --machines 3` with the team store made from nothing (Ceph's monitor,
# OSD and pools, the S3 user and bucket) and with the store kept from the
# run before; the lab's memory once up: the sum of every lab process's peak
# (VmHWM) and of their resident sizes (VmRSS).
# A cluster creation on N = 1, 2, 3 machines at once is `mirrorgate bench`'s
# team section (--team-machines), in its report with a plot.
# Usage: sudo ci/measure-team.sh [REPEATS]     (default 3)
# Prints a table; the state lives in a directory of its own, purged.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
repeats=${1:-3}
mirrorgate=${MIRRORGATE:-build/release/bin/mirrorgate}
[[ -x $mirrorgate ]] || { echo "measure-team.sh: build first (ci/main.sh)" >&2; exit 3; }
state=$(mktemp -d /var/tmp/mirrorgate-measure-team.XXXXXX)
trap '"$mirrorgate" --state "$state" down --purge >/dev/null 2>&1; rm -rf "$state"' EXIT

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
