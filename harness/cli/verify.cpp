#include "cli/verify.h"

#include "cli/run_info.h"
#include "env/backends.h"

#include <sys/utsname.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "containerd/cri_client.h"
#include "core/error.h"
#include "core/log.h"
#include "core/files.h"
#include "process/process.h"
#include "reports/report.h"
#include "verify/diagnose.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Who asked the upstream for what during the run, by client.
json upstream_summary(const LabState& s, const std::vector<AccessRecord>& records) {
  json out = json::object();
  for (const auto& r : records) {
    std::string who = r.client == s.mirror.address ? "kind-registry" : r.client == s.host_address ? "harness" : r.client;
    for (const auto& n : s.nodes) {
      if (n.containerd.address == r.client) who = n.name + " (straight to the upstream)";
    }
    auto& c = out[who];
    if (c.is_null()) c = json::object();
    c["requests"] = c.value("requests", 0) + 1;
    c["manifest_heads"] = c.value("manifest_heads", 0) + (r.kind == RequestKind::manifest && r.method == "HEAD");
    c["blob_gets"] = c.value("blob_gets", 0) + (r.kind == RequestKind::blob && r.method == "GET");
    c["bytes"] = c.value("bytes", 0LL) + r.bytes;
  }
  return out;
}

void write_reports(const fs::path& dir, const VerifyReport& report) {
  write_file_atomic(dir / "report.json", report_json(report).dump(2) + "\n");
  write_file_atomic(dir / "report.md", report_markdown(report));
  write_file_atomic(dir / "junit.xml", junit_xml(report.scenarios, "mirrorgate verify " + report.run_id));
}

void print_summary(const VerifyReport& report, const fs::path& dir) {
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& s : report.scenarios) {
    passed += s.passed;
    skipped += s.skipped;
    failed += !s.passed && !s.skipped;
  }
  std::cout << "\n";
  for (const auto& s : report.scenarios) {
    if (s.passed || s.skipped) continue;
    std::cout << "FAILED " << s.suite << "." << s.name << "\n";
    for (const auto& f : s.failures) std::cout << "  " << f << "\n";
  }
  std::cout << "verify " << (report.passed ? "PASSED" : "FAILED") << ": " << passed << " passed, " << failed
            << " failed, " << skipped << " skipped in " << static_cast<int>(report.seconds) << " s; report "
            << (dir / "report.md").string() << "\n";
}

}  // namespace

int run_verify(const VerifyOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  VerifyReport report;
  report.run_id = utc_stamp();
  const fs::path dir = o.reports_root / report.run_id;
  fs::create_directories(dir);
  report.files = {{"kind_config", fs::absolute(o.lab.kind_config).string()},
                  {"registry_config", fs::absolute(o.lab.registry_config).string()},
                  {"hosts_toml", fs::absolute(o.lab.hosts_toml).string()}};

  LabState state;
  try {
    state = bring_up(o.lab);
  } catch (const UserError& e) {
    report.failure = e.what();
    report.seconds = elapsed();
    write_reports(dir, report);
    // Bad input and missing prerequisites keep their own exit codes.
    if (e.code() != ExitCode::failure) throw;
    std::cout << "verify FAILED: the lab did not come up: " << e.what() << "\n";
    return static_cast<int>(ExitCode::failure);
  } catch (const std::exception& e) {
    report.failure = e.what();
    // A mirror that cannot start is most often a config that points it
    // wrong (distribution pings its upstream at start-up and panics).
    try {
      for (const auto& f : diagnose_mirror(MirrorFacts::from_files("", o.lab.registry_config, ""))) {
        report.failure += "\nwhy: " + f.str();
      }
    } catch (const std::exception&) {
    }
    report.seconds = elapsed();
    write_reports(dir, report);
    std::cout << "verify FAILED: the lab did not come up from these files: " << report.failure << "\n";
    return static_cast<int>(ExitCode::failure);
  }

  const size_t upstream_mark = parse_access_log(read_file_if_exists(state.hub.access_log).value_or("")).size();
  std::vector<std::string> argv{o.scenarios_binary.string(), "--gtest_output=json:" + (dir / "gtest.json").string()};
  if (!o.filter.empty()) argv.push_back("--gtest_filter=" + o.filter);
  spdlog::info("running the scenarios against the lab ({})", o.scenarios_binary.filename().string());
  RunResult scenarios;
  try {
    scenarios = run(argv, {.timeout = std::chrono::minutes(30),
                           .check = false,
                           .extra_env = {{"MIRRORGATE_STATE", state.state_dir.string()},
                                         {"MIRRORGATE_REPORT_DIR", fs::absolute(dir).string()}},
                           .passthrough = true});
  } catch (const std::exception& e) {
    report.failure = std::string("cannot run the scenarios: ") + e.what();
  }

  // Whatever goes wrong while reading results, the lab still comes down.
  try {
    if (auto gtest = read_file_if_exists(dir / "gtest.json")) {
      try {
        report.scenarios = parse_gtest_json(*gtest);
      } catch (const std::exception& e) {
        report.failure = e.what();
      }
    } else if (report.failure.empty()) {
      report.failure = "the scenarios wrote no results (exit code " + std::to_string(scenarios.exit_code) + ")";
    }
    if (auto pulls = read_file_if_exists(dir / "pulls.jsonl")) {
      std::istringstream lines(*pulls);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) report.pulls.push_back(json::parse(line));
      }
    }
    auto hub_log = parse_access_log(read_file_if_exists(state.hub.access_log).value_or(""));
    if (hub_log.size() > upstream_mark) hub_log.erase(hub_log.begin(), hub_log.begin() + static_cast<long>(upstream_mark));
    else hub_log.clear();
    report.upstream = upstream_summary(state, hub_log);
    report.environment = environment_of(state);
  } catch (const std::exception& e) {
    report.failure = std::string("reading the results failed: ") + e.what();
  }

  bool all_passed = report.failure.empty() && scenarios.exit_code == 0 && !report.scenarios.empty();
  for (const auto& s : report.scenarios) all_passed = all_passed && (s.passed || s.skipped);
  report.passed = all_passed;

  finish_run(state, o.keep, o.purge);
  report.seconds = elapsed();
  write_reports(dir, report);
  print_summary(report, dir);
  return report.passed ? 0 : static_cast<int>(ExitCode::failure);
}

}  // namespace mirrorgate
