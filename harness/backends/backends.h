// The table of backends — "local" (the embedded lab) and "kind" (Docker +
// kind) — and the one bring-up and teardown written over the Backend
// interface (env/backend.h). Everything else speaks to the Environment
// contract and to these entry points, and names no backend.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "env/backend.h"
#include "env/environment.h"
#include "env/options.h"
#include "env/state.h"

namespace mirrorgate {

// Every backend, the default (the embedded lab) first.
const std::vector<const Backend*>& backends();
std::vector<std::string> backend_names();
// Throws UserError(bad_input) naming `flag` and the backends there are.
const Backend& backend_named(const std::string& name, const std::string& flag = "--backend");

// The common rules (env/options), then the backend's own; says so at debug
// level. Throws UserError(bad_input) naming the flag.
ValidatedOptions validated(EnvironmentOptions options);
// The k-th environment beside the one `options` brings up (Backend::beside):
// derived from checked options by their backend, so not checked again.
std::optional<ValidatedOptions> beside(const ValidatedOptions& options, int k);

// Brings up the backend the options name (or reuses a healthy run from the
// same files in the same state directory): inputs read and checked, the
// prerequisites, the plan saved, each step, the state saved after each; on a
// failure what was created is removed again. The environment is the one
// that came up, not one rebuilt from the state file.
std::unique_ptr<Environment> bring_up(const ValidatedOptions& options);
// The same over a given backend (the table's, or a test's).
std::unique_ptr<Environment> bring_up(const Backend& backend, const ValidatedOptions& options);

// Takes down what the state file in state_dir records; had_environment is
// false when there is none. The state file is read once, here: scenario and
// benchmark processes record what they start (a node's own registry) in it.
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
