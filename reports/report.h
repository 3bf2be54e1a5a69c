// Reports of a verify run: gtest's JSON in, JUnit XML, report.json and a
// Markdown summary (for a CI job summary) out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mirrorgate {

struct ScenarioResult {
  std::string suite;  // the promise family, e.g. OfflinePulls
  std::string name;   // the promise, e.g. CachedImagesPullOnEveryNodeWithTheHubStopped
  bool passed = false;
  bool skipped = false;
  double seconds = 0;
  std::vector<std::string> failures;  // gtest failure messages, diagnostics included
};

// Throws std::runtime_error when `text` is not gtest's --gtest_output=json.
std::vector<ScenarioResult> parse_gtest_json(const std::string& text);

// Text and attribute values for XML and HTML: & < > " escaped.
std::string xml_escape(const std::string& s);

std::string junit_xml(const std::vector<ScenarioResult>& results, const std::string& suite_name);

// What the upstream saw from one client during a run.
struct UpstreamTraffic {
  int requests = 0;
  int manifest_heads = 0;
  int manifest_gets = 0;
  int blob_gets = 0;
  long long bytes = 0;
};
void to_json(nlohmann::json& j, const UpstreamTraffic& t);
// Field by field: what two upstreams saw, added up (verify's labs beside).
UpstreamTraffic& operator+=(UpstreamTraffic& to, const UpstreamTraffic& t);

// What Docker Hub (the stand-in) counted for one identity.
struct DockerHubCount {
  int pulls_counted = 0;
  int pulls_refused = 0;  // 429
  int manifest_heads = 0;
  int tokens_issued = 0;
  int tokens_refused = 0;
};
DockerHubCount& operator+=(DockerHubCount& to, const DockerHubCount& c);
void to_json(nlohmann::json& j, const DockerHubCount& c);

struct DockerHubSummary {
  std::map<std::string, DockerHubCount> by_identity;
  std::string quota_per_address;  // "100/6h"
  std::string quota_per_account;
};
void to_json(nlohmann::json& j, const DockerHubSummary& s);

struct VerifyReport {
  std::string run_id;
  bool passed = false;
  double seconds = 0;
  std::string failure;  // a failure before the scenarios ran (bring-up), if any
  nlohmann::json files;        // the files under test
  nlohmann::json environment;  // versions, kernel, platform, shaping
  std::map<std::string, UpstreamTraffic> upstream;  // what the upstream saw during the run, by client
  // What Docker Hub (the stand-in) counted, by identity, and its quota
  // (verify/pull_evidence summarize_docker_hub); none on the real Docker Hub.
  std::optional<DockerHubSummary> docker_hub;
  nlohmann::json pulls = nlohmann::json::array();  // per node, per image pull records
  // What each containerd generation makes of the kind config under test:
  // [{generation, stands_for, ok, why}]; and the line saying when it differs.
  nlohmann::json generations = nlohmann::json::array();
  std::string portability;
  std::vector<std::string> warnings;  // what passes today but costs time or breaks elsewhere (dial_timeout)
  nlohmann::json live;        // verify --live: checks, offline readiness, quota (reports/live_report)
  std::string live_markdown;  // the same, as report.md sections
  std::vector<ScenarioResult> scenarios;
};

nlohmann::json report_json(const VerifyReport& report);
std::string report_markdown(const VerifyReport& report);

}  // namespace mirrorgate
