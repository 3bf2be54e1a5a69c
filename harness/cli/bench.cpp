#include "cli/bench.h"

#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/run_info.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "env/backends.h"
#include "process/process.h"
#include "reports/bench_stats.h"
#include "reports/html_report.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

// The benchmark binary names each image it pulled, with its digest, in the
// JSON's context ("fixture 100mb-4layers": "docker.io/…@sha256:…").
nlohmann::json fixture_context(const nlohmann::json& parsed) {
  nlohmann::json fixtures = nlohmann::json::object();
  if (!parsed.contains("context")) return fixtures;
  for (const auto& [key, value] : parsed["context"].items()) {
    if (key.rfind("fixture ", 0) == 0 && value.is_string()) fixtures[key.substr(8)] = value;
  }
  return fixtures;
}

}  // namespace

int run_bench(const BenchOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  const std::string run_id = utc_stamp();
  const fs::path dir = o.reports_root / run_id;
  fs::create_directories(dir);
  const int repetitions = o.repetitions > 0 ? o.repetitions : o.profile == "full" ? 9 : 5;

  LabState state = bring_up(o.lab);
  spdlog::info("benchmarking pulls on {} ({} profile, {} repetitions, upstream {})", state.nodes.front().name,
               o.profile, repetitions, state.upstream_rate.empty() ? "unlimited" : state.upstream_rate);
  std::vector<std::string> argv{o.benchmark_binary.string(), "--benchmark_out=" + (dir / "benchmark.json").string(),
                                "--benchmark_out_format=json"};
  if (!o.filter.empty()) argv.push_back("--benchmark_filter=" + o.filter);
  auto result = run(argv, {.timeout = std::chrono::hours(2),
                           .check = false,
                           .extra_env = {{"MIRRORGATE_STATE", state.state_dir.string()},
                                         {"MIRRORGATE_BENCH_PROFILE", o.profile},
                                         {"MIRRORGATE_BENCH_REPETITIONS", std::to_string(repetitions)}},
                           .passthrough = true});
  nlohmann::json environment = environment_of(state);
  finish_run(state, o.keep, false);
  auto text = read_file_if_exists(dir / "benchmark.json");
  if (result.exit_code != 0 || !text) {
    std::cerr << "mirrorgate bench: the benchmark failed (exit code " << result.exit_code << "); see above\n";
    return static_cast<int>(ExitCode::failure);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto document = parse_benchmark_document(*text);
  auto samples = benchmark_samples(document);
  auto comparisons = compare_modes(samples);
  // The ten-minute target is the quick profile's; the full one takes ~45 min by design.
  auto targets = check_targets(samples, o.profile == "quick" ? seconds : 0);
  environment["profile"] = o.profile;
  environment["repetitions"] = repetitions;
  environment["fixtures"] = fixture_context(document);
  write_file_atomic(dir / "report.json", bench_report_json(samples, comparisons, targets, environment).dump(2) + "\n");
  const std::string md = bench_report_markdown(samples, comparisons, targets, environment);
  write_file_atomic(dir / "report.md", md);
  write_file_atomic(dir / "index.html", bench_report_html(samples, comparisons, targets, environment));
  std::cout << "\n" << md << "\nreport: " << (dir / "report.md").string() << "\n       " << (dir / "index.html").string() << "\n";
  bool ok = true;
  for (const auto& s : samples) ok = ok && s.second.error.empty();
  for (const auto& t : targets) ok = ok && t.met;
  return ok ? 0 : static_cast<int>(ExitCode::failure);
}

}  // namespace mirrorgate
