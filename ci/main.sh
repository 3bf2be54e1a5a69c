#!/usr/bin/env bash
# The main job on the embedded lab: install, build, then `mirrorgate verify`
# on the shipped files — bring-up, every scenario, the run's report under
# reports/RUN_ID/, tear-down (the mirror's cache stays) — and, when verify
# passed, `mirrorgate bench` (quick profile) with its report. Run as root on
# Debian 12. Extra arguments go to verify (e.g. --keep, --filter); without
# any, verify runs with --machines 3 (the team tier's scenarios too).
# Exits 0 when verify passed and every benchmark measured; the bench's
# targets are reported with their verdicts (`bench --strict` fails on a
# target missed beyond noise). The last lines say what ran and where the
# reports are.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash ci/build.sh release

# Run ids are UTC timestamps, so the last in glob order is the newest run.
newest_report() {
  shopt -s nullglob
  local runs=(reports/20*/)
  ((${#runs[@]})) && [[ -f ${runs[-1]}report.md ]] && echo "${runs[-1]%/}"
}
# "3.1 (registry:3), the shipped default", from a report.json.
generation_of() { sed -n 's/.*"registry_generation": "\(.*\)",\{0,1\}$/\1/p' "$1/report.json" | head -1; }

echo "== mirrorgate verify"
status=0
# Without arguments, with the team tier too: its TeamCache scenarios run in a
# lab of three machines beside the others (docs/team-tier.md).
(($#)) || set -- --machines 3
build/release/bin/mirrorgate verify --reports reports "$@" || status=$?
verify_report=$(newest_report || true)
if [[ -n $verify_report ]]; then
  echo "== report: $verify_report"
  cat "$verify_report/report.md"
fi
if ((status != 0)); then
  echo "== main job FAILED: verify exited $status (report: ${verify_report:-none})"
  exit "$status"
fi

echo "== mirrorgate bench (quick profile)"
bench_status=0
build/release/bin/mirrorgate bench --reports reports || bench_status=$?
bench_report=$(newest_report || true)

echo
outcome="done"
((bench_status == 0)) || outcome="FAILED: bench exited $bench_status"
echo "== main job $outcome in $((($(date +%s) - started) / 60)) min"
echo "verify: PASSED; report $verify_report/report.md"
if [[ -n $bench_report && $bench_report != "$verify_report" ]]; then
  echo "bench: $(head -1 "$bench_report/report.md" | sed 's/^# mirrorgate bench: //'); report $bench_report/report.md"
else
  echo "bench: no report (exit $bench_status)"
fi
echo "kind-registry ran registry $(generation_of "$verify_report")"
exit "$bench_status"
