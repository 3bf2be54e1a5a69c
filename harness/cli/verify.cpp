// mirrorgate verify: bring the environment up from a set of files, run every
// scenario against it, write the run's reports, take it down. And gate:
// verify, then run the user's command only after a pass.
#include <functional>
#include <future>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "backends/backends.h"
#include "cli/command.h"
#include "cli/run_report.h"
#include "cluster/kind_config.h"
#include "containerd/generations.h"
#include "containerd/hosts_toml.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/paths.h"
#include "hub/stand_in.h"
#include "process/process.h"
#include "reports/report.h"
#include "team/team.h"
#include "verify/diagnose.h"
#include "verify/lab_plan.h"
#include "verify/live.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr auto kScenarioTimeout = std::chrono::minutes(30);
constexpr auto kGateCommandTimeout = std::chrono::hours(24 * 7);

struct VerifyFlags {
  EnvironmentFlags environment;
  bool live = false;         // a read-only look at the user's own running cluster
  std::string probe_image;   // --live: what each node pulls as proof
  fs::path live_images;      // --live: AIOpsLab's images.txt, for offline readiness and quota
  std::string team_cache;    // --live: the team cache kind-registry must go through
  bool keep = false;   // leave the environment up afterwards
  bool purge = false;  // delete the mirror's cache when taking it down
  fs::path reports_root = "reports";  // reports go to reports_root/RUN_ID/
  std::string filter;                 // gtest filter over scenarios; empty: all
};

void add_verify_flags(CLI::App& cmd, VerifyFlags& v) {
  add_environment_flags(cmd, v.environment);
  cmd.add_flag("--keep", v.keep, "leave the environment up afterwards, to look around");
  cmd.add_flag("--purge", v.purge, "delete the mirror's cache when taking the environment down");
  cmd.add_option("--reports", v.reports_root, "reports go to DIR/RUN_ID/")->capture_default_str();
  cmd.add_option("--filter", v.filter, "run only the scenarios matching this gtest filter, e.g. 'OfflinePulls.*'");
  cmd.add_flag("--live", v.live,
               "check the running kind cluster --name (with --backend kind) and its kind-registry as they are, "
               "changing nothing: no lab, no stand-in hub, the real Docker Hub");
  cmd.add_option("--probe-image", v.probe_image,
                 "--live: the image each node pulls as proof (default: a cached image of --images, else busybox:1.36)");
  cmd.add_option("--images", v.live_images, "--live: an image list (AIOpsLab's images.txt): how much of it is cached")
      ->check(CLI::ExistingFile);
  cmd.add_option("--team-cache", v.team_cache,
                 "--live: this machine is one of a team's: its kind-registry must cache through this team cache "
                 "(setup-registry.sh --team-cache URL), not Docker Hub");
}

void write_reports(const fs::path& dir, const VerifyReport& report) {
  write_file_atomic(dir / "report.json", report_json(report).dump(2) + "\n");
  write_file_atomic(dir / "report.md", report_markdown(report));
  write_file_atomic(dir / "junit.xml", junit_xml(report.scenarios, "mirrorgate verify " + report.run_id));
}

std::string upstream_line(const std::map<std::string, UpstreamTraffic>& upstream) {
  if (upstream.empty()) return "the upstream saw no request";
  std::ostringstream out;
  out << "the upstream saw";
  const char* sep = " ";
  for (const auto& [who, c] : upstream) {
    out << sep << who << ": " << c.requests << " requests";
    sep = ", ";
  }
  return out.str();
}

// What each node generation makes of the kind config under test, and the
// line that says so when it is right for some and wrong for others.
// Each hosts.toml the nodes get (docker.io's and every --upstream's), read
// for what passes today but costs minutes when a cache host is down.
void note_dial_timeouts(const EnvironmentOptions& options, const std::string& generation, VerifyReport& report) {
  std::vector<std::pair<std::string, fs::path>> files = {{kDockerIo, options.files.hosts_toml}};
  for (const auto& u : options.upstreams) files.emplace_back(u, options.files.certs_d / u / "hosts.toml");
  for (const auto& [registry, file] : files) {
    const auto text = read_file_if_exists(file);
    if (!text) continue;
    for (const auto& w : dial_timeout_warnings(parse_hosts_toml(*text, file.string()), file.string(), generation)) {
      report.warnings.push_back(w);
    }
  }
}

void note_generations(const EnvironmentOptions& options, VerifyReport& report) {
  try {
    note_dial_timeouts(options, node_generation(options, load_kind_config(options.files.kind_config), nullptr).name,
                       report);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    spdlog::debug("no dial_timeout check: {}", e.what());
  }
  try {
    const auto facts = MirrorFacts::from_files(options.files.kind_config, "", "");
    for (const auto& v : facts.generations) {
      report.generations.push_back({{"generation", v.generation}, {"stands_for", v.stands_for}, {"ok", v.ok}, {"why", v.why}});
    }
    report.portability = generation_portability(facts);
  } catch (const std::exception& e) {
    spdlog::debug("no generation verdicts: {}", e.what());
  }
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
  if (!report.failure.empty()) std::cout << "verify FAILED: " << report.failure << "\n";
  if (!report.portability.empty()) std::cout << "note: " << report.portability << "\n";
  for (const auto& w : report.warnings) std::cout << "warning: " << w << "\n";
  std::cout << upstream_line(report.upstream) << "\n";
  if (const auto& hub = report.docker_hub) {
    std::cout << "Docker Hub counted (quota " << hub->quota_per_address << " per address, " << hub->quota_per_account
              << " per account):";
    if (hub->by_identity.empty()) std::cout << " nothing";
    const char* sep = " ";
    for (const auto& [who, c] : hub->by_identity) {
      std::cout << sep << who << " " << c.pulls_counted << " pulls, " << c.pulls_refused << " refused, "
                << c.tokens_refused << " tokens refused";
      sep = "; ";
    }
    if (hub->quota_per_address.rfind("0/", 0) == 0) std::cout << " — the quota per address is spent";
    std::cout << "\n";
  }
  if (report.environment.is_object() && report.environment.contains("registry_generation")) {
    std::cout << "kind-registry ran registry " << report.environment["registry_generation"].get<std::string>() << "\n";
  }
  std::cout << "verify " << (report.passed ? "PASSED" : "FAILED") << ": " << passed << " passed, " << failed
            << " failed, " << skipped << " skipped in " << static_cast<int>(report.seconds) << " s; report "
            << (dir / "report.md").string() << "\n";
}

// Brings the environment up; on failure fills report.failure (with the
// diagnosis of a mirror that could not start) and returns nullptr. Bad input
// and missing prerequisites keep their exit codes.
std::unique_ptr<Environment> bring_up_for(const ValidatedOptions& valid, VerifyReport& report) {
  const EnvironmentOptions& options = *valid;
  try {
    return bring_up(valid);
  } catch (const UserError&) {
    throw;
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& e) {
    report.failure = std::string("the environment did not come up from these files: ") + e.what();
    // A mirror that cannot start is most often a config that points it
    // wrong (distribution pings its upstream at start-up and panics).
    try {
      for (const auto& f : diagnose_mirror(MirrorFacts::from_files("", options.files.registry_config, ""))) {
        report.failure += "\nwhy: " + f.str();
      }
    } catch (const std::exception&) {
    }
    return nullptr;
  }
}

// The scenarios' output goes to the terminal (`log` empty) or, for a lab
// beside, to `log`.
RunResult run_scenarios(const Environment& env, const fs::path& dir, const std::string& filter, VerifyReport& report,
                        const fs::path& log = {}) {
  const fs::path binary = libexec_file("mirrorgate_scenarios");
  std::vector<std::string> argv{binary.string(), "--gtest_output=json:" + (dir / "gtest.json").string()};
  if (!filter.empty()) argv.push_back("--gtest_filter=" + filter);
  if (log.empty()) {
    spdlog::info("running the scenarios against the {} environment ({})", env.backend(), binary.filename().string());
  }
  try {
    auto variables = attach_variables(env);
    variables["MIRRORGATE_REPORT_DIR"] = fs::absolute(dir).string();
    if (log.empty()) {
      return run(argv, {.timeout = kScenarioTimeout, .check = false, .extra_env = variables, .passthrough = true});
    }
    auto result = run(argv, {.timeout = kScenarioTimeout, .check = false, .extra_env = variables,
                             .stop_on_interrupt = true});
    write_file_atomic(log, result.out + result.err);
    return result;
  } catch (const Interrupted&) {
    report.failure = "interrupted";
    return {};
  } catch (const std::exception& e) {
    report.failure = std::string("cannot run the scenarios: ") + e.what();
    return {};
  }
}

// gtest's results, the pull records, what the upstream saw since `mark`,
// and the environment's description.
void collect_results(VerifyReport& report, const fs::path& dir, const Environment& env, size_t upstream_mark,
                     const RunResult& scenarios) {
  if (auto gtest = read_file_if_exists(dir / "gtest.json")) {
    report.scenarios = parse_gtest_json(*gtest);
  } else if (report.failure.empty()) {
    report.failure = "the scenarios wrote no results (exit code " + std::to_string(scenarios.exit_code) + ")";
  }
  if (auto pulls = read_file_if_exists(dir / "pulls.jsonl")) {
    std::istringstream lines(*pulls);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) report.pulls.push_back(json::parse(line));
    }
  }
  auto upstream = env.upstream_access_log();
  upstream.erase(upstream.begin(), upstream.begin() + static_cast<long>(std::min(upstream_mark, upstream.size())));
  report.upstream = summarize_upstream(env, upstream);
  if (env.has_stand_in_hub()) report.docker_hub = summarize_docker_hub(env, upstream);
  report.environment = describe_environment(env);
}

// One lab beside the first: its scenarios, its results, its report files
// in DIR/beside-K/.
struct RunBeside {
  int k = 0;
  std::optional<ValidatedOptions> options;  // its lab's (Backend::beside)
  std::string filter;
  fs::path dir;
  VerifyReport report;
  RunResult scenarios;
  double seconds = 0;
  // Whether the first lab came up: a lab beside comes up at the same time
  // as the first and runs its scenarios only once the first is up too.
  std::shared_future<bool> first_up;
  // Why it did not come up, when it did not (a name or subnet of it taken
  // on this machine): its scenarios then run in the first lab, after the rest.
  std::string not_up;
};

bool scenarios_passed(const VerifyReport& report, const RunResult& scenarios) {
  bool passed = report.failure.empty() && scenarios.exit_code == 0 && !report.scenarios.empty();
  for (const auto& s : report.scenarios) passed = passed && (s.passed || s.skipped);
  return passed;
}

// The test images of the run, generated into the store where they are not
// yet: labs that come up at the same time then only read them.
void prepare_test_images(const EnvironmentOptions& options) {
  const TestImageStore store(options.image_store);
  (void)build_test_images(options.files.images, store);
}

// Its scenarios in `env` and their results into its report; the output to
// `log`, or to the terminal when `log` is empty.
void run_family(const Environment& env, RunBeside& side, const fs::path& log) {
  const size_t mark = env.upstream_access_log().size();
  side.scenarios = run_scenarios(env, side.dir, side.filter, side.report, log);
  try {
    collect_results(side.report, side.dir, env, mark, side.scenarios);
  } catch (const std::exception& e) {
    side.report.failure = std::string("reading the results failed: ") + e.what();
  }
}

// Up, its scenarios, results, down (its cache stays unless purge); never
// throws: what goes wrong is its report's failure.
void run_beside(RunBeside& side, bool purge) {
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<Environment> env;
  try {
    fs::create_directories(side.dir);
    env = bring_up(*side.options);
  } catch (const Interrupted& e) {
    side.report.failure = std::string("interrupted while coming up: ") + e.what();
    return;
  } catch (const std::exception& e) {
    side.not_up = e.what();
    spdlog::warn("lab beside {} did not come up ({}); its scenarios run in the first lab after the rest", side.k,
                 side.not_up);
    return;
  }
  if (!side.first_up.get()) {
    side.report.failure = "not run: the first lab did not come up";
    finish_run(*env, /*keep=*/false, purge);
    return;
  }
  run_family(*env, side, side.dir / "scenarios.log");
  finish_run(*env, /*keep=*/false, purge);
  side.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int passed = 0, failed = 0;
  for (const auto& s : side.report.scenarios) (s.passed || s.skipped ? passed : failed) += 1;
  spdlog::info("lab beside {} ({}): {} passed, {} failed in {:.1f} s{}", side.k, side.filter, passed, failed,
               side.seconds, side.report.failure.empty() ? "" : "; " + side.report.failure);
}

// A lab beside's results into the run's: its scenarios and pulls, what its
// upstream saw (added up by client), what its stand-in counted.
void merge_beside(VerifyReport& report, const RunBeside& side) {
  const auto& r = side.report;
  if (!r.failure.empty()) {
    report.failure += (report.failure.empty() ? "" : "\n") + std::string("lab beside ") + std::to_string(side.k) +
                      " (" + side.filter + "): " + r.failure +
                      (side.not_up.empty() ? "; its output: " + (side.dir / "scenarios.log").string() : "");
  }
  report.scenarios.insert(report.scenarios.end(), r.scenarios.begin(), r.scenarios.end());
  for (const auto& p : r.pulls) report.pulls.push_back(p);
  for (const auto& [who, t] : r.upstream) report.upstream[who] += t;
  if (r.docker_hub) {
    if (!report.docker_hub) report.docker_hub = DockerHubSummary{{}, r.docker_hub->quota_per_address, r.docker_hub->quota_per_account};
    for (const auto& [who, c] : r.docker_hub->by_identity) report.docker_hub->by_identity[who] += c;
  }
  report.environment["labs_beside"].push_back({{"lab", side.k},
                                               {"scenarios", side.filter},
                                               {"ran_in", side.not_up.empty() ? "its own lab" : "the first lab"},
                                               {"not_up", side.not_up},
                                               {"seconds", side.seconds},
                                               {"reports", side.dir.string()},
                                               {"passed", scenarios_passed(r, side.scenarios)}});
}

// The scenarios the binary has ("Suite.Test"), from --gtest_list_tests.
std::vector<std::string> listed_scenarios() {
  return parse_gtest_list(run({libexec_file("mirrorgate_scenarios").string(), "--gtest_list_tests"}).out);
}

// With the scenarios spread over several labs: each ran exactly once.
std::string spread_problem(const VerifyReport& report) {
  std::map<std::string, int> ran;
  for (const auto& s : report.scenarios) ++ran[s.suite + "." + s.name];
  std::string missing, twice;
  for (const auto& name : listed_scenarios()) {
    const int n = ran.count(name) ? ran.at(name) : 0;
    if (n == 0) missing += (missing.empty() ? "" : ", ") + name;
    if (n > 1) twice += (twice.empty() ? "" : ", ") + name;
  }
  std::string out;
  if (!missing.empty()) out += "scenarios that ran in no lab: " + missing;
  if (!twice.empty()) out += (out.empty() ? "" : "; ") + std::string("scenarios that ran in two labs: ") + twice;
  return out;
}

// Joins every thread it holds, however the scope is left.
struct JoinAll {
  std::vector<std::thread> threads;
  ~JoinAll() {
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

// The labs beside the first, one per entry of labs_beside(), each with the
// scenarios plan_labs gives it, its options and its output directory; none
// unless every one of them can be planned (then everything runs in the
// first lab). `first` gets the first lab's scenarios.
// With --machines N (more than 1) the last lab beside is the team lab: N
// machines and the team tier, running the TeamCache scenarios; the others
// run one machine each (`single`).
std::vector<RunBeside> plan_labs_beside(const ValidatedOptions& valid, const ValidatedOptions& single, const fs::path& dir,
                                        const std::string& run_id, std::vector<std::string>& first) {
  const bool team = valid->local.machines > 1;
  const auto plan = plan_labs(listed_scenarios(), team);
  std::vector<RunBeside> sides;
  for (size_t i = 1; i < plan.size(); ++i) {
    const bool team_lab = team && i + 1 == plan.size();
    auto side = beside(team_lab ? valid : single, static_cast<int>(i));
    if (!side) return {};
    RunBeside run;
    run.k = static_cast<int>(i);
    run.options = std::move(side);
    run.filter = exact_filter(plan[i]);
    run.dir = dir / ("beside-" + std::to_string(run.k));
    run.report.run_id = run_id;
    sides.push_back(std::move(run));
  }
  first = plan.front();
  return sides;
}

// Whether verify passes: every lab's scenarios passed or skipped, their
// results merged into `report`, and — with labs beside — every scenario
// ran exactly once among them. Why not goes into report.failure.
bool judge(VerifyReport& report, const RunResult& scenarios, const std::vector<RunBeside>& sides) {
  bool all_passed = scenarios_passed(report, scenarios);
  for (const auto& side : sides) {
    all_passed = all_passed && scenarios_passed(side.report, side.scenarios);
    merge_beside(report, side);
  }
  if (sides.empty() || !all_passed) return all_passed;
  auto fail = [&](const std::string& why) {
    report.failure += (report.failure.empty() ? "" : "\n") + why;
    return false;
  };
  try {
    if (auto problem = spread_problem(report); !problem.empty()) return fail(problem);
  } catch (const std::exception& e) {
    return fail(std::string("cannot list the scenarios: ") + e.what());
  }
  return true;
}

void print_live(const LiveReport& live) {
  for (const auto& c : live.checks) {
    std::cout << std::left << std::setw(5) << to_string(c.verdict) << " " << c.where << ": " << c.check << "\n";
    if (c.verdict != Verdict::pass || c.check.find("quota") != std::string::npos ||
        c.check.find("readiness") != std::string::npos) {
      std::istringstream lines(c.detail);
      for (std::string line; std::getline(lines, line);) std::cout << "      " << line << "\n";
    }
    // Which images are not ready, and why: one line each.
    if (c.check.find("readiness") != std::string::npos) {
      for (const auto& e : c.evidence) std::cout << "        " << e << "\n";
    }
  }
}

// verify --live: the user's own cluster, read-only, against the real Docker Hub.
int run_live_verify(const VerifyFlags& flags, const GlobalOptions&) {
  const auto& options = flags.environment.options;
  if (!flags.team_cache.empty()) {
    if (const auto problem = team_cache_url_problem(flags.team_cache)) throw bad_flag("--team-cache", *problem);
  }
  const auto started = std::chrono::steady_clock::now();
  VerifyReport report;
  report.run_id = utc_stamp();
  const fs::path dir = flags.reports_root / report.run_id;
  fs::create_directories(dir);
  const std::string cluster = options.cluster_name.empty() ? "kind" : options.cluster_name;
  try {
    auto env = attach_live(options.backend, cluster);
    const LiveReport live = verify_live(*env, {flags.probe_image, flags.live_images, std::chrono::seconds(120),
                                               flags.team_cache});
    report.scenarios = live_report_results(live);
    report.live = live_report_json(live);
    report.live_markdown = live_report_markdown(live);
    report.environment = describe_environment(*env);
    report.passed = live.passed();
    print_live(live);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    report.failure = e.what();
    std::cout << "verify --live could not look at cluster " << cluster << ": " << e.what() << "\n";
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  write_reports(dir, report);
  std::cout << "verify --live " << (report.passed ? "PASSED" : "FAILED") << " for cluster " << cluster << " in "
            << std::fixed << std::setprecision(1) << report.seconds << " s; report " << (dir / "report.md").string()
            << "\n";
  return report.passed ? to_int(ExitCode::ok) : to_int(ExitCode::failure);
}

int run_verify(const VerifyFlags& flags, const GlobalOptions& global) {
  if (flags.live) return run_live_verify(flags, global);
  if (!flags.live_images.empty() || !flags.probe_image.empty() || !flags.team_cache.empty()) {
    throw bad_flag(!flags.team_cache.empty() ? "--team-cache" : flags.live_images.empty() ? "--probe-image" : "--images",
                   "goes with --live (the embedded lab's own images are --test-images)");
  }
  const auto valid = validated(flags.environment.resolve(global));
  if (valid->local.per_machine_caches) {
    throw bad_flag("--per-machine-caches", "the TeamCache scenarios prove the team tier; verify runs no lab without it "
                                           "(bring one up with `mirrorgate up --machines N --per-machine-caches`)");
  }
  // The first lab and those beside it run one machine; with --machines N a
  // team lab beside them runs N (plan_labs_beside).
  const auto single = with_one_machine(valid);
  const EnvironmentOptions& options = *single;
  if (valid->local.machines > 1 && !flags.filter.empty()) {
    throw bad_flag("--machines", "runs the TeamCache scenarios in a lab of their own beside the others; "
                                 "leave out --filter, or bring a lab of N machines up with `mirrorgate up --machines N`");
  }
  install_interrupt_handlers();
  const auto started = std::chrono::steady_clock::now();
  VerifyReport report;
  report.run_id = utc_stamp();
  const fs::path dir = flags.reports_root / report.run_id;
  fs::create_directories(dir);
  report.files = {{"kind_config", fs::absolute(options.files.kind_config).string()},
                  {"registry_config", fs::absolute(options.files.registry_config).string()},
                  {"hosts_toml", fs::absolute(options.files.hosts_toml).string()}};
  auto finish = [&] {
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    write_reports(dir, report);
    print_summary(report, dir);
    return report.passed ? to_int(ExitCode::ok) : to_int(ExitCode::failure);
  };

  note_generations(options, report);
  // Every scenario: those plan_labs puts beside in labs of their own,
  // brought up at the same time as this one, while the rest runs here.
  std::vector<std::string> first_lab;
  auto sides =
      flags.filter.empty() ? plan_labs_beside(valid, single, dir, report.run_id, first_lab) : std::vector<RunBeside>{};
  const bool side_by_side = !sides.empty();
  const std::string filter = side_by_side ? exact_filter(first_lab) : flags.filter;
  std::unique_ptr<Environment> env;
  RunResult scenarios;
  size_t upstream_mark = 0;
  {
    // Set however this scope is left, so no lab beside waits for it forever.
    std::promise<bool> first_up;
    bool first_up_set = false;
    auto say_first_up = [&](bool up) {
      if (!first_up_set) first_up.set_value(up);
      first_up_set = true;
    };
    // Declared before on_exit, so destroyed after it: the labs beside hear
    // that the first is not up before they are waited for.
    JoinAll beside_threads;
    struct SayOnExit {
      std::function<void()> say;
      ~SayOnExit() { say(); }
    } on_exit{[&] { say_first_up(false); }};
    if (!sides.empty()) {
      // They share the first lab's test images: made here once, before any
      // of the labs starts, so that none of them writes the store.
      prepare_test_images(options);
      const auto shared = first_up.get_future().share();
      for (auto& side : sides) {
        side.first_up = shared;
        spdlog::info("lab beside {} comes up to run {} at the same time (its output: {})", side.k, side.filter,
                     (side.dir / "scenarios.log").string());
        beside_threads.threads.emplace_back([&side, &flags] { run_beside(side, flags.purge); });
      }
    }
    env = bring_up_for(single, report);
    say_first_up(env != nullptr);
    if (!env) return finish();
    upstream_mark = env->upstream_access_log().size();
    scenarios = run_scenarios(*env, dir, filter, report);
  }
  // Whatever goes wrong while reading results, the environment still comes down.
  try {
    collect_results(report, dir, *env, upstream_mark, scenarios);
  } catch (const std::exception& e) {
    report.failure = std::string("reading the results failed: ") + e.what();
  }
  // The families of a lab beside that did not come up, here, after the rest
  // (the first lab's results are read first, so nothing is counted twice).
  for (auto& side : sides) {
    if (side.not_up.empty()) continue;
    spdlog::info("running {} in the first lab (lab beside {} did not come up)", side.filter, side.k);
    const auto started_here = std::chrono::steady_clock::now();
    run_family(*env, side, {});
    side.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_here).count();
  }
  report.passed = judge(report, scenarios, sides);
  finish_run(*env, flags.keep, flags.purge);
  if (flags.keep && !sides.empty()) std::cout << "the labs beside it are down (their caches stay)\n";
  return finish();
}

}  // namespace

Action define_verify(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<VerifyFlags>();
  add_verify_flags(cmd, *flags);
  cmd.footer(
      "\nExit 0 only when every scenario passed. A failing scenario says what is wrong in terms of\n"
      "your files (e.g. \"node kind-worker: …/hosts.toml is missing\") and shows the log lines.\n"
      "Reports: DIR/RUN_ID/report.md, report.json, junit.xml, gtest.json, pulls.jsonl.\n"
      "On the embedded lab without --filter, the scenarios that stop Docker Hub or restart kind-registry\n"
      "(OfflineRestart, OfflinePulls) run at the same time as the rest, in two labs of their own beside\n"
      "the first (state: STATE/side-labs/K, its cache kept like the first's; output: DIR/RUN_ID/beside-K/);\n"
      "one that cannot come up (a name or subnet of it taken) runs its scenarios in the first, after the rest.\n\n"
      "Examples:\n"
      "  mirrorgate verify\n"
      "  mirrorgate verify --hosts-toml my-hosts.toml --keep\n"
      "  mirrorgate verify --filter 'OfflinePulls.*'\n"
      "  mirrorgate verify --live --backend kind --name aiopslab --images images.txt   # your own cluster, read-only");
  return [flags, &global] { return run_verify(*flags, global); };
}

Action define_gate(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<VerifyFlags>();
  auto command = std::make_shared<std::vector<std::string>>();
  add_verify_flags(cmd, *flags);
  cmd.add_option("command", *command, "the command to run after a pass (after --)")->required();
  cmd.footer("\nExit code: the command's when verify passed (128+N when a signal N ended it); 1, and the\n"
             "command never runs, when verify failed.\n\n"
             "Examples:\n  mirrorgate gate -- python3 run_experiment.py --app hotel\n"
             "  mirrorgate gate --live --backend kind --name aiopslab --images images.txt -- python3 run_experiment.py");
  return [flags, command, &global] {
    const int rc = run_verify(*flags, global);
    if (rc != 0) {
      std::cerr << "mirrorgate gate: verify failed; not running " << join_argv(*command) << "\n";
      return rc;
    }
    std::cout << "gate open: running " << join_argv(*command) << "\n";
    return run(*command, {.timeout = kGateCommandTimeout, .check = false, .passthrough = true}).exit_code;
  };
}

}  // namespace mirrorgate
