#!/usr/bin/env bash
# The main job on the embedded lab: install, build, then `mirrorgate verify`
# on the shipped files — bring-up, every scenario, the run's report under
# reports/RUN_ID/, tear-down (the mirror's cache stays) — and, when verify
# passed, `mirrorgate bench` (quick profile) with its report. Run as root on
# Debian 12. Extra arguments go to verify (e.g. --keep, --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/build.sh release

echo "== mirrorgate verify"
status=0
build/release/bin/mirrorgate verify --reports reports "$@" || status=$?

# Run ids are UTC timestamps, so the last in glob order is this run's.
shopt -s nullglob
runs=(reports/20*/)
if ((${#runs[@]})) && [[ -f ${runs[-1]}report.md ]]; then
  report=${runs[-1]}
  echo "== report: $report"
  cat "$report/report.md"
fi
((status == 0)) || exit "$status"

echo "== mirrorgate bench (quick profile)"
build/release/bin/mirrorgate bench --reports reports
