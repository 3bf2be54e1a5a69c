#!/usr/bin/env bash
# verify on a private state directory (mode 0700, what `mktemp -d` makes):
# kind-registry-front's nginx workers drop root, so nothing they use may sit
# below a directory they cannot enter. Before the front's run directory moved
# out of the state directory, they answered kind-registry with 500 here and
# every node fell back to Docker Hub.
#   private_state_dir.sh MIRRORGATE REPORTS_DIR
set -euo pipefail
mirrorgate=$1 reports=$2
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
mode=$(stat -c %a "$state")
[[ $mode == 700 ]] || { echo "mktemp -d made mode $mode, not 700: this test proves nothing here" >&2; exit 1; }
out=$("$mirrorgate" --state "$state" verify --purge --reports "$reports" \
  --filter 'EveryPullComesFromTheMirror.*:CatalogPopulation.*' 2>&1) || {
  echo "$out" | tail -40
  echo "verify failed with the state directory $state (mode 0700)" >&2
  exit 1
}
echo "$out" | tail -4
grep -Eq '^verify PASSED: [1-9][0-9]* passed, 0 failed' <<<"$out" || { echo "verify ran no scenario" >&2; exit 1; }
# The front's run directory went with the lab.
if [[ -e /var/cache/mirrorgate/labs/lab ]]; then
  echo "/var/cache/mirrorgate/labs/lab is still there after verify took the lab down" >&2
  exit 1
fi
[[ $(stat -c %a "$state") == 700 ]] || { echo "verify changed the mode of $state" >&2; exit 1; }
echo "verify passed on a state directory of mode 0700"
