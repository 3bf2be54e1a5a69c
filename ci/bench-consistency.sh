#!/usr/bin/env bash
# Targets that mean something: runs `mirrorgate bench` (quick profile) N
# times in a row (default 10) and prints, per target, the verdict of every
# run (met, not decided, missed) and its measured interval. A target that a
# correct build decides differently from run to run is measuring noise:
# change the code or the target. Exits non-zero when a run failed to measure
# or a target was decided two ways. Outside CI (about 6 minutes a run).
# Usage: sudo ci/bench-consistency.sh [N [BENCH_OPTION...]]   (after ci/main.sh has built it)
#        ci/bench-consistency.sh --judge DIR   the runs stored in DIR decided again under today's
#                                              statistics (`bench --judge`), with no lab
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
mirrorgate=${MIRRORGATE:-build/release/bin/mirrorgate}
if [[ ${1:-} == --judge ]]; then
  out=${2:?usage: ci/bench-consistency.sh --judge DIR}
  n=$(find "$out" -maxdepth 1 -name 'run-*' -type d | wc -l)
  ((n > 0)) || { echo "ci/bench-consistency.sh: no run-N directory in $out" >&2; exit 2; }
  failed=0
  for i in $(seq 1 "$n"); do
    json=$(find "$out/run-$i" -name benchmark.json | sort | tail -1)
    [[ -n $json ]] || { failed=$((failed + 1)); continue; }
    "$mirrorgate" bench --judge "$json" >"$out/run-$i/judged.json" || failed=$((failed + 1))
  done
else
n=${1:-10}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "ci/bench-consistency.sh: N must be a positive number of runs, not '$n'" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
[[ -x $mirrorgate ]] || { echo "ci/bench-consistency.sh: build first (ci/build.sh release)" >&2; exit 3; }
out=reports/bench-consistency-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
failed=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if "$mirrorgate" bench --reports "$out/run-$i" "$@" >"$out/run-$i.log" 2>&1; then
    echo "run $i/$n: measured in $(($(date +%s) - start)) s"
  else
    failed=$((failed + 1))
    echo "run $i/$n: FAILED to measure (see $out/run-$i.log)"
  fi
done
fi
# One line per target: its verdict in each run, then whether they agree.
python3 - "$out" "$n" <<'PY'
import glob, json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
verdicts, measured = {}, {}
for i in range(1, n + 1):
    judged = os.path.join(out, f"run-{i}", "judged.json")
    reports = sorted(glob.glob(os.path.join(out, f"run-{i}", "*", "report.json")))
    if os.path.exists(judged):
        targets = json.load(open(judged))["targets"]
    elif reports:
        targets = json.load(open(reports[-1]))["targets"]
    else:
        continue
    for t in targets:
        verdicts.setdefault(t["what"], {})[i] = t.get("verdict", "met" if t["met"] else "missed")
        measured.setdefault(t["what"], {})[i] = t["measured"]
split = 0
with open(os.path.join(out, "summary.md"), "w") as md:
    md.write(f"# {n} runs of mirrorgate bench\n\n| target | " + " | ".join(str(i) for i in range(1, n + 1)) + " | same in every run |\n")
    md.write("|---|" + "---|" * n + "---|\n")
    for what, by_run in verdicts.items():
        cells = [by_run.get(i, "–") for i in range(1, n + 1)]
        same = len(set(cells)) == 1 and "–" not in cells
        split += not same
        md.write(f"| {what} | " + " | ".join(cells) + f" | {'yes' if same else '**no**'} |\n")
    md.write("\n## Measured\n\n")
    for what, by_run in measured.items():
        md.write(f"- {what}\n")
        for i, m in sorted(by_run.items()):
            md.write(f"  - run {i}: {m}\n")
print(open(os.path.join(out, "summary.md")).read())
sys.exit(1 if split else 0)
PY
same=$?
echo "summary: $out/summary.md"
((failed == 0 && same == 0))
