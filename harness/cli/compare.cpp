// mirrorgate compare: did warm pulls regress between two bench runs?
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "core/files.h"
#include "reports/bench_stats.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

std::map<std::string, Sample> load_run(const fs::path& file) {
  try {
    return parse_benchmark_json(read_file(file));
  } catch (const std::exception& e) {
    throw bad_input(file.string(), 0, e.what());
  }
}

int compare_files(const fs::path& old_file, const fs::path& new_file, double threshold) {
  const auto results = compare_runs(load_run(old_file), load_run(new_file), "pull/warm/", threshold);
  if (results.empty()) {
    throw UserError(ExitCode::bad_input, "no pull/warm/ benchmark is in both " + old_file.string() + " and " + new_file.string());
  }
  int regressions = 0;
  for (const auto& r : results) {
    std::cout << std::left << std::setw(32) << r.name << std::right << std::fixed << std::setprecision(3) << std::setw(9)
              << r.old_median << " s ->" << std::setw(9) << r.new_median << " s  " << std::showpos << std::setprecision(1)
              << r.change * 100 << "%" << std::noshowpos << "  p=" << std::setprecision(4) << r.p_value
              << (r.regressed ? "  REGRESSED" : "") << "\n";
    regressions += r.regressed;
  }
  std::cout << regressions << " of " << results.size() << " warm pulls regressed beyond " << threshold * 100 << "%\n";
  return regressions ? to_int(ExitCode::failure) : to_int(ExitCode::ok);
}

}  // namespace

Action define_compare(CLI::App& cmd, const GlobalOptions&) {
  auto files = std::make_shared<std::vector<fs::path>>();
  auto threshold = std::make_shared<double>(0.10);
  cmd.add_option("runs", *files, "OLD.json NEW.json: benchmark.json of two `mirrorgate bench` runs")
      ->expected(2)
      ->required()
      ->check(CLI::ExistingFile);
  cmd.add_option("--threshold", *threshold, "slowdown that counts, as a fraction (0.10 = 10 %)")->capture_default_str();
  cmd.footer("\nExit 1 when a warm pull's median got slower than the threshold with a Mann-Whitney U\n"
             "p-value under 0.05 (so noise alone does not fail it). For every benchmark, Google\n"
             "Benchmark's own tool works on the same files:\n"
             "  python3 /usr/share/benchmark/compare.py benchmarks OLD.json NEW.json");
  return [files, threshold] { return compare_files((*files)[0], (*files)[1], *threshold); };
}

}  // namespace mirrorgate
