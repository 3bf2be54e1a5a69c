#include "backends/backends.h"

#include "backends/kind/kind_backend.h"
#include "backends/local/lab.h"
#include "core/error.h"

namespace mirrorgate {

std::unique_ptr<Environment> bring_up(const ValidatedOptions& options) {
  if (options->backend == "kind") return kind::attach(kind::up(options));
  return local::attach(local::up(options));
}

DownReport take_down(const std::filesystem::path& state_dir, bool purge) {
  auto state = load_state(state_dir);
  if (!state) return {};
  if (state->backend == "kind") return kind::down(*state, purge);
  if (state->backend == "local") return local::down(*state, purge);
  throw bad_input(state_file(state_dir).string(), 0, "unknown backend " + state->backend);
}

std::unique_ptr<Environment> attach_live(const std::string& backend, const std::string& cluster) {
  if (backend != "kind") {
    throw bad_flag("--live", "looks at a running kind cluster and its kind-registry; add --backend kind --name CLUSTER "
                             "(the embedded lab is checked by verify without --live)");
  }
  return kind::attach_live(cluster.empty() ? "kind" : cluster, "kind-registry");
}

std::unique_ptr<Environment> environment_for(RunState state) {
  if (state.backend == "kind") return kind::attach(std::move(state));
  if (state.backend == "local") return local::attach(std::move(state));
  throw bad_input(state_file(state.state_dir).string(), 0, "unknown backend " + state.backend);
}

std::unique_ptr<Environment> attach_environment(const std::filesystem::path& state_dir) {
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
