// The one place that knows every backend: "local" (the embedded lab) and
// "kind" (Docker + kind). Everything else speaks to the Environment contract
// and to these entry points.
#pragma once

#include <filesystem>
#include <memory>

#include "env/environment.h"
#include "env/options.h"
#include "env/state.h"

namespace mirrorgate {

// Brings up the backend the options name (or reuses a healthy run from the
// same files in the same state directory) and attaches to it.
std::unique_ptr<Environment> bring_up(const ValidatedOptions& options);

// Takes down what the state file in state_dir records; had_environment is
// false when there is none. The state file is read once.
DownReport take_down(const std::filesystem::path& state_dir, bool purge);

// Attaches to the complete run recorded in state_dir. Throws std::runtime_error
// saying why when there is none (no state file, bring-up unfinished).
std::unique_ptr<Environment> attach_environment(const std::filesystem::path& state_dir);

// A read-only look at a user's own running cluster (verify --live): only the
// kind backend has one. Throws UserError(bad_input) for another backend.
std::unique_ptr<Environment> attach_live(const std::string& backend, const std::string& cluster);

// The environment of an already loaded state (health of a half-made run).
std::unique_ptr<Environment> environment_for(RunState state);

}  // namespace mirrorgate
