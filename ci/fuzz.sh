#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer under ASan and UBSan:
#   ci/fuzz.sh [SECONDS per target, default 60] [TARGET...]
# Installs the packages (ci/setup.sh, and clang with its libFuzzer runtime),
# builds the fuzz preset, and runs each target on a working corpus seeded
# from the repository's own files and fuzz/corpus/TARGET, kept between runs
# in /var/cache/mirrorgate/fuzz/TARGET. Prints per target: executions, corpus
# size, and any input that broke the rule of fuzz/fuzz_target.h (left in
# build/fuzz/findings/TARGET/; once fixed, copy it into fuzz/corpus/TARGET so
# the test command replays it). Exits 1 when a target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: ci/fuzz.sh [SECONDS per target] [TARGET...]" >&2; exit 2; }
shift || true
targets=("$@")
((${#targets[@]})) || targets=(reference kind_config registry_config hosts_toml containerd_config logs_and_reports files dns)

bash ci/setup.sh
probe='extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }'
if ! command -v clang++ >/dev/null 2>&1 || ! clang++ -x c++ -fsanitize=fuzzer -o /dev/null - <<<"$probe" >/dev/null 2>&1; then
  echo "ci/fuzz.sh: installing clang and its libFuzzer runtime"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang libclang-rt-14-dev >/dev/null
fi
echo "== configure and build (fuzz preset)"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target "${targets[@]/#/fuzz_}" -- -j"$(nproc)"

cache=/var/cache/mirrorgate/fuzz
found=0
for t in "${targets[@]}"; do
  corpus=$cache/$t findings=build/fuzz/findings/$t
  mkdir -p "$corpus" "$findings"
  if [[ -d fuzz/corpus/$t ]]; then cp -n fuzz/corpus/"$t"/* "$corpus"/; fi
  # The same seeds the tests replay (fuzz/CMakeLists.txt lists them).
  while read -r seed; do
    [[ -n $seed ]] && cp -n "$seed" "$corpus/seed-$(basename "$seed")"
  done <build/fuzz/fuzz/seeds-"$t".txt
  log=build/fuzz/$t.log
  echo "== fuzz_$t: ${seconds}s on $(find "$corpus" -type f | wc -l) inputs"
  status=0
  touch "$findings/.started"  # what an earlier run left there is not this run's finding
  ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "   executions ${execs:-?}, corpus $(find "$corpus" -type f | wc -l) inputs, exit $status"
  if ((status)) || [[ -n $(find "$findings" -type f -newer "$findings/.started") ]]; then
    found=1
    echo "   FINDING: see $log and $findings/"
    grep -m5 -E "contract broken|ERROR: AddressSanitizer|runtime error|deadly signal|timeout" "$log" | sed 's/^/   /' || true
  fi
done
exit "$found"
