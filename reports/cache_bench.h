// The cache benchmark's report: `cache ls` and `cache prune` against the
// number of repositories (benchmarks/cache_benchmark.cpp), and its targets —
// a prune of the 200-repository cache to a keep list of 20 in under 60 s,
// `cache ls` in under 5 s, both under 100 MB of peak memory, the dry run
// agreeing with the real prune to the byte, no kept image lost.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/bench_stats.h"

namespace mirrorgate {

inline constexpr double kPruneSecondsTarget = 60;
inline constexpr double kCacheLsSecondsTarget = 5;
inline constexpr double kCachePeakMbTarget = 100;
inline constexpr int kCacheTargetRepositories = 200;

struct CacheBenchRow {
  int repositories = 0;
  const Sample* ls = nullptr;
  const Sample* prune = nullptr;
};

std::vector<CacheBenchRow> cache_bench_rows(const std::map<std::string, Sample>& samples);
std::vector<Target> cache_bench_targets(const std::vector<CacheBenchRow>& rows);
std::string cache_bench_markdown(const std::vector<CacheBenchRow>& rows, const std::vector<Target>& targets);
nlohmann::json cache_bench_json(const std::vector<CacheBenchRow>& rows, const std::vector<Target>& targets);

}  // namespace mirrorgate
