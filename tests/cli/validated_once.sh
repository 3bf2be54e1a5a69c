#!/usr/bin/env bash
# validated_once.sh MIRRORGATE STATE_DIR: up, verify and bench each validate
# their options exactly once (-v logs "options validated" each time), however
# many layers they pass them through. With an empty PATH the kind backend
# stops at its first outside command, before anything is made.
set -uo pipefail
mirrorgate=$1 state=$2
status=0
for cmd in up verify bench; do
  n=$(env PATH=/nonexistent "$mirrorgate" -v --state "$state" "$cmd" --backend kind --stand-in-hub 2>&1 |
    grep -c "options validated")
  if [[ $n -eq 1 ]]; then
    echo "$cmd: options validated once"
  else
    echo "$cmd: options validated $n times, not once" >&2
    status=1
  fi
done
exit "$status"
