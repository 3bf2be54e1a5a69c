// mirrorgate up: bring the environment up and leave it running.
#include <iomanip>
#include <iostream>

#include "backends/backends.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/interrupt.h"

namespace mirrorgate {

Action define_up(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<EnvironmentFlags>();
  add_environment_flags(cmd, *flags);
  cmd.footer(
      "\nExamples:\n"
      "  mirrorgate up                                   # the shipped files (as root)\n"
      "  mirrorgate up --hosts-toml my-hosts.toml        # try your own hosts.toml\n"
      "  mirrorgate up --upstream-rate 100mbit           # a Docker Hub as slow as a WAN\n"
      "  mirrorgate up --backend kind --kind-config kind/kind-config-x86.yaml --name aiopslab\n"
      "                                                  # real kind + Docker; reuses a running cluster\n"
      "A second `up` reuses a healthy environment; test images are generated once and cached.");
  return [flags, &global] {
    const auto options = validated(flags->resolve(global));
    install_interrupt_handlers();
    const auto started = std::chrono::steady_clock::now();
    auto env = bring_up(options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << env->backend() << " environment up in " << std::fixed << std::setprecision(1) << seconds
              << " s: cluster " << env->cluster() << ", " << env->nodes().size() << " nodes, kind-registry at "
              << env->mirror_url() << ", state " << state_file(env->state_dir()).string() << "\n";
    return to_int(ExitCode::ok);
  };
}

}  // namespace mirrorgate
