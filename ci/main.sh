#!/usr/bin/env bash
# The main job on the embedded lab: install, build, bring the lab up from the
# shipped files, run the scenarios against it, write a report, and tear the lab
# down (the mirror's cache stays). Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
echo "== configure and build (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release -- -j"$(nproc)"

mirrorgate=build/release/harness/mirrorgate
state=${MIRRORGATE_STATE:-/var/lib/mirrorgate}
export MIRRORGATE_STATE=$state
run_id=$(date -u +%Y%m%dT%H%M%SZ)
report=reports/$run_id
mkdir -p "$report"

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { "$mirrorgate" down || true; }
trap cleanup EXIT

echo "== bring-up"
"$mirrorgate" up
"$mirrorgate" status
"$mirrorgate" status --json > "$report/lab.json" || true

echo "== scenarios"
status=0
build/release/scenarios/mirrorgate_scenarios --gtest_output="json:$report/scenarios.json" || status=$?

echo "== pulls on every node, through CRI"
mapfile -t images < <(python3 -c 'import json,sys; [print(f["ref"]) for f in json.load(open(sys.argv[1]))["fixtures"]]' "$report/lab.json")
"$mirrorgate" pull --fresh "${images[@]}" | tee "$report/pulls.txt" || status=1

echo "== report: $report"
ls "$report"
exit $status
