#include "backends/backends.h"

#include <spdlog/spdlog.h>

#include "backends/kind/kind_backend.h"
#include "backends/local/lab.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

// The backend a state file names; bad input naming the file for another.
const Backend& backend_of(const RunState& state) {
  for (const auto* b : backends()) {
    if (b->name() == state.backend) return *b;
  }
  throw bad_input(state_file(state.state_dir).string(), 0, "unknown backend " + state.backend);
}

}  // namespace

const std::vector<const Backend*>& backends() {
  static const std::vector<const Backend*> all{&local::backend(), &kind::backend()};
  return all;
}

std::vector<std::string> backend_names() {
  std::vector<std::string> out;
  for (const auto* b : backends()) out.push_back(b->name());
  return out;
}

const Backend& backend_named(const std::string& name, const std::string& flag) {
  std::string known;
  for (const auto* b : backends()) {
    if (b->name() == name) return *b;
    known += (known.empty() ? "" : " or ") + b->name();
  }
  throw bad_flag(flag + " " + name, "expected " + known);
}

ValidatedOptions validated(EnvironmentOptions options) {
  const Backend& backend = backend_named(options.backend);
  validate(options);
  backend.validate(options);
  spdlog::debug("options validated ({} backend)", options.backend);
  return ValidatedOptions(std::move(options));
}

std::optional<ValidatedOptions> beside(const ValidatedOptions& options, int k) {
  auto side = backend_named(options->backend).beside(*options, k);
  if (!side) return std::nullopt;
  return ValidatedOptions(std::move(*side));
}

std::unique_ptr<Environment> bring_up(const ValidatedOptions& options) {
  return bring_up(backend_named(options->backend), options);
}

std::unique_ptr<Environment> bring_up(const Backend& backend, const ValidatedOptions& options) {
  const EnvironmentOptions& o = *options;
  // Every input read and checked before anything is created, and before
  // asking for root: a user can check their files anywhere.
  auto bring = backend.read_inputs(o);
  backend.check_prerequisites();
  check_private_dir(o.state_dir, "--state", /*create=*/true);
  const fs::path state_dir = fs::canonical(o.state_dir);
  if (auto reused = bring->reuse_running(state_dir)) return reused;
  bring->plan(state_dir);
  try {
    for (const auto& step : bring->steps()) {
      throw_if_interrupted(step.name);
      spdlog::debug("bring-up: {}", step.name);
      step.run();
      bring->save();
    }
    return bring->finish();
  } catch (...) {
    spdlog::error("bring-up failed; removing what it created (logs stay in {})", bring->state().run_dir().string());
    for (const auto& p : bring->undo()) spdlog::error("teardown: {}", p);
    std::error_code ec;
    fs::remove(state_file(state_dir), ec);
    throw;
  }
}

DownReport take_down(const fs::path& state_dir, bool purge) {
  DownReport report;
  if (auto state = load_state(state_dir)) report = backend_of(*state).take_down(*state, purge);
  // Labs beside it that a killed verify left behind.
  for (const auto& dir : beside_state_dirs(state_dir)) {
    auto side = load_state(dir);
    if (!side) continue;
    auto down = backend_of(*side).take_down(*side, purge);
    report.had_environment = report.had_environment || down.had_environment;
    for (auto& l : down.leftovers) report.leftovers.push_back(std::move(l));
    if (report.summary.empty()) report.summary = down.summary;
  }
  return report;
}

std::unique_ptr<Environment> attach_live(const std::string& backend, const std::string& cluster) {
  return backend_named(backend).attach_live(cluster);
}

std::unique_ptr<Environment> environment_for(RunState state) {
  const Backend& backend = backend_of(state);
  return backend.attach(std::move(state));
}

std::unique_ptr<Environment> attach_environment(const fs::path& state_dir) {
  auto state = load_state(state_dir);
  if (!state) {
    throw std::runtime_error("nothing is up in " + state_dir.string() + " (no " + state_file(state_dir).filename().string() +
                             "); run `mirrorgate up` first (ctest runs it as a fixture)");
  }
  if (!state->complete) {
    throw std::runtime_error("the run in " + state_dir.string() + " did not finish coming up; see `mirrorgate status`, "
                             "then `mirrorgate up` again");
  }
  return environment_for(std::move(*state));
}

}  // namespace mirrorgate
