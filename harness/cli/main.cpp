// mirrorgate: bring up a kind-style cluster whose image pulls go through a
// local pull-through cache, and prove that they do.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/error.h"
#include "core/files.h"
#include "images/fixture_images.h"
#include "registry/prewarm.h"
#include "reports/bench_stats.h"
#include "cli/bench.h"
#include "cli/verify.h"
#include "core/log.h"
#include "core/progress.h"
#include "env/backends.h"
#include "process/process.h"
#include "verify/pull_evidence.h"

namespace fs = std::filesystem;
using namespace mirrorgate;

namespace {

fs::path source_file(const char* rel) { return fs::path(MIRRORGATE_SOURCE_DIR) / rel; }

fs::path default_state_dir() {
  if (const char* env = std::getenv("MIRRORGATE_STATE"); env && *env) return env;
  return "/var/lib/mirrorgate";
}

int cmd_status(const fs::path& state_dir, bool as_json) {
  auto state = load_state(state_dir);
  if (!state) {
    if (as_json) std::cout << nlohmann::json{{"state_dir", state_dir.string()}, {"up", false}}.dump(2) << "\n";
    else std::cout << "no lab is up in " << state_dir.string() << " (run `mirrorgate up`)\n";
    return 1;
  }
  auto health = health_of(*state);
  bool healthy = state->complete;
  for (const auto& h : health) healthy = healthy && h.running && h.answering;
  if (as_json) {
    nlohmann::json j = *state;
    j["up"] = true;
    j["healthy"] = healthy;
    j["health"] = nlohmann::json::array();
    for (const auto& h : health) {
      j["health"].push_back({{"name", h.name}, {"kind", h.kind}, {"address", h.address},
                             {"running", h.running}, {"answering", h.answering}, {"detail", h.detail}});
    }
    std::cout << j.dump(2) << "\n";
    return healthy ? 0 : 1;
  }
  std::cout << "lab in " << state->state_dir.string() << " (" << state->backend << " backend, cluster "
            << state->cluster << (state->subnet.empty() ? "" : ", subnet " + state->subnet) << ", created "
            << state->created_at << ")"
            << (state->complete ? "" : " — bring-up did not finish") << "\n";
  for (const auto& h : health) {
    std::cout << "  " << std::left << std::setw(36) << h.name << std::setw(12) << h.address
              << (h.running ? (h.answering ? "healthy   " : "NOT ANSWERING ") : "NOT RUNNING ") << h.detail << "\n";
  }
  std::cout << "  mirror cache: " << state->registry_data.string() << "\n"
            << "  upstream rate: " << (state->upstream_rate.empty() ? "unlimited" : state->upstream_rate) << "\n"
            << "  fixtures: " << state->fixtures.size() << " images on the hub\n"
            << "  logs: " << (state->state_dir / "runs" / state->created_at / "logs").string() << "\n";
  return healthy ? 0 : 1;
}

int cmd_down(const fs::path& state_dir, bool purge) {
  auto state = load_state(state_dir);
  const bool kind = state && state->backend == "kind";
  auto report = take_down(state_dir, purge);
  if (!report.had_lab) {
    std::cout << "no lab in " << state_dir.string() << "; nothing to stop\n";
    return 0;
  }
  if (!report.leftovers.empty()) {
    std::cerr << "down left these behind:\n";
    for (const auto& l : report.leftovers) std::cerr << "  " << l << "\n";
    return 1;
  }
  std::cout << (kind ? "cluster removed: no container or network that up created is left; logs kept in "
                    : "lab removed: no namespace, link, process or mount of it is left; logs kept in ")
            << report.logs.string() << "\n"
            << (purge ? "cache purged (mirror cache and hub data removed)\n"
                      : "mirror cache kept in " + (state_dir / "registry-data").string() + " (use --purge to delete it)\n");
  return 0;
}

// Removes the image from the node and waits for its content to go, so the
// pull that follows fetches every blob. containerd collects unreferenced
// content in one pass, so the config blob going means the layers went too.
void remove_for_fresh_pull(Environment& env, const std::string& node, const std::string& image) {
  auto held = env.image_id(node, image);
  if (!held) return;
  if (!env.remove_image(node, image, {*held}, std::chrono::seconds(60))) {
    throw std::runtime_error("removed " + image + " but its content is still on " + node + " after 60 s");
  }
}

int cmd_pull(const fs::path& state_dir, const std::vector<std::string>& nodes_wanted,
             const std::vector<std::string>& images, int timeout_s, bool fresh) {
  auto attached = attach_environment(state_dir);
  Environment& env = *attached;
  std::vector<std::string> nodes = nodes_wanted;
  if (nodes.empty()) {
    for (const auto& n : env.nodes()) nodes.push_back(n.name);
  }
  int failures = 0;
  for (const auto& image : images) {
    for (const auto& node : nodes) {
      try {
        if (fresh) remove_for_fresh_pull(env, node, image);
        auto mark = LogMark::now(env);
        const auto before = env.node_content_bytes(node);
        PullResult r;
        {
          Progress progress(node + "  " + image, [&] {
            const auto now = env.node_content_bytes(node);
            return now > before ? now - before : 0;
          });
          r = env.pull_image(node, image, std::chrono::seconds(timeout_s));
        }
        auto e = evidence_since(env, node, mark);
        std::cout << node << ": pulled " << image << " in " << std::fixed << std::setprecision(2) << r.seconds
                  << " s (" << r.image_id.substr(0, 19) << "); " << e.node_at_mirror.size()
                  << " requests to kind-registry (" << e.bytes_from_mirror() << " bytes), "
                  << e.node_at_upstream.size() << " straight to registry-1.docker.io"
                  << (e.node_at_upstream.empty() ? "" : "  <- NOT through the mirror") << "\n";
        failures += e.node_at_upstream.empty() ? 0 : 1;
      } catch (const std::exception& e) {
        ++failures;
        std::cout << node << ": FAILED to pull " << image << ": " << e.what() << "\n";
      }
    }
  }
  return failures ? 1 : 0;
}

int cmd_compare(const fs::path& old_file, const fs::path& new_file, double threshold) {
  auto load = [](const fs::path& f) {
    try {
      return parse_benchmark_json(read_file(f));
    } catch (const std::runtime_error& e) {
      throw UserError(ExitCode::bad_input, f.string() + ": " + e.what());
    }
  };
  auto results = compare_runs(load(old_file), load(new_file), "pull/warm/", threshold);
  if (results.empty()) {
    throw UserError(ExitCode::bad_input, "no pull/warm/ benchmark is in both " + old_file.string() + " and " + new_file.string());
  }
  int regressions = 0;
  for (const auto& r : results) {
    std::cout << std::left << std::setw(32) << r.name << std::right << std::fixed << std::setprecision(3) << std::setw(9)
              << r.old_median << " s ->" << std::setw(9) << r.new_median << " s  " << std::showpos << std::setprecision(1)
              << r.change * 100 << "%" << std::noshowpos << "  p=" << std::setprecision(4) << r.p_value
              << (r.regressed ? "  REGRESSED" : "") << "\n";
    regressions += r.regressed;
  }
  std::cout << regressions << " of " << results.size() << " warm pulls regressed beyond " << threshold * 100 << "%\n";
  return regressions ? static_cast<int>(ExitCode::failure) : 0;
}

int cmd_prewarm(const fs::path& state_dir, const fs::path& list, std::string mirror_url, const std::string& platform) {
  if (mirror_url.empty()) {
    auto state = load_state(state_dir);
    // The lab's kind-registry when a lab is up, else production's host port.
    mirror_url = state ? state->mirror_url() : "http://127.0.0.1:5001";
  }
  RegistryClient mirror(mirror_url);
  std::string why;
  if (!mirror.ping(&why)) {
    throw UserError(ExitCode::failure, "kind-registry at " + mirror_url + " does not answer: " + why +
                                           " (start it with registry/setup-registry.sh, or give --mirror)");
  }
  auto images = read_image_list(list);
  auto before = mirror.catalog();
  std::set<std::string> cached(before.begin(), before.end());
  std::map<PrewarmStatus, int> counts;
  long long bytes = 0;
  std::vector<PrewarmResult> failed, not_covered;
  for (size_t i = 0; i < images.size(); ++i) {
    std::atomic<long long> fetched{0};
    PrewarmResult r;
    {
      Progress progress("[" + std::to_string(i + 1) + "/" + std::to_string(images.size()) + "] " + images[i].text,
                        [&] { return static_cast<std::uint64_t>(fetched.load()); });
      r = prewarm_image(mirror, images[i].text, platform, cached, &fetched);
    }
    ++counts[r.status];
    bytes += r.bytes;
    std::cout << "[" << i + 1 << "/" << images.size() << "] " << r.image << ": " << to_string(r.status);
    if (r.bytes) std::cout << " (" << std::fixed << std::setprecision(1) << r.bytes / 1e6 << " MB, " << r.seconds << " s)";
    if (!r.reason.empty()) std::cout << " — " << r.reason;
    std::cout << "\n";
    if (r.status == PrewarmStatus::failed) failed.push_back(r);
    if (r.status == PrewarmStatus::not_covered) not_covered.push_back(r);
  }
  std::cout << "\nprewarmed " << images.size() << " images through " << mirror_url << ": "
            << counts[PrewarmStatus::cached_now] << " cached now, " << counts[PrewarmStatus::already_cached]
            << " already cached, " << counts[PrewarmStatus::not_covered] << " not covered, "
            << counts[PrewarmStatus::failed] << " failed; " << std::fixed << std::setprecision(1) << bytes / 1e6
            << " MB fetched\n";
  if (!not_covered.empty()) {
    std::cout << "not covered by the mirror (pulled from their own registries, outside the cache):\n";
    for (const auto& r : not_covered) std::cout << "  " << r.image << "\n";
  }
  return failed.empty() ? 0 : static_cast<int>(ExitCode::failure);
}

// The lab's inputs, shared by up, verify and gate.
void add_lab_options(CLI::App* cmd, LabOptions& lab, int& start_timeout, std::string& hosts_toml_nodes) {
  cmd->add_option("--kind-config", lab.kind_config, "kind cluster config (nodes, containerdConfigPatches)")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd->add_option("--registry-config", lab.registry_config, "distribution config kind-registry runs")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd->add_option("--hosts-toml", lab.hosts_toml, "written to every node's /etc/containerd/certs.d/docker.io/hosts.toml")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd->add_option("--images", lab.images, "fixture images the Docker Hub stand-in serves")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd->add_option("--fixture-cache", lab.fixture_store, "where generated fixture images are kept between runs")
      ->capture_default_str();
  cmd->add_option("--name", lab.cluster_name,
                  "cluster name; nodes are NAME-control-plane, NAME-worker… (default: the config's name, else kind)");
  cmd->add_option("--subnet", lab.subnet, "lab subnet; must not overlap a route of this host")->capture_default_str();
  cmd->add_option("--upstream-rate", lab.upstream_rate, "limit the hub's link with tc tbf, e.g. 100mbit (default: unlimited)");
  cmd->add_option("--start-timeout", start_timeout, "seconds each daemon gets to answer")->capture_default_str();
  cmd->add_option("--backend", lab.backend,
                  "local: the embedded lab (no Docker); kind: Docker + kind + registry/setup-registry.sh")
      ->check(CLI::IsMember({"local", "kind"}))
      ->capture_default_str();
  cmd->add_flag("--stand-in-hub", lab.kind_stand_in_hub,
                "kind backend: serve registry-1.docker.io from a local container seeded with --images "
                "(no internet needed; what the Docker-backed tests use)");
  cmd->add_option("--node-image", lab.kind_node_image, "kind backend: kind create cluster --image IMAGE");
  cmd->add_option("--registry-port", lab.kind_registry_port, "kind backend: kind-registry's port on 127.0.0.1")
      ->capture_default_str();
  // A string, split below: CLI11 2.1 lets a vector option swallow the `--`
  // that starts gate's command.
  cmd->add_option("--hosts-toml-nodes", hosts_toml_nodes,
                  "only these nodes (names or roles, comma-separated) get hosts.toml — reproduces a partly "
                  "configured cluster");
  cmd->add_option("--hosts-toml-path", lab.hosts_toml_path, "where hosts.toml goes on a node")->capture_default_str();
}

void add_verify_options(CLI::App* cmd, VerifyOptions& v) {
  cmd->add_flag("--keep", v.keep, "leave the lab up afterwards, to look around");
  cmd->add_flag("--purge", v.purge, "delete the mirror's cache when taking the lab down");
  cmd->add_option("--reports", v.reports_root, "reports go to DIR/RUN_ID/")->capture_default_str();
  cmd->add_option("--filter", v.filter, "run only the scenarios matching this gtest filter, e.g. 'OfflinePulls.*'");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mirrorgate — a kind cluster whose image pulls are served by a local pull-through cache, and the\n"
      "proof that they are. The embedded lab runs production's topology with no Docker or internet:\n"
      "a Docker Hub stand-in, kind-registry from registry/registry-config.yml, and one containerd per\n"
      "node of the kind config, configured by its containerdConfigPatches and kind/hosts.toml.\n"
      "With --backend kind the same commands drive Docker, kind and registry/setup-registry.sh.\n\n"
      "  mirrorgate verify     up, every scenario, report, down; exit 0 only if all pass\n"
      "  mirrorgate gate -- CMD   run CMD only after verify passes; returns CMD's exit code\n"
      "  mirrorgate bench      cold vs warm vs direct pulls, upstream shaped like a WAN; report\n"
      "  mirrorgate up         bring the lab up (root) and leave it running\n"
      "  mirrorgate status     what runs where, healthy or not\n"
      "  mirrorgate pull IMG   pull on every node through CRI; exit 1 if any went around the mirror\n"
      "  mirrorgate prewarm    pull an image list through kind-registry once\n"
      "  mirrorgate compare    did warm pulls regress between two bench runs?\n"
      "  mirrorgate down       remove it; the mirror's cache stays unless --purge\n",
      "mirrorgate"};
  app.require_subcommand(1);
  fs::path state_dir = default_state_dir();
  bool verbose = false;
  app.add_option("--state", state_dir, "state directory: state file, logs, caches (env MIRRORGATE_STATE)")
      ->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "show every command and wait");

  LabOptions lab;
  lab.kind_config = source_file("kind/kind-config-x86.yaml");
  lab.registry_config = source_file("registry/registry-config.yml");
  lab.hosts_toml = source_file("kind/hosts.toml");
  lab.images = source_file("fixtures/images.yaml");
  lab.setup_registry_script = source_file("registry/setup-registry.sh");
  int start_timeout = 30;
  std::string hosts_toml_nodes;

  auto* up_cmd = app.add_subcommand("up", "bring up the lab from a kind config, a registry config and a hosts.toml");
  up_cmd->footer(
      "\nExamples:\n"
      "  sudo mirrorgate up                                   # the shipped files\n"
      "  sudo mirrorgate up --hosts-toml my-hosts.toml        # try your own hosts.toml\n"
      "  sudo mirrorgate up --upstream-rate 100mbit           # a Docker Hub as slow as a WAN\n"
      "  mirrorgate up --backend kind --kind-config kind/kind-config-x86.yaml --name aiopslab\n"
      "                                                       # real kind + Docker; reuses a running cluster\n"
      "A second `up` reuses a healthy lab; fixture images are generated once and cached.");
  add_lab_options(up_cmd, lab, start_timeout, hosts_toml_nodes);

  VerifyOptions verify;
  const char* scenarios_env = std::getenv("MIRRORGATE_SCENARIOS_BIN");
  verify.scenarios_binary = scenarios_env && *scenarios_env ? scenarios_env : MIRRORGATE_SCENARIOS;
  auto* verify_cmd = app.add_subcommand("verify", "prove the mirror works: up, every scenario, report, down");
  verify_cmd->footer(
      "\nExit 0 only when every scenario passed. A failing scenario says what is wrong in terms of\n"
      "your files (e.g. \"node kind-worker: …/hosts.toml is missing\") and shows the log lines.\n"
      "Reports: DIR/RUN_ID/report.md, report.json, junit.xml, gtest.json, pulls.jsonl.\n\n"
      "Examples:\n"
      "  sudo mirrorgate verify\n"
      "  sudo mirrorgate verify --hosts-toml my-hosts.toml --keep\n"
      "  sudo mirrorgate verify --filter 'OfflinePulls.*'");
  add_lab_options(verify_cmd, lab, start_timeout, hosts_toml_nodes);
  add_verify_options(verify_cmd, verify);

  std::vector<std::string> gate_command;
  auto* gate_cmd = app.add_subcommand("gate", "run a command only after verify passes, e.g. gate -- python3 run_experiment.py");
  add_lab_options(gate_cmd, lab, start_timeout, hosts_toml_nodes);
  add_verify_options(gate_cmd, verify);
  gate_cmd->add_option("command", gate_command, "the command to run after a pass (after --)")->required();
  gate_cmd->footer("\nExit code: the command's when verify passed; 1 (and the command never runs) when it failed.");

  BenchOptions bench;
  const char* bench_env = std::getenv("MIRRORGATE_BENCHMARK_BIN");
  bench.benchmark_binary = bench_env && *bench_env ? bench_env : MIRRORGATE_BENCHMARK;
  std::string bench_rate = "100mbit";
  auto* bench_cmd = app.add_subcommand("bench", "measure cold, warm, direct pulls with the upstream shaped like a WAN");
  add_lab_options(bench_cmd, lab, start_timeout, hosts_toml_nodes);
  bench_cmd->remove_option(bench_cmd->get_option("--upstream-rate"));
  bench_cmd->add_option("--upstream-rate", bench_rate, "tc tbf rate of the hub's link, or none")->capture_default_str();
  bench_cmd->add_option("--profile", bench.profile, "quick (10 and 100 MB images) or full (adds 1 GB x 4)")
      ->check(CLI::IsMember({"quick", "full"}))->capture_default_str();
  bench_cmd->add_option("--repetitions", bench.repetitions, "repetitions per benchmark (default 5 quick, 9 full)");
  bench_cmd->add_flag("--keep", bench.keep, "leave the lab up afterwards");
  bench_cmd->add_option("--reports", bench.reports_root, "reports go to DIR/RUN_ID/")->capture_default_str();
  bench_cmd->add_option("--filter", bench.filter, "Google Benchmark filter, e.g. 'pull/(cold|warm)/100mb'");
  bench_cmd->footer(
      "\nModes: cold (a repository the mirror never cached), warm (the mirror has it, the node not),\n"
      "direct (no mirror: what users have today), floor (direct on an unshaped link).\n"
      "Reports: DIR/RUN_ID/benchmark.json (for Google Benchmark's compare.py), report.json, report.md,\n"
      "index.html (charts; one file, opens offline).\n"
      "Exit 1 when a target is missed: warm >= 5x faster than cold (100 MB), warm <= 1.15x floor,\n"
      "harness overhead < 5 ms, the run < 10 min.");

  std::vector<std::string> compare_files;
  double compare_threshold = 0.10;
  auto* compare_cmd = app.add_subcommand("compare", "did warm pulls regress between two bench runs?");
  compare_cmd->add_option("runs", compare_files, "OLD.json NEW.json: benchmark.json of two `mirrorgate bench` runs")
      ->expected(2)->required()->check(CLI::ExistingFile);
  compare_cmd->add_option("--threshold", compare_threshold, "slowdown that counts, as a fraction (0.10 = 10 %)")
      ->capture_default_str();
  compare_cmd->footer("\nExit 1 when a warm pull's median got slower than the threshold with a Mann-Whitney U\n"
                      "p-value under 0.05 (so noise alone does not fail it). For every benchmark, Google\n"
                      "Benchmark's own tool works on the same files:\n  python3 /usr/share/benchmark/compare.py benchmarks OLD.json NEW.json");

  fs::path prewarm_list;
  std::string prewarm_mirror, prewarm_platform = host_platform();
  auto* prewarm_cmd = app.add_subcommand("prewarm", "pull a list of images through kind-registry once, so clusters find them cached");
  prewarm_cmd->add_option("--images", prewarm_list, "one image reference per line, '#' comments (AIOpsLab's kind/images.txt)")
      ->required()->check(CLI::ExistingFile);
  prewarm_cmd->add_option("--mirror", prewarm_mirror,
                          "kind-registry's URL (default: the lab's when one is up, else http://127.0.0.1:5001)");
  prewarm_cmd->add_option("--platform", prewarm_platform, "platform the nodes run")->capture_default_str();
  prewarm_cmd->footer("\nImages of other registries (quay.io, docker.elastic.co, …) are listed as not covered:\n"
                      "kind-registry caches docker.io only. Exit 1 when an image failed.");

  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "show what runs where and whether it answers (exit 0 when healthy)");
  status_cmd->add_flag("--json", status_json, "print the state file and health as JSON");

  bool purge = false;
  auto* down_cmd = app.add_subcommand("down", "stop the lab and remove its namespaces, links and node disks");
  down_cmd->add_flag("--purge", purge, "also delete the mirror's cache and the hub's data");
  down_cmd->footer(
      "\nLogs and node configs are copied to STATE/runs/RUN/ before anything is removed.\n"
      "down exits 1 and lists what it could not remove, if anything is left.");

  std::vector<std::string> pull_nodes, pull_images;
  int pull_timeout = 300;
  bool pull_fresh = false;
  auto* pull_cmd = app.add_subcommand("pull", "pull images on nodes through CRI, as kubelet does, and show where they came from");
  pull_cmd->add_option("images", pull_images, "image references, e.g. redis:7.2 or docker.io/yinfangchen/geo:app3")->required();
  pull_cmd->add_option("--node", pull_nodes, "node to pull on (repeatable; default: every node)");
  pull_cmd->add_option("--timeout", pull_timeout, "seconds per pull")->capture_default_str();
  pull_cmd->add_flag("--fresh", pull_fresh, "remove the image from the node first, so every blob is fetched again");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::bad_input);
  }
  init_logging(verbose);
  lab.state_dir = state_dir;
  lab.start_timeout = std::chrono::seconds(start_timeout);
  for (size_t start = 0; start < hosts_toml_nodes.size();) {
    size_t comma = std::min(hosts_toml_nodes.find(',', start), hosts_toml_nodes.size());
    if (comma > start) lab.hosts_toml_nodes.push_back(hosts_toml_nodes.substr(start, comma - start));
    start = comma + 1;
  }

  try {
    if (*up_cmd) {
      install_interrupt_handlers();
      auto started = std::chrono::steady_clock::now();
      LabState s = bring_up(lab);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::cout << "lab up in " << std::fixed << std::setprecision(1) << seconds << " s: cluster " << s.cluster << ", "
                << s.nodes.size() << " nodes, kind-registry at " << s.mirror_url()
                << ", state " << (s.state_dir / "lab.json").string() << "\n";
      return 0;
    }
    if (*verify_cmd || *gate_cmd) {
      install_interrupt_handlers();
      verify.lab = lab;
      int rc = run_verify(verify);
      if (*verify_cmd) return rc;
      if (rc != 0) {
        std::cerr << "mirrorgate gate: verify failed; not running " << join_argv(gate_command) << "\n";
        return rc;
      }
      std::cout << "gate open: running " << join_argv(gate_command) << "\n";
      auto result = run(gate_command, {.timeout = std::chrono::hours(24 * 7), .check = false, .passthrough = true});
      return result.exit_code;
    }
    if (*bench_cmd) {
      install_interrupt_handlers();
      bench.lab = lab;
      bench.lab.upstream_rate = bench_rate == "none" ? "" : bench_rate;
      return run_bench(bench);
    }
    if (*prewarm_cmd) return cmd_prewarm(state_dir, prewarm_list, prewarm_mirror, prewarm_platform);
    if (*compare_cmd) return cmd_compare(compare_files[0], compare_files[1], compare_threshold);
    if (*status_cmd) return cmd_status(state_dir, status_json);
    if (*down_cmd) return cmd_down(state_dir, purge);
    if (*pull_cmd) return cmd_pull(state_dir, pull_nodes, pull_images, pull_timeout, pull_fresh);
  } catch (const UserError& e) {
    std::cerr << "mirrorgate: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "mirrorgate: " << e.what() << "\n";
    return static_cast<int>(ExitCode::failure);
  }
  return 0;
}
