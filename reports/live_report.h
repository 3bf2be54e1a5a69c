// The report of a live verify (verify/live): pure data, and the text made
// from it — report.json's section, report.md's tables, JUnit's test cases.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report.h"

namespace mirrorgate {

// Docker Hub's pull quota as the cache's identity sees it.
struct QuotaReading {
  bool known = false;        // the response carried ratelimit headers
  int limit = 0;             // pulls per window
  int remaining = 0;
  int window_seconds = 0;
  std::string source;        // docker-ratelimit-source: the address or account counted
  std::string identity;      // "anonymous (kind-registry's address)" or "account NAME"
};

enum class Verdict { pass, fail, warn, info, skip };
const char* to_string(Verdict v);

struct LiveCheck {
  std::string check;  // what is checked, e.g. "node pulls through the cache"
  std::string where;  // a node's name, or kind-registry, or Docker Hub
  Verdict verdict = Verdict::info;
  std::string detail;                 // what was seen, in the user's terms; with the fix when it failed
  std::vector<std::string> evidence;  // log lines, file lines
  double seconds = 0;
};

struct ImageReadiness {
  std::string image;   // as listed
  std::string status;  // "cached", "not cached", "not covered" (no cache of its registry), "invalid"
  std::string detail;
};

struct LiveReport {
  std::vector<LiveCheck> checks;
  std::vector<ImageReadiness> images;
  QuotaReading quota;
  bool passed() const;         // no check failed
  int cached() const;
  int covered() const;         // images of the list whose registry the cluster caches
};

nlohmann::json live_report_json(const LiveReport& report);
std::string live_report_markdown(const LiveReport& report);
// One JUnit test case per check: suite = the check, name = where.
std::vector<ScenarioResult> live_report_results(const LiveReport& report);

}  // namespace mirrorgate
