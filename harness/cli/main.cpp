// mirrorgate: bring up a kind-style cluster whose image pulls go through a
// local pull-through cache, and prove that they do. main only parses the
// command line and dispatches to the subcommand table.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"
#include "registry/generations.h"
#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"
#include "core/version.h"
#include "process/process.h"

using namespace mirrorgate;

namespace {

// In the order `--help` lists them.
constexpr Command kCommands[] = {
    {"verify", "prove the mirror works: up, every scenario, report, down; exit 0 only if all pass", define_verify},
    {"gate", "run a command only after verify passes: gate -- python3 run_experiment.py", define_gate},
    {"bench", "measure cold, warm, direct pulls with the upstream shaped like a WAN", define_bench},
    {"up", "bring up the environment from a kind config, a registry config and a hosts.toml", define_up},
    {"status", "show what runs where and whether it answers (exit 0 when healthy)", define_status},
    {"pull", "pull images on nodes through CRI, as kubelet does, and show where they came from", define_pull},
    {"prewarm", "pull a list of images through kind-registry once, so clusters find them cached", define_prewarm},
    {"compare", "did warm pulls regress between two bench runs?", define_compare},
    {"down", "remove what up created; the mirror's cache stays unless --purge", define_down},
    {"cache", "what the caches hold: cache ls", define_cache},
};

constexpr const char* kDescription =
    "mirrorgate — a kind cluster whose image pulls are served by a local pull-through cache, and the\n"
    "proof that they are. The embedded lab (--backend local, the default) runs production's topology\n"
    "with no Docker or internet: a Docker Hub stand-in, kind-registry from registry/registry-config.yml,\n"
    "and one containerd per node of the kind config, configured by its containerdConfigPatches and\n"
    "kind/hosts.toml. With --backend kind the same commands drive Docker, kind and\n"
    "registry/setup-registry.sh.\n\n"
    "Global options (--state, -v) go before or after the subcommand. Exit codes: 0 pass, 1 a check\n"
    "failed, 2 bad input (the message names the file or flag), 3 a missing prerequisite.";

std::string first_line_of(const std::vector<std::string>& argv) {
  try {
    auto r = run(argv, {.timeout = std::chrono::seconds(5), .check = false});
    auto text = r.out.empty() ? r.err : r.out;
    return r.ok() ? text.substr(0, text.find('\n')) : "not found";
  } catch (const std::exception&) {
    return "not found";
  }
}

std::string version_text() {
  std::string text = std::string("mirrorgate ") + kVersion + " (commit " + kGitCommit + ")\n" +
                     "  containerd:      " + first_line_of({"containerd", "--version"}) + "\n";
  // Each registry generation the lab can run, and which one is shipped.
  for (const auto& g : registry_generations()) {
    const std::string mark = &g == &shipped_registry_generation() ? ", shipped" : "";
    text += "  registry " + g.name + " (" + g.image + mark + "): " +
            (registry_available(g) ? registry_version_of(first_line_of({registry_binary(g).string(), "--version"}))
                                   : "not built here (ci/build-registry.sh)") + "\n";
  }
  return text + "  shipped files:   " + find_data_dir().value_or("not found").string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "mirrorgate"};
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the subcommand too
  GlobalOptions global{default_state_dir(), false};
  app.add_option("--state", global.state_dir, "state directory: state file, logs, caches (env MIRRORGATE_STATE)")
      ->capture_default_str();
  app.add_flag("-v,--verbose", global.verbose, "show every command and wait");
  app.set_version_flag("--version", version_text);

  std::vector<std::pair<CLI::App*, Action>> actions;
  for (const auto& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    actions.emplace_back(sub, c.define(*sub, global));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? to_int(ExitCode::ok) : to_int(ExitCode::bad_input);
  }
  init_logging(global.verbose);
  try {
    for (const auto& [sub, action] : actions) {
      if (*sub) return action();
    }
  } catch (const std::exception& e) {
    std::cerr << "mirrorgate: " << e.what() << "\n";
    return to_int(exit_code_of(e));
  }
  return to_int(ExitCode::bad_input);
}
