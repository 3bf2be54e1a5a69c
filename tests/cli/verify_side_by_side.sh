#!/usr/bin/env bash
# verify_side_by_side.sh MIRRORGATE: verify of every scenario on the lab runs
# the families that stop Docker Hub or restart kind-registry (OfflineRestart,
# OfflinePulls) in labs of their own beside the first, which come up at the
# same time as the first and run while it runs the rest. All
# pass, the report has their results and names the labs beside, and nothing
# of any lab is left afterwards: no namespace, link or owner file.
set -euo pipefail
mirrorgate=$1
state=/var/tmp/mgate/side-by-side
reports=$(mktemp -d /tmp/mirrorgate-beside-XXXXXX)
cleanup() {
  "$mirrorgate" --state "$state" down --purge >/dev/null 2>&1 || true
  rm -rf "$reports"
}
trap cleanup EXIT
fail() { echo "verify_side_by_side: $*" >&2; exit 1; }

"$mirrorgate" --state "$state" verify --purge --reports "$reports" >"$reports/out" 2>&1 || {
  cat "$reports/out"; fail "verify failed"; }
grep -q "verify PASSED" "$reports/out" || { cat "$reports/out"; fail "no PASSED line"; }
grep -q "lab beside 1 comes up to run .*OfflinePulls" "$reports/out" || fail "OfflinePulls did not run beside"
grep -q "lab beside 2 comes up to run .*OfflineRestart" "$reports/out" || fail "OfflineRestart did not run beside"
run=$(ls -d "$reports"/20*/ | tail -n 1)
for k in 1 2; do
  test -s "$run/beside-$k/gtest.json" || fail "lab beside $k wrote no results"
  test -s "$run/beside-$k/scenarios.log" || fail "lab beside $k kept no output"
done
# Every family's results are in the run's report, the offline ones too.
for scenario in OfflineRestart.CachedImagesPullOnEveryNodeAfterARestartWithTheHubStopped \
  OfflineRestart.CacheIsNeitherLostNorRewrittenAcrossOfflineAndOnlineRestarts \
  OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubStopped HostsTomlOnEveryNode.EveryNodesContainerdSendsDockerIoToTheMirror; do
  grep -q "| $scenario | passed |" "$run/report.md" || fail "report.md lacks $scenario as passed"
done
grep -q '"labs_beside"' "$run/report.json" || fail "report.json does not name the labs beside"
# Nothing of any lab is left.
left=$(ip netns list | awk '{print $1}' | grep -E '^(mg[0-9]+-|mirrorgate-switch)' || true)
[[ -z $left ]] || fail "namespaces left: $left"
for k in 1 2; do
  ! ip link show "mg-lab-$k" >/dev/null 2>&1 || fail "link mg-lab-$k left"
  test ! -e "/run/mirrorgate-lab-$k" || fail "/run/mirrorgate-lab-$k left"
  test ! -e "$state/side-labs/$k/state.json" || fail "lab beside $k left its state file"
done
echo "verify_side_by_side: passed"
