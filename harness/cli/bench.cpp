// mirrorgate bench: cold, warm, direct, direct-unshaped and floor pulls, with the Docker Hub
// stand-in's link shaped like a WAN, and a report with the statistics.
#include <cctype>
#include <iostream>
#include <sstream>
#include <algorithm>

#include <spdlog/spdlog.h>

#include "backends/backends.h"
#include "cli/command.h"
#include "cli/run_report.h"
#include "cli/team_bench.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/paths.h"
#include "images/test_images.h"
#include "process/process.h"
#include "registry/docker_hub.h"
#include "registry/generations.h"
#include "reports/bench_stats.h"
#include "reports/cache_bench.h"
#include "reports/html_report.h"
#include "reports/report.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

constexpr auto kBenchmarkTimeout = std::chrono::hours(2);
constexpr const char* kBenchQuota = "1000000/1h";
// What bench caches besides docker.io unless --upstream names others: the
// registries the stand-in world serves.
const std::vector<std::string> kBenchUpstreams{"quay.io", "ghcr.io", "registry.k8s.io"};

struct BenchFlags {
  EnvironmentFlags environment;
  std::string rate = "100mbit";   // the WAN stand-in; "none": unshaped
  std::string profile = "quick";  // quick: 10/100 MB; full: adds 1 GB × 4
  int repetitions = 0;            // 0: 5 (quick) or 9 (full)
  bool keep = false;
  fs::path reports_root = "reports";
  std::string filter;  // Google Benchmark filter (regex); empty: all
  // First the same benchmarks on the seed's bare topology (registry:2 alone,
  // fixtures/bare-registry-config.yaml, registry:2's own command), then the
  // files under test; the report sets them side by side.
  bool compare_bare = false;
  // Before that, registry:2 and registry:3, each alone and behind
  // kind-registry-front: the four topologies a user can deploy, side by side.
  bool compare_topologies = false;
  // Exit 1 on a target missed beyond noise too (what a CI performance gate
  // runs); without it, bench exits 0 when every measurement ran.
  bool strict = false;
  // A stored run's benchmark.json to decide the targets of again, with no
  // lab: the same measurements under the current statistics.
  fs::path judge;
  // The synthetic caches `cache ls` and `cache prune` are measured on
  // (benchmarks/cache_benchmark.cpp); "none" skips them.
  std::string cache_repos = "50,100,200";
  // A cluster creation on N machines at once, through the team tier
  // (cli/team_bench.h), for each N listed; "none" skips it.
  std::string team_machines = "1,2,3";
  int team_herds = 3;
};

// The benchmark binary names each image it pulled, with its digest, in the
// JSON's context ("fixture 100mb-4layers": "docker.io/…@sha256:…").
nlohmann::json image_context(const nlohmann::json& parsed) {
  nlohmann::json images = nlohmann::json::object();
  if (!parsed.contains("context")) return images;
  for (const auto& [key, value] : parsed["context"].items()) {
    if (key.rfind("fixture ", 0) == 0 && value.is_string()) images[key.substr(8)] = value;
  }
  return images;
}

RunResult run_benchmark_binary(const Environment& env, const fs::path& dir, const BenchFlags& flags, int repetitions) {
  std::vector<std::string> argv{libexec_file("mirrorgate_pull_benchmark").string(),
                                "--benchmark_out=" + (dir / "benchmark.json").string(), "--benchmark_out_format=json"};
  if (!flags.filter.empty()) argv.push_back("--benchmark_filter=" + flags.filter);
  auto variables = attach_variables(env);
  variables["MIRRORGATE_BENCH_PROFILE"] = flags.profile;
  variables["MIRRORGATE_BENCH_REPETITIONS"] = std::to_string(repetitions);
  return run(argv, {.timeout = kBenchmarkTimeout, .check = false, .extra_env = variables, .passthrough = true});
}

// cache ls and cache prune on synthetic caches (no lab): their section of
// the report and their targets.
BenchSection run_cache_benchmark(const fs::path& dir, const BenchFlags& flags, int repetitions) {
  BenchSection outcome;
  if (flags.cache_repos == "none") return outcome;
  std::cout.flush();  // the pull report first, not cut by this line on stderr
  spdlog::info("benchmarking cache ls and cache prune on caches of {} repositories", flags.cache_repos);
  const auto out = dir / "cache_benchmark.json";
  const auto result = run({libexec_file("mirrorgate_cache_benchmark").string(), "--mirrorgate", fs::read_symlink("/proc/self/exe").string(),
                           "--repos", flags.cache_repos, "--benchmark_repetitions=" + std::to_string(repetitions),
                           "--benchmark_out=" + out.string(), "--benchmark_out_format=json"},
                          {.timeout = kBenchmarkTimeout, .check = false, .passthrough = true});
  const auto text = read_file_if_exists(out);
  if (result.exit_code != 0 || !text) {
    std::cerr << "mirrorgate bench: the cache benchmark failed (exit code " << result.exit_code << "); see above\n";
    outcome.measured = false;
    return outcome;
  }
  const auto samples = benchmark_samples(parse_benchmark_document(*text));
  const auto rows = cache_bench_rows(samples);
  const auto targets = cache_bench_targets(rows);
  const auto md = cache_bench_markdown(rows, targets);
  auto report = nlohmann::json::parse(read_file(dir / "report.json"));
  report["cache"] = cache_bench_json(rows, targets);
  write_file_atomic(dir / "report.json", report.dump(2) + "\n");
  write_file_atomic(dir / "report.md", read_file(dir / "report.md") + "\n" + md);
  std::cout << "\n" << md;
  for (const auto& [name, s] : samples) outcome.measured = outcome.measured && s.error.empty();
  outcome.targets = targets;
  return outcome;
}

// Statistics, targets, report.json, report.md and index.html from the
// benchmark JSON.
BenchSection write_bench_reports(const fs::path& dir, const std::string& text, nlohmann::json environment, const BenchFlags& flags,
                         int repetitions, double seconds) {
  const auto document = parse_benchmark_document(text);
  auto samples = benchmark_samples(document);
  auto comparisons = compare_modes(samples);
  // The ten-minute target is the quick profile's; the full one takes ~45 min by design.
  auto targets = check_targets(samples, flags.profile == "quick" ? seconds : 0);
  environment["profile"] = flags.profile;
  environment["repetitions"] = repetitions;
  environment["fixtures"] = image_context(document);
  const auto& image_set = environment["image_set"];
  const auto hub = docker_hub_cost(samples, environment.value("nodes", 0), image_set.value("images", 0),
                                   image_set.value("file", ""),
                                   {{"anonymous", kDockerHubAnonymous.pulls}, {"Personal", kDockerHubPersonal.pulls}});
  write_file_atomic(dir / "report.json",
                    bench_report_json(samples, comparisons, targets, environment, hub).dump(2) + "\n");
  const std::string md = bench_report_markdown(samples, comparisons, targets, environment, hub);
  write_file_atomic(dir / "report.md", md);
  write_file_atomic(dir / "index.html", bench_report_html(samples, comparisons, targets, environment, hub));
  std::cout << "\n" << md << "\nreport: " << (dir / "report.md").string() << "\n       " << (dir / "index.html").string() << "\n";
  BenchSection outcome{true, targets};
  for (const auto& [name, sample] : samples) {
    if (!sample.error.empty()) {
      outcome.measured = false;
      std::cerr << "mirrorgate bench: " << name << " did not measure: " << sample.error << "\n";
    }
  }
  return outcome;
}

// A topology to set beside the files under test: a registry config of the
// shipped files (or the seed's), a registry generation, a start script or not.
struct Topology {
  std::string name;     // "registry:3 + front"; also its report directory
  std::string config;   // relative to the shipped files
  std::string registry; // generation
  bool start_script = true;
};

// The seed's registry:2 alone (--compare-bare), or registry:2 and registry:3,
// each alone and behind kind-registry-front (--compare-topologies).
std::vector<Topology> topologies_to_compare(const BenchFlags& flags) {
  if (flags.compare_topologies) {
    return {{"registry:2 alone", "fixtures/bare-registry-config.yaml", "2.8", false},
            {"registry:2 + front", "registry/registry-config.yml", "2.8", true},
            {"registry:3 alone", "fixtures/bare-registry-config.yaml", "3.1", true},
            {"registry:3 + front", "registry/registry-config.yml", "3.1", true}};
  }
  if (flags.compare_bare) return {{"bare", "fixtures/bare-registry-config.yaml", "2.8", false}};
  return {};
}

std::string directory_name(std::string name) {
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  return name;
}

// The same benchmarks on one topology, in a state directory of its own
// inside the run's (removed again with its cache): their samples.
TopologyRun run_topology(const EnvironmentOptions& shipped, const Topology& t, const fs::path& dir,
                         const BenchFlags& flags, int repetitions) {
  const auto data = find_data_dir();
  if (!data) throw missing_prerequisite("--compare-*: the shipped " + t.config + " is not installed");
  auto options = shipped;
  const std::string sub = directory_name(t.name);
  options.state_dir = shipped.state_dir / ("compare-" + sub);
  options.files.registry_config = *data / t.config;
  options.registry = t.registry;
  if (!t.start_script) options.files.registry_start.clear();
  spdlog::info("comparing topologies: the same benchmarks on {} ({}, registry {})", t.name,
               options.files.registry_config.string(), t.registry);
  auto env = bring_up(validated(options));
  fs::create_directories(dir / sub);
  const auto result = run_benchmark_binary(*env, dir / sub, flags, repetitions);
  finish_run(*env, false, true);
  auto text = read_file_if_exists(dir / sub / "benchmark.json");
  if (result.exit_code != 0 || !text) {
    throw std::runtime_error("the benchmarks on " + t.name + " failed (exit code " + std::to_string(result.exit_code) +
                             "); see above");
  }
  return {t.name, benchmark_samples(parse_benchmark_document(*text))};
}

// The targets of a stored run, decided again: printed as report.json's
// "targets" (what, measured, verdict), for ci/bench-consistency.sh --judge.
int judge_stored_run(const BenchFlags& flags) {
  const auto text = read_file_if_exists(flags.judge);
  if (!text) throw bad_flag("--judge " + flags.judge.string(), "no such file");
  std::map<std::string, Sample> samples;
  try {
    samples = benchmark_samples(parse_benchmark_document(*text));
  } catch (const std::exception& e) {
    throw bad_input(flags.judge.string(), 0, std::string("not Google Benchmark's JSON: ") + e.what());
  }
  const auto targets = check_targets(samples, 0);
  const auto missed = std::count_if(targets.begin(), targets.end(), [](const Target& t) { return t.missed(); });
  std::cout << nlohmann::json{{"file", flags.judge.string()},
                              {"headline", targets_headline(targets)},
                              {"targets", targets_section_json(targets)}}
                   .dump(2)
            << "\n";
  return missed && flags.strict ? to_int(ExitCode::failure) : to_int(ExitCode::ok);
}

// The report's headline (report.md's first line, index.html's title) over
// every section's targets, once the team's and the cache commands' are in.
void restate_headline(const fs::path& dir, const std::string& was, const std::string& now) {
  if (was == now) return;
  auto md = read_file(dir / "report.md");
  const std::string first = "# mirrorgate bench: " + was;
  if (md.rfind(first, 0) == 0) write_file_atomic(dir / "report.md", "# mirrorgate bench: " + now + md.substr(first.size()));
  auto html = read_file(dir / "index.html");
  const auto h1 = html.find("<h1>mirrorgate bench: ");
  const auto end = html.find("</h1>", h1);
  if (h1 == std::string::npos || end == std::string::npos) return;
  const bool missed = now.rfind("TARGETS MISSED", 0) == 0;
  html.replace(h1, end - h1, std::string("<h1>mirrorgate bench: <span class=\"") + (missed ? "missed" : "met") + "\">" +
                                 xml_escape(now) + "</span>");
  write_file_atomic(dir / "index.html", html);
}

int bench_exit(const BenchSection& outcome, const BenchFlags& flags);

int run_bench(const BenchFlags& flags, const GlobalOptions& global) {
  if (!flags.judge.empty()) return judge_stored_run(flags);
  if (flags.cache_repos != "none") {
    std::istringstream in(flags.cache_repos);
    for (std::string n; std::getline(in, n, ',');) {
      if (n.empty() || n.size() > 4 || !std::all_of(n.begin(), n.end(), ::isdigit) || std::stoi(n) < 1) {
        throw bad_flag("--cache-repos " + flags.cache_repos, "expected repository counts like 50,100,200 (1 to 9999 each), or none");
      }
    }
  }
  const auto team_machines = flags.team_machines == "none" ? std::vector<int>{} : parse_team_machines(flags.team_machines);
  if (flags.team_herds < 1) throw bad_flag("--team-herds " + std::to_string(flags.team_herds), "expected 1 or more");
  auto options = flags.environment.resolve(global);
  options.upstream_rate = flags.rate == "none" ? "" : flags.rate;
  // The cluster benchmarks pull a list across registries: their caches too.
  if (options.upstreams.empty()) options.upstreams = kBenchUpstreams;
  // The benchmarks pull far more than Docker's 100 per 6 hours; they count the
  // pulls (see the report) rather than run into the stand-in's 429.
  if (options.hub_quota.empty()) options.hub_quota = kBenchQuota;
  if (options.hub_account_quota.empty()) options.hub_account_quota = kBenchQuota;
  const auto valid = validated(options);
  check_team_bench(options, team_machines, flags.team_machines);
  install_interrupt_handlers();
  const auto started = std::chrono::steady_clock::now();
  const fs::path dir = flags.reports_root / utc_stamp();
  fs::create_directories(dir);
  const int repetitions = flags.repetitions > 0 ? flags.repetitions : flags.profile == "full" ? 9 : 5;

  std::vector<TopologyRun> compared;
  for (const auto& t : topologies_to_compare(flags)) compared.push_back(run_topology(options, t, dir, flags, repetitions));

  auto env = bring_up(valid);
  spdlog::info("benchmarking pulls on {} ({} profile, {} repetitions, upstream {})", env->nodes().front().name,
               flags.profile, repetitions, env->upstream_rate().empty() ? "unlimited" : env->upstream_rate());
  const auto result = run_benchmark_binary(*env, dir, flags, repetitions);
  nlohmann::json environment = describe_environment(*env);
  // What one cluster creation pulls: the images the stand-in serves.
  environment["image_set"] = {{"file", env->files().images.filename().string()},
                              {"images", load_test_image_list(env->files().images).size()}};
  finish_run(*env, flags.keep, false);
  auto text = read_file_if_exists(dir / "benchmark.json");
  if (result.exit_code != 0 || !text) {
    std::cerr << "mirrorgate bench: the benchmark failed (exit code " << result.exit_code << "); see above\n";
    return to_int(ExitCode::failure);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto outcome = write_bench_reports(dir, *text, environment, flags, repetitions, seconds);
  if (!compared.empty()) {
    compared.push_back({"under test (registry " + env->registry_generation() + ", " +
                            env->files().registry_config.filename().string() + ")",
                        benchmark_samples(parse_benchmark_document(*text))});
    const auto rows = compare_topologies(compared);
    const std::string md = topologies_markdown(compared, rows);
    auto report = nlohmann::json::parse(read_file(dir / "report.json"));
    report["topologies"] = topologies_json(compared, rows);
    write_file_atomic(dir / "report.json", report.dump(2) + "\n");
    write_file_atomic(dir / "report.md", read_file(dir / "report.md") + "\n" + md);
    std::cout << "\n" << md;
  }
  auto outcome_all = outcome;
  auto add = [&](const BenchSection& section) {
    outcome_all.measured = outcome_all.measured && section.measured;
    outcome_all.targets.insert(outcome_all.targets.end(), section.targets.begin(), section.targets.end());
  };
  if (!team_machines.empty()) add(run_team_bench(options, dir, team_machines, flags.team_herds));
  add(run_cache_benchmark(dir, flags, repetitions));
  restate_headline(dir, targets_headline(outcome.targets), targets_headline(outcome_all.targets));
  std::cout << "kind-registry ran registry " << environment.value("registry_generation", std::string("unknown")) << "\n";
  return bench_exit(outcome_all, flags);
}

int bench_exit(const BenchSection& outcome, const BenchFlags& flags) {
  if (!outcome.measured) {
    std::cerr << "mirrorgate bench: a benchmark did not measure (see above); exit 1\n";
    return to_int(ExitCode::failure);
  }
  const auto missed = std::count_if(outcome.targets.begin(), outcome.targets.end(), [](const Target& t) { return t.missed(); });
  const auto not_decided = std::count_if(outcome.targets.begin(), outcome.targets.end(),
                                         [](const Target& t) { return t.verdict == TargetVerdict::not_decided; });
  if (missed) {
    std::cout << "mirrorgate bench: " << missed << " target(s) missed beyond noise"
              << (flags.strict ? "; exit 1 (--strict)" : "; every measurement ran, so exit 0 (--strict exits 1)") << "\n";
    return flags.strict ? to_int(ExitCode::failure) : to_int(ExitCode::ok);
  }
  if (not_decided) {
    std::cout << "mirrorgate bench: no target missed; " << not_decided
              << " not decided within the noise (more --repetitions would decide them)\n";
  }
  return to_int(ExitCode::ok);
}

}  // namespace

Action define_bench(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<BenchFlags>();
  add_environment_flags(cmd, flags->environment);
  cmd.remove_option(cmd.get_option("--upstream-rate"));
  cmd.add_option("--upstream-rate", flags->rate, "tc tbf rate of the Docker Hub stand-in's link, or none")
      ->capture_default_str();
  for (const char* quota : {"--hub-quota", "--hub-account-quota"}) {
    cmd.get_option(quota)->description(std::string("the Docker Hub stand-in's pull quota ") +
                                       (std::string(quota) == "--hub-quota" ? "per address" : "per account") +
                                       ", PULLS/WINDOW (default for bench: " + kBenchQuota +
                                       ", since it counts its pulls rather than run into Docker's limit)");
  }
  cmd.add_option("--profile", flags->profile, "quick (10 and 100 MB images) or full (adds 1 GB x 4)")
      ->check(CLI::IsMember({"quick", "full"}))
      ->capture_default_str();
  cmd.add_option("--repetitions", flags->repetitions, "repetitions per benchmark (default 5 quick, 9 full)");
  cmd.add_flag("--keep", flags->keep, "leave the environment up afterwards");
  cmd.add_option("--judge", flags->judge,
                 "decide the targets of a stored run again from its benchmark.json, with no lab (prints them as "
                 "JSON; the run's own time is not judged)");
  cmd.add_flag("--strict", flags->strict,
               "exit 1 when a target is missed beyond noise, as a CI performance gate would (without it, bench exits "
               "0 once every measurement ran and reports the verdicts)");
  cmd.add_option("--reports", flags->reports_root, "reports go to DIR/RUN_ID/")->capture_default_str();
  cmd.add_option("--filter", flags->filter, "Google Benchmark filter, e.g. 'pull/(cold|warm)/100mb'");
  cmd.add_option("--cache-repos", flags->cache_repos,
                 "after the pulls, time `cache ls` and `cache prune` (and their peak memory) on synthetic caches of "
                 "these many repositories, made once under /var/cache/mirrorgate/cache-bench; none: skip")
      ->capture_default_str();
  cmd.add_option("--team-machines", flags->team_machines,
                 "after the pulls, a cluster creation on N machines at once for each N listed (the embedded lab's "
                 "--machines N, in STATE/team-bench, purged afterwards): every node pulls fresh copies of the docker.io "
                 "test images together, through the team tier, and for N of 2 or more again through per-machine "
                 "caches (--per-machine-caches); Docker Hub's pulls, GETs and bytes per team and the slowest node, "
                 "plotted against N; none: skip")
      ->capture_default_str();
  cmd.add_option("--team-herds", flags->team_herds, "herds per N for --team-machines")->capture_default_str();
  cmd.add_flag("--compare-bare", flags->compare_bare,
               "first run the same benchmarks on the seed's bare topology (registry:2 alone, "
               "fixtures/bare-registry-config.yaml), then on the files under test, and set them side by side: "
               "time, upstream bytes, counted pulls (the bare run's lab is in STATE/compare-bare, removed afterwards "
               "with its cache)");
  cmd.add_flag("--compare-topologies", flags->compare_topologies,
               "first run the same benchmarks on registry:2 alone, registry:2 + kind-registry-front, registry:3 "
               "alone and registry:3 + kind-registry-front (each in STATE/compare-NAME, removed afterwards with its "
               "cache), then on the files under test, and set all five side by side");
  cmd.footer(
      "\nModes: cold (a repository the mirror never cached), warm (the mirror has it, the node not),\n"
      "direct (no mirror: what users have today), direct-unshaped (direct on an unshaped link),\n"
      "warm-digest (a warm pull by digest: no tag to look up upstream),\n"
      "floor (a plain registry on the node's own loopback: containerd's own fetch, store and unpack),\n"
      "floor-same-path (a plain registry where kind-registry runs: a warm pull's path, no cache),\n"
      "herd (every node at once on an uncached image), cluster-cached and cluster-direct (every node\n"
      "pulls a list across registries, through the caches or without them). bench caches quay.io,\n"
      "ghcr.io and registry.k8s.io besides docker.io unless --upstream names others.\n"
      "Reports: DIR/RUN_ID/benchmark.json (for Google Benchmark's compare.py), report.json, report.md,\n"
      "index.html (charts; one file, opens offline).\n"
      "Targets, each decided on the interval of its paired per-repetition values (met, not decided, or\n"
      "missed beyond noise): warm >= 5x faster than cold (100 MB images); per byte, warm-digest within\n"
      "1.05x of floor-same-path (100 MB images pooled); the fixed cost of a pull by tag (warm -\n"
      "warm-digest) within 30 ms; harness overhead < 5 ms; the run < 10 min (quick profile).\n"
      "The team section's (--team-machines): 1 Docker Hub pull per image per team and each blob fetched\n"
      "once, upstream bytes <= 1.05x the images', no failed pull, a cold herd on 3 machines within 1.25x\n"
      "of one machine's.\n"
      "Exit 0 when every benchmark measured, whatever the verdicts; 1 when one did not, or with --strict\n"
      "when a target is missed beyond noise.");
  return [flags, &global] { return run_bench(*flags, global); };
}

}  // namespace mirrorgate
