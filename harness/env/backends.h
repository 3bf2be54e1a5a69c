// One entry point per lifecycle step, whichever backend the options or the
// state file name: "local" (the embedded lab) or "kind" (Docker + kind).
#pragma once

#include <filesystem>
#include <memory>

#include "env/environment.h"
#include "env/lab_state.h"
#include "lab/local_lab.h"

namespace mirrorgate {

LabState bring_up(const LabOptions& options);
// Takes down what the state file in state_dir records (had_lab false: none).
DownReport take_down(const std::filesystem::path& state_dir, bool purge);
std::vector<ComponentHealth> health_of(const LabState& state);
std::unique_ptr<Environment> environment_for(LabState state);
// Throws UserError when state_dir holds no complete lab.
std::unique_ptr<Environment> attach_environment(const std::filesystem::path& state_dir);

}  // namespace mirrorgate
