// mirrorgate down: remove what up created; the mirror's cache stays.
#include <filesystem>
#include <iostream>

#include "backends/backends.h"
#include "cli/command.h"
#include "core/error.h"

namespace mirrorgate {

namespace fs = std::filesystem;

Action define_down(CLI::App& cmd, const GlobalOptions& global) {
  auto purge = std::make_shared<bool>(false);
  cmd.add_flag("--purge", *purge, "also delete the mirror's cache and the hub's data");
  cmd.footer(
      "\nLogs and node configs are copied to STATE/runs/RUN/ before anything is removed.\n"
      "down exits 1 and lists what it could not remove, if anything is left.");
  return [purge, &global] {
    // The team tier's store and the other machines' caches (--machines N), as they are before down.
    const fs::path team_store = global.state_dir / "team", machines = global.state_dir / "machines";
    const bool has_store = fs::exists(team_store), has_machines = fs::exists(machines);
    const auto report = take_down(global.state_dir, *purge);
    if (!report.had_environment) {
      std::cout << "nothing is up in " << global.state_dir.string() << "; nothing to stop\n";
      return to_int(ExitCode::ok);
    }
    if (!report.leftovers.empty()) {
      std::cerr << "down left these behind:\n";
      for (const auto& l : report.leftovers) std::cerr << "  " << l << "\n";
      return to_int(ExitCode::failure);
    }
    std::cout << report.summary << "; logs kept in " << report.logs.string() << "\n"
              << (*purge ? std::string("cache purged (mirror cache and hub data removed") +
                               (has_store ? ", the team store too" : "") +
                               (has_machines ? ", the other machines' caches too" : "") + ")\n"
                         : "mirror cache kept in " + (global.state_dir / "registry-data").string() +
                               (has_store ? ", the team store in " + team_store.string() : std::string()) +
                               (has_machines ? ", the other machines' caches in " + machines.string() : std::string()) +
                               " (use --purge to delete it)\n");
    return to_int(ExitCode::ok);
  };
}

}  // namespace mirrorgate
