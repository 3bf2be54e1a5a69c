#!/usr/bin/env bash
# verify_beside_fallback.sh MIRRORGATE: a lab beside that cannot come up
# (here: a network namespace under one of its names, made by this test) does
# not fail verify: its scenarios run in the first lab after the rest, and
# pass; the namespace in its way is left alone.
set -euo pipefail
mirrorgate=$1
state=/var/tmp/mgate/beside-fallback
reports=$(mktemp -d /tmp/mirrorgate-fallback-XXXXXX)
blocker=mg2-hub
made=0
cleanup() {
  "$mirrorgate" --state "$state" down --purge >/dev/null 2>&1 || true
  if [[ $made == 1 ]]; then ip netns del "$blocker" 2>/dev/null || true; fi
  rm -rf "$reports"
}
trap cleanup EXIT
fail() { echo "verify_beside_fallback: $*" >&2; exit 1; }
has_netns() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

if has_netns "$blocker"; then fail "$blocker exists before the test; it is not this test's to use"; fi
ip netns add "$blocker"
made=1
"$mirrorgate" --state "$state" verify --purge --reports "$reports" >"$reports/out" 2>&1 || {
  cat "$reports/out"; fail "verify failed"; }
grep -q "lab beside 2 did not come up (network namespace $blocker already exists" "$reports/out" || {
  cat "$reports/out"; fail "verify did not say why lab beside 2 did not come up"; }
grep -q "running .*OfflineRestart.* in the first lab (lab beside 2 did not come up)" "$reports/out" ||
  fail "lab beside 2's scenarios did not run in the first lab"
grep -q "lab beside 1 (.*OfflinePulls" "$reports/out" || fail "lab beside 1 did not run as usual"
run=$(ls -d "$reports"/20*/ | tail -n 1)
for scenario in OfflineRestart.CachedImagesPullOnEveryNodeAfterARestartWithTheHubPartitioned \
  OfflineRestart.AnUncachedImageComesThroughOnceTheHubAnswersAgain OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubStopped; do
  grep -q "| $scenario | passed |" "$run/report.md" || fail "report.md lacks $scenario as passed"
done
grep -q '"ran_in": "the first lab"' "$run/report.json" || fail "report.json does not say where lab beside 2's scenarios ran"
has_netns "$blocker" || fail "verify removed $blocker, which is not the lab's"
echo "verify_beside_fallback: passed"
