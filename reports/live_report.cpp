#include "reports/live_report.h"

#include <algorithm>
#include <sstream>

namespace mirrorgate {

using json = nlohmann::json;

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "FAIL";
    case Verdict::warn: return "warn";
    case Verdict::info: return "info";
    case Verdict::skip: return "skip";
  }
  return "?";
}

bool LiveReport::passed() const {
  return std::none_of(checks.begin(), checks.end(), [](const LiveCheck& c) { return c.verdict == Verdict::fail; });
}

int LiveReport::cached() const {
  return static_cast<int>(std::count_if(images.begin(), images.end(), [](const ImageReadiness& r) { return r.status == "cached"; }));
}

int LiveReport::covered() const {
  return static_cast<int>(std::count_if(images.begin(), images.end(), [](const ImageReadiness& r) {
    return r.status != "not covered" && r.status != "invalid";
  }));
}

json live_report_json(const LiveReport& r) {
  json j = {{"passed", r.passed()}, {"checks", json::array()}, {"images", json::array()}};
  for (const auto& c : r.checks) {
    j["checks"].push_back({{"check", c.check}, {"where", c.where}, {"verdict", to_string(c.verdict)},
                           {"detail", c.detail}, {"evidence", c.evidence}, {"seconds", c.seconds}});
  }
  for (const auto& i : r.images) j["images"].push_back({{"image", i.image}, {"status", i.status}, {"detail", i.detail}});
  j["offline_ready"] = {{"cached", r.cached()}, {"covered_images", r.covered()}, {"listed", r.images.size()}};
  j["docker_hub_quota"] = {{"identity", r.quota.identity}, {"known", r.quota.known}, {"limit", r.quota.limit},
                           {"remaining", r.quota.remaining}, {"window_seconds", r.quota.window_seconds},
                           {"source", r.quota.source}};
  return j;
}

std::string live_report_markdown(const LiveReport& r) {
  std::ostringstream md;
  md << "## Live checks\n\n| check | where | verdict | detail |\n|---|---|---|---|\n";
  auto cell = [](std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  for (const auto& c : r.checks) {
    md << "| " << cell(c.check) << " | " << cell(c.where) << " | " << to_string(c.verdict) << " | " << cell(c.detail) << " |\n";
  }
  if (!r.images.empty()) {
    md << "\n## Offline readiness\n\n" << r.cached() << " of " << r.covered() << " images from registries the cluster caches are cached.\n\n"
       << "| image | status | detail |\n|---|---|---|\n";
    for (const auto& i : r.images) md << "| " << cell(i.image) << " | " << i.status << " | " << cell(i.detail) << " |\n";
  }
  md << "\n## Docker Hub quota\n\n";
  if (r.quota.known) {
    md << r.quota.remaining << " of " << r.quota.limit << " pulls left per " << r.quota.window_seconds << " s for "
       << r.quota.identity << ".\n";
  } else {
    md << "Not known for " << (r.quota.identity.empty() ? "the cache" : r.quota.identity) << " (see the checks).\n";
  }
  return md.str();
}

std::vector<ScenarioResult> live_report_results(const LiveReport& r) {
  std::vector<ScenarioResult> out;
  for (const auto& c : r.checks) {
    ScenarioResult s;
    s.suite = c.check;
    s.name = c.where;
    s.seconds = c.seconds;
    s.passed = c.verdict != Verdict::fail;
    s.skipped = c.verdict == Verdict::skip;
    if (c.verdict == Verdict::fail) {
      std::string failure = c.detail;
      for (const auto& e : c.evidence) failure += "\n    " + e;
      s.failures.push_back(failure);
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace mirrorgate
