#include "reports/cache_bench.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace mirrorgate {

using json = nlohmann::json;

namespace {

double series_max(const Sample& s, const std::string& counter) {
  const auto it = s.counter_series.find(counter);
  if (it == s.counter_series.end() || it->second.empty()) return -1;
  return *std::max_element(it->second.begin(), it->second.end());
}

double series_sum(const Sample& s, const std::string& counter) {
  const auto it = s.counter_series.find(counter);
  double sum = 0;
  if (it != s.counter_series.end()) {
    for (double v : it->second) sum += v;
  }
  return sum;
}

std::string fixed(double v, int places) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(places) << v;
  return out.str();
}

// "0.81 s (0.79–0.84, 5 runs)"
std::string seconds_text(const Sample& s) {
  const auto i = median_interval(s.seconds);
  return fixed(i.median, 2) + " s (" + fixed(i.low, 2) + "–" + fixed(i.high, 2) + ", " + std::to_string(i.n) + " runs)";
}

Target time_target(const std::string& what, const Sample* s, double bound) {
  if (!s || s->seconds.empty()) return {what, s ? "not measured: " + s->error : "not measured", TargetVerdict::missed};
  return {what, seconds_text(*s), decide(median_interval(s->seconds), bound, false)};
}

// Memory is a bound every run must keep: met when the largest is under it.
Target peak_target(const std::string& what, const Sample* s, double bound) {
  if (!s || s->seconds.empty()) return {what, "not measured", TargetVerdict::missed};
  const double peak = series_max(*s, "peak_rss_mb");
  return {what, fixed(peak, 1) + " MB at most over " + std::to_string(s->seconds.size()) + " runs",
          peak >= 0 && peak < bound ? TargetVerdict::met : TargetVerdict::missed};
}

}  // namespace

std::vector<CacheBenchRow> cache_bench_rows(const std::map<std::string, Sample>& samples) {
  std::map<int, CacheBenchRow> rows;
  for (const auto& [name, s] : samples) {
    for (const char* kind : {"cache_ls/", "cache_prune/"}) {
      if (name.rfind(kind, 0) != 0) continue;
      const int n = std::atoi(name.c_str() + std::string(kind).size());
      rows[n].repositories = n;
      (std::string(kind) == "cache_ls/" ? rows[n].ls : rows[n].prune) = &s;
    }
  }
  std::vector<CacheBenchRow> out;
  for (auto& [n, r] : rows) out.push_back(r);
  return out;
}

std::vector<Target> cache_bench_targets(const std::vector<CacheBenchRow>& rows) {
  std::vector<Target> out;
  const CacheBenchRow* largest = nullptr;
  for (const auto& r : rows) {
    if (r.repositories == kCacheTargetRepositories) largest = &r;
  }
  const std::string at = " (" + std::to_string(kCacheTargetRepositories) + " repositories)";
  if (largest) {
    out.push_back(time_target("cache prune to a keep list of 20 < 60 s" + at, largest->prune, kPruneSecondsTarget));
    out.push_back(time_target("cache ls < 5 s" + at, largest->ls, kCacheLsSecondsTarget));
    out.push_back(peak_target("cache prune peak memory < 100 MB, garbage-collect included" + at, largest->prune,
                              kCachePeakMbTarget));
    out.push_back(peak_target("cache ls peak memory < 100 MB" + at, largest->ls, kCachePeakMbTarget));
  }
  double disagreements = 0, lost = 0, prunes = 0;
  for (const auto& r : rows) {
    if (!r.prune) continue;
    disagreements += series_sum(*r.prune, "dry_run_disagreements");
    lost += series_sum(*r.prune, "kept_lost") + series_sum(*r.prune, "kept_lost_served");
    prunes += static_cast<double>(r.prune->seconds.size());
  }
  if (prunes > 0) {
    out.push_back({"a prune's dry run says to the byte what it freed",
                   fixed(disagreements, 0) + " of " + fixed(prunes, 0) + " prunes disagreed",
                   disagreements == 0 ? TargetVerdict::met : TargetVerdict::missed});
    out.push_back({"0 kept images lost by a prune (checked in the storage, and served with every blob's digest)",
                   fixed(lost, 0) + " lost over " + fixed(prunes, 0) + " prunes",
                   lost == 0 ? TargetVerdict::met : TargetVerdict::missed});
  }
  return out;
}

std::string cache_bench_markdown(const std::vector<CacheBenchRow>& rows, const std::vector<Target>& targets) {
  std::ostringstream md;
  md << "## cache ls and cache prune\n\n"
     << "Synthetic caches written by distribution itself: app images on three shared bases, own layers log-normal "
        "around 1 MiB; a prune keeps 20 images spread over the cache. Peak memory is the largest resident set "
        "(VmHWM, read every 2 ms) of the mirrorgate process and of its children (the prune's `registry "
        "garbage-collect`).\n\n"
     << "| repositories | blob bytes before | freed by the prune | cache ls | ls peak | prune | prune peak |\n"
     << "|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    md << "| " << r.repositories << " | ";
    md << (r.prune ? fixed(r.prune->counters.count("bytes_before") ? r.prune->counters.at("bytes_before") / 1e6 : 0, 1) + " MB"
                   : "-")
       << " | "
       << (r.prune ? fixed(r.prune->counters.count("bytes_freed") ? r.prune->counters.at("bytes_freed") / 1e6 : 0, 1) + " MB"
                   : "-")
       << " | " << (r.ls && !r.ls->seconds.empty() ? seconds_text(*r.ls) : "-") << " | "
       << (r.ls ? fixed(series_max(*r.ls, "peak_rss_mb"), 1) + " MB" : "-") << " | "
       << (r.prune && !r.prune->seconds.empty() ? seconds_text(*r.prune) : "-") << " | "
       << (r.prune ? fixed(series_max(*r.prune, "peak_rss_mb"), 1) + " MB" : "-") << " |\n";
  }
  md << targets_table_markdown(targets);
  return md.str();
}

json cache_bench_json(const std::vector<CacheBenchRow>& rows, const std::vector<Target>& targets) {
  json out = {{"rows", json::array()}, {"targets", json::array()}};
  for (const auto& r : rows) {
    json row = {{"repositories", r.repositories}};
    if (r.ls) row["ls_seconds"] = r.ls->seconds, row["ls_peak_rss_mb"] = series_max(*r.ls, "peak_rss_mb");
    if (r.prune) {
      row["prune_seconds"] = r.prune->seconds;
      row["prune_peak_rss_mb"] = series_max(*r.prune, "peak_rss_mb");
      row["counters"] = r.prune->counters;
    }
    out["rows"].push_back(row);
  }
  out["targets"] = targets_section_json(targets);
  return out;
}

}  // namespace mirrorgate
