#!/usr/bin/env bash
# No flakes: runs `mirrorgate verify` on the shipped files N times in a row
# (default 20) and counts the passes. Exits non-zero unless every run passed.
# Usage: sudo ci/soak.sh [N [VERIFY_OPTION...]]   (after ci/main.sh or ci/test.sh has built it)
#   ci/soak.sh 20 --registry 2.8      (registry:2 behind the front)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
n=${1:-20}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "ci/soak.sh: N must be a positive number of runs, not '$n'" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
mirrorgate=${MIRRORGATE:-build/release/bin/mirrorgate}
[[ -x $mirrorgate ]] || mirrorgate=build/debug/bin/mirrorgate
[[ -x $mirrorgate ]] || { echo "ci/soak.sh: build first (ci/main.sh or ci/test.sh)" >&2; exit 3; }
out=reports/soak-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
passed=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if "$mirrorgate" verify --reports "$out" "$@" >"$out/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    result=passed
  else
    result="FAILED (see $out/run-$i.log)"
  fi
  echo "run $i/$n: $result in $(($(date +%s) - start)) s"
done
echo "$passed passed, $((n - passed)) failed"
((passed == n))
