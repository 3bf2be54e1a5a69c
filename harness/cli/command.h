// The subcommand table's entry (ninja's tool table is the model): each
// subcommand lives in a file of its own and exposes one `define_*` function
// that adds its flags to its CLI11 subcommand and returns what main runs when
// it was chosen. main only parses and dispatches.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "env/options.h"

namespace mirrorgate {

// Options every subcommand accepts, before or after its name.
struct GlobalOptions {
  std::filesystem::path state_dir;  // state file, logs, caches (env MIRRORGATE_STATE)
  bool verbose = false;
};

using Action = std::function<int()>;

struct Command {
  const char* name;
  const char* summary;
  Action (*define)(CLI::App& command, const GlobalOptions& global);
};

Action define_verify(CLI::App& command, const GlobalOptions& global);
Action define_gate(CLI::App& command, const GlobalOptions& global);
Action define_bench(CLI::App& command, const GlobalOptions& global);
Action define_up(CLI::App& command, const GlobalOptions& global);
Action define_status(CLI::App& command, const GlobalOptions& global);
Action define_pull(CLI::App& command, const GlobalOptions& global);
Action define_prewarm(CLI::App& command, const GlobalOptions& global);
Action define_compare(CLI::App& command, const GlobalOptions& global);
Action define_down(CLI::App& command, const GlobalOptions& global);
Action define_cache(CLI::App& command, const GlobalOptions& global);

// The flags that say what to bring up (files, backend, cluster name, …),
// shared by up, verify, gate and bench. `resolve` turns them into options
// once the command line is parsed; the command validates them once
// (`validated`, env/options.h) after any change of its own.
struct EnvironmentFlags {
  EnvironmentOptions options = default_options();
  int start_timeout_s = 30;
  std::string hosts_toml_nodes;  // comma-separated
  std::string registry_start = options.files.registry_start.string();  // a file, or "none"
  EnvironmentOptions resolve(const GlobalOptions& global) const;
};
void add_environment_flags(CLI::App& command, EnvironmentFlags& flags);

}  // namespace mirrorgate
