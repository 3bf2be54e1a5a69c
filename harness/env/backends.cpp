#include "env/backends.h"

#include "core/error.h"
#include "kind/kind_backend.h"

namespace mirrorgate {

LabState bring_up(const LabOptions& options) {
  if (options.backend == "kind") return kind_up(options);
  if (options.backend != "local") {
    throw UserError(ExitCode::bad_input, "--backend " + options.backend + ": expected local or kind");
  }
  return lab_up(options);
}

DownReport take_down(const std::filesystem::path& state_dir, bool purge) {
  auto state = load_state(state_dir);
  if (state && state->backend == "kind") return kind_down(state_dir, purge);
  check_lab_prerequisites();
  return lab_down(state_dir, purge);
}

std::vector<ComponentHealth> health_of(const LabState& state) {
  return state.backend == "kind" ? kind_health(state) : lab_health(state);
}

std::unique_ptr<Environment> environment_for(LabState state) {
  if (state.backend == "kind") return std::make_unique<KindEnvironment>(std::move(state));
  return std::make_unique<LocalEnvironment>(std::move(state));
}

std::unique_ptr<Environment> attach_environment(const std::filesystem::path& state_dir) {
  auto state = load_state(state_dir);
  if (!state) {
    throw UserError(ExitCode::failure, "no lab in " + state_dir.string() + " (no lab.json); run `mirrorgate up` first");
  }
  if (!state->complete) {
    throw UserError(ExitCode::failure, "the lab in " + state_dir.string() + " is not fully up; run `mirrorgate up` again");
  }
  return environment_for(std::move(*state));
}

}  // namespace mirrorgate
