#include "reports/report.h"

#include <cstdio>

#include <iomanip>
#include <map>
#include <sstream>

namespace mirrorgate {

using json = nlohmann::json;

namespace {

double seconds_of(const json& t) {
  // gtest writes durations as "0.123s".
  if (t.is_string()) {
    try {
      return std::stod(t.get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return t.is_number() ? t.get<double>() : 0;
}

std::string status_of(const ScenarioResult& r) { return r.skipped ? "skipped" : r.passed ? "passed" : "FAILED"; }

}  // namespace

UpstreamTraffic& operator+=(UpstreamTraffic& to, const UpstreamTraffic& t) {
  to.requests += t.requests;
  to.manifest_heads += t.manifest_heads;
  to.manifest_gets += t.manifest_gets;
  to.blob_gets += t.blob_gets;
  to.bytes += t.bytes;
  return to;
}

DockerHubCount& operator+=(DockerHubCount& to, const DockerHubCount& c) {
  to.pulls_counted += c.pulls_counted;
  to.pulls_refused += c.pulls_refused;
  to.manifest_heads += c.manifest_heads;
  to.tokens_issued += c.tokens_issued;
  to.tokens_refused += c.tokens_refused;
  return to;
}

void to_json(nlohmann::json& j, const UpstreamTraffic& t) {
  j = {{"requests", t.requests},   {"manifest_heads", t.manifest_heads}, {"manifest_gets", t.manifest_gets},
       {"blob_gets", t.blob_gets}, {"bytes", t.bytes}};
}

void to_json(nlohmann::json& j, const DockerHubCount& c) {
  j = {{"pulls_counted", c.pulls_counted},   {"pulls_refused", c.pulls_refused},
       {"manifest_heads", c.manifest_heads}, {"tokens_issued", c.tokens_issued},
       {"tokens_refused", c.tokens_refused}};
}

void to_json(nlohmann::json& j, const DockerHubSummary& s) {
  j = {{"by_identity", s.by_identity}, {"quota_per_address", s.quota_per_address},
       {"quota_per_account", s.quota_per_account}};
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\t': case '\n': case '\r': out += c; break;
      default:
        // XML 1.0 has no control characters, not even as &#N;: shown as text.
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char shown[8];
          std::snprintf(shown, sizeof shown, "\\x%02X", static_cast<unsigned char>(c));
          out += shown;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::vector<ScenarioResult> parse_gtest_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("not gtest JSON output: ") + e.what());
  }
  if (!j.contains("testsuites")) throw std::runtime_error("not gtest JSON output: no testsuites");
  std::vector<ScenarioResult> out;
  for (const auto& suite : j["testsuites"]) {
    for (const auto& test : suite.value("testsuite", json::array())) {
      ScenarioResult r;
      r.suite = suite.value("name", "");
      r.name = test.value("name", "");
      r.seconds = seconds_of(test.value("time", json()));
      r.skipped = test.value("result", "") == "SKIPPED";
      for (const auto& f : test.value("failures", json::array())) r.failures.push_back(f.value("failure", ""));
      r.passed = !r.skipped && r.failures.empty() && test.value("status", "RUN") == "RUN";
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::string junit_xml(const std::vector<ScenarioResult>& results, const std::string& suite_name) {
  std::map<std::string, std::vector<const ScenarioResult*>> suites;
  for (const auto& r : results) suites[r.suite].push_back(&r);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" << xml_escape(suite_name) << "\">\n";
  for (const auto& [name, tests] : suites) {
    int failures = 0, skipped = 0;
    double time = 0;
    for (const auto* t : tests) {
      failures += !t->passed && !t->skipped;
      skipped += t->skipped;
      time += t->seconds;
    }
    x << "  <testsuite name=\"" << xml_escape(name) << "\" tests=\"" << tests.size() << "\" failures=\"" << failures
      << "\" skipped=\"" << skipped << "\" time=\"" << time << "\">\n";
    for (const auto* t : tests) {
      x << "    <testcase classname=\"" << xml_escape(name) << "\" name=\"" << xml_escape(t->name) << "\" time=\""
        << t->seconds << "\"";
      if (t->passed) {
        x << "/>\n";
        continue;
      }
      x << ">\n";
      if (t->skipped) x << "      <skipped/>\n";
      for (const auto& f : t->failures) {
        auto first_line = f.substr(0, f.find('\n'));
        x << "      <failure message=\"" << xml_escape(first_line) << "\">" << xml_escape(f) << "</failure>\n";
      }
      x << "    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

json report_json(const VerifyReport& r) {
  json scenarios = json::array();
  for (const auto& s : r.scenarios) {
    scenarios.push_back({{"suite", s.suite}, {"name", s.name}, {"status", status_of(s)}, {"seconds", s.seconds},
                         {"failures", s.failures}});
  }
  json out = {{"run_id", r.run_id},         {"verdict", r.passed ? "pass" : "fail"}, {"seconds", r.seconds},
              {"failure", r.failure},       {"files", r.files},                      {"environment", r.environment},
              {"upstream", r.upstream},     {"pulls", r.pulls},                      {"scenarios", scenarios}};
  if (!r.live.is_null()) out["live"] = r.live;
  if (r.docker_hub) out["docker_hub"] = *r.docker_hub;
  out["node_generations"] = r.generations;
  if (!r.portability.empty()) out["portability"] = r.portability;
  if (!r.warnings.empty()) out["warnings"] = r.warnings;
  return out;
}

std::string report_markdown(const VerifyReport& r) {
  std::ostringstream md;
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& s : r.scenarios) {
    passed += s.passed;
    skipped += s.skipped;
    failed += !s.passed && !s.skipped;
  }
  md << "# mirrorgate verify " << r.run_id << ": " << (r.passed ? "PASS" : "FAIL") << "\n\n";
  md << passed << " passed, " << failed << " failed, " << skipped << " skipped in " << std::fixed << std::setprecision(1)
     << r.seconds << " s.\n\n";
  if (!r.failure.empty()) md << "**The environment did not come up:**\n\n```\n" << r.failure << "\n```\n\n";
  if (!r.live_markdown.empty()) md << r.live_markdown << "\n";
  if (r.files.is_object() && !r.files.empty()) {
    md << "| file under test | path |\n|---|---|\n";
    for (const auto& [k, v] : r.files.items()) md << "| " << k << " | `" << v.get<std::string>() << "` |\n";
    md << "\n";
  }
  if (!r.scenarios.empty() && r.live_markdown.empty()) {
    md << "| scenario | result | seconds |\n|---|---|---:|\n";
    for (const auto& s : r.scenarios) {
      md << "| " << s.suite << "." << s.name << " | " << status_of(s) << " | " << std::setprecision(2) << s.seconds << " |\n";
    }
    md << "\n";
  }
  for (const auto& s : r.scenarios) {
    if (s.passed || s.skipped) continue;
    md << "## " << s.suite << "." << s.name << "\n\n";
    for (const auto& f : s.failures) md << "```\n" << f << "\n```\n\n";
  }
  if (!r.upstream.empty()) {
    md << "## What the upstream saw\n\n| from | requests | manifest HEADs | blob GETs | bytes |\n|---|---:|---:|---:|---:|\n";
    for (const auto& [who, c] : r.upstream) {
      md << "| " << who << " | " << c.requests << " | " << c.manifest_heads << " | " << c.blob_gets << " | " << c.bytes
         << " |\n";
    }
    md << "\n";
  }
  if (r.docker_hub) {
    md << "## Docker Hub's count\n\nQuota: " << r.docker_hub->quota_per_address << " per address, "
       << r.docker_hub->quota_per_account << " per account (a pull is a GET of an image manifest).\n\n"
       << "| counted for | pulls counted | pulls refused (429) | manifest HEADs | tokens issued | tokens refused |\n"
       << "|---|---:|---:|---:|---:|---:|\n";
    for (const auto& [who, c] : r.docker_hub->by_identity) {
      md << "| " << who << " | " << c.pulls_counted << " | " << c.pulls_refused << " | " << c.manifest_heads << " | "
         << c.tokens_issued << " | " << c.tokens_refused << " |\n";
    }
    md << "\n";
  }
  if (!r.pulls.empty()) {
    std::map<std::string, std::pair<int, double>> by_scenario;
    for (const auto& p : r.pulls) {
      auto& [n, total] = by_scenario[p.value("scenario", "")];
      ++n;
      total += p.value("seconds", 0.0);
    }
    md << "## Pulls\n\n| scenario | pulls | mean seconds |\n|---|---:|---:|\n";
    for (const auto& [name, v] : by_scenario) {
      md << "| " << name << " | " << v.first << " | " << std::setprecision(3) << v.second / v.first << " |\n";
    }
    md << "\n";
  }
  if (!r.generations.empty()) {
    md << "## Node generations\n\nWhat each containerd generation makes of the kind config (the rules the real "
          "daemons showed):\n\n| containerd | kind releases | hosts.toml used | why |\n|---|---|---|---|\n";
    for (const auto& g : r.generations) {
      md << "| " << g.value("generation", "") << " | " << g.value("stands_for", "") << " | "
         << (g.value("ok", false) ? "yes" : "**no**") << " | " << g.value("why", "") << " |\n";
    }
    if (!r.portability.empty()) md << "\n**" << r.portability << "**\n";
    md << "\n";
  }
  for (const auto& w : r.warnings) md << "> warning: " << w << "\n\n";
  if (r.environment.is_object()) {
    md << "## Environment\n\n";
    for (const auto& [k, v] : r.environment.items()) md << "- " << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
  }
  return md.str();
}

}  // namespace mirrorgate
