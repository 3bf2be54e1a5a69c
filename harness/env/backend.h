// What a backend is: a way to bring an environment up, take it down and
// attach to it. The embedded lab (backends/local) and Docker + kind
// (backends/kind) each implement it; backends/backends.cpp holds the table
// of them and the one `up` and `down` written over this interface, as kind
// writes one `create cluster` over its providers and create-actions.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "env/environment.h"
#include "env/options.h"
#include "env/state.h"

namespace mirrorgate {

// One named step of a bring-up. The state file is saved after each, so a
// failure or Ctrl-C anywhere tears down exactly what exists.
struct BringUpStep {
  std::string name;  // "starting the hub": for interruption messages
  std::function<void()> run;
};

// One bring-up, from the moment its inputs are read and checked (every file
// parsed once, before anything is created) until it is complete.
class BringUp {
 public:
  virtual ~BringUp() = default;
  // A run already in state_dir that serves as this one, reused; a broken
  // or stale one is taken down first; one in the way is refused (throws).
  virtual std::unique_ptr<Environment> reuse_running(const std::filesystem::path& state_dir) = 0;
  // The run as it will be, saved before anything is created; throws,
  // creating nothing, when something of the machine is in the way.
  virtual void plan(const std::filesystem::path& state_dir) = 0;
  // In order; each records what it creates before creating it.
  virtual std::vector<BringUpStep> steps() = 0;
  // Writes the state file (after each step).
  virtual void save() = 0;
  // Marks the run complete and saves it; the environment, kept (not
  // rebuilt from the state file).
  virtual std::unique_ptr<Environment> finish() = 0;
  // After a failed step: what the run recorded creating, removed; the
  // problems met. The state file is the caller's.
  virtual std::vector<std::string> undo() = 0;
  // The planned run's state directory and run directory (logs), for messages.
  virtual const RunState& state() const = 0;
};

// What every bring-up does alike, over its backend's Environment type
// (one with save(), mutable_state() and a public state()).
template <class Env>
class BringUpOf : public BringUp {
 public:
  void save() override { env_->save(); }
  std::unique_ptr<Environment> finish() override {
    env_->mutable_state().complete = true;
    env_->save();
    return std::move(env_);
  }
  const RunState& state() const override { return env_->state(); }

 protected:
  std::unique_ptr<Env> env_;  // from plan() on
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Its --backend value ("local", "kind") and one line for --help.
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  // Its own rules over the options, after the common ones; refuses the
  // options it does not support, naming them (UserError, bad_input).
  virtual void validate(const EnvironmentOptions& options) const = 0;
  // Throws UserError(missing_prerequisite) naming what is missing and the fix.
  virtual void check_prerequisites() const = 0;
  // Reads and checks every input the options name; creates nothing.
  virtual std::unique_ptr<BringUp> read_inputs(const EnvironmentOptions& options) const = 0;
  // Removes what the run recorded creating and nothing else, after copying
  // its logs and node configs into STATE/runs/RUN/; the problems met. The
  // mirror's cache stays unless purge.
  virtual std::vector<std::string> teardown(const RunState& run, bool purge) const = 0;
  // What of the run is still there (after teardown).
  virtual std::vector<std::string> leftovers(const RunState& run) const = 0;
  // What `down` says once nothing is left.
  virtual std::string removed_summary() const = 0;
  virtual std::unique_ptr<Environment> attach(RunState state) const = 0;
  // A read-only look at a user's own running cluster (verify --live); the
  // backends that have none throw UserError(bad_input) saying so.
  virtual std::unique_ptr<Environment> attach_live(const std::string& cluster) const = 0;
  // The options of the k-th environment (k from 1) that runs beside the one
  // `options` brings up, from the same files, with names, addresses and a
  // state directory of its own: verify runs scenario families that stop
  // the upstream or restart kind-registry there, side by side. None where
  // the backend cannot run two at once.
  virtual std::optional<EnvironmentOptions> beside(const EnvironmentOptions& options, int k) const {
    (void)options;
    (void)k;
    return std::nullopt;
  }

  // teardown, then what is left; the state file goes only when nothing is
  // (finish_down). What `down` does, and a bring-up before it replaces a
  // broken run.
  DownReport take_down(const RunState& run, bool purge) const {
    // In two statements: the leftovers are looked for after the teardown
    // (the order of a call's arguments is unspecified).
    auto problems = teardown(run, purge);
    auto report = finish_down(run, std::move(problems), leftovers(run));
    report.summary = removed_summary();
    return report;
  }
};

}  // namespace mirrorgate
