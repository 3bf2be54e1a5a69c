#!/usr/bin/env bash
# `cache prune --data-dir` end to end on a small synthetic cache written by
# the real registry (the cache benchmark's fixture, 6 repositories): the dry
# run agrees with the real prune to the byte, every kept image is still whole
# and served with every blob's digest checked, and the directory is left.
# Usage: cache_prune_end_to_end.sh BENCHMARK MIRRORGATE WORKDIR
set -euo pipefail
bench=$1 mirrorgate=$2 work=$3
mkdir -p "$work"
out=$work/cache-benchmark.json
"$bench" --mirrorgate "$mirrorgate" --dir "$work" --repos 6 \
  --benchmark_out="$out" --benchmark_out_format=json --benchmark_filter='cache_prune/' >"$work/log" 2>&1 || {
  cat "$work/log"
  exit 1
}
python3 - "$out" <<'PY'
import json, sys
runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
assert runs, "no prune ran"
for b in runs:
    assert not b.get("error_occurred"), b.get("error_message")
    for counter in ("dry_run_disagreements", "kept_lost", "kept_lost_served"):
        assert b[counter] == 0, f"{b['name']}: {counter} = {b[counter]}"
    assert b["kept"] == 6, b["kept"]  # fewer repositories than 20: every one kept
    print(f"{b['name']}: freed {b['bytes_freed']:.0f} of {b['bytes_before']:.0f} bytes, kept {b['kept']:.0f}, "
          f"peak {b['peak_rss_mb']:.1f} MB")
PY
