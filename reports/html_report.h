// The benchmark report as one self-contained HTML page: inline CSS and SVG
// charts, no script, nothing fetched, so it opens from a CI artifact or a
// mail attachment as it is.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/bench_stats.h"

namespace mirrorgate {

// Bar colours, one per pull mode; the browser test looks for them in a
// screenshot to prove the charts were drawn.
struct ChartColors {
  static constexpr const char* cold = "#c0392b";
  static constexpr const char* warm = "#1e9e4a";
  static constexpr const char* direct = "#2471c8";
  static constexpr const char* direct_unshaped = "#7fb3e6";
  static constexpr const char* floor = "#9c7a2b";
  static constexpr const char* herd = "#e67e22";
  static constexpr const char* herd_prewarmed = "#8e44ad";
};

std::string bench_report_html(const std::map<std::string, Sample>& samples,
                              const std::vector<Comparison>& comparisons, const std::vector<Target>& targets,
                              const nlohmann::json& environment, const DockerHubCost& hub = {});

}  // namespace mirrorgate
