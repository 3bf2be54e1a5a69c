// mirrorgate status: what runs where, and whether it answers.
#include <iomanip>
#include <iostream>

#include "backends/backends.h"
#include "cli/command.h"
#include "core/error.h"
#include "registry/docker_hub.h"

namespace mirrorgate {

namespace {

int print_status(const GlobalOptions& global, bool as_json) {
  auto state = load_state(global.state_dir);
  if (!state) {
    if (as_json) std::cout << nlohmann::json{{"state_dir", global.state_dir.string()}, {"up", false}}.dump(2) << "\n";
    else std::cout << "nothing is up in " << global.state_dir.string() << " (run `mirrorgate up`)\n";
    return to_int(ExitCode::failure);
  }
  const auto env = environment_for(*state);
  const auto health = env->health();
  bool healthy = state->complete;
  for (const auto& h : health) healthy = healthy && h.running && h.answering;
  if (as_json) {
    nlohmann::json j = *state;
    j["up"] = true;
    j["healthy"] = healthy;
    j["health"] = nlohmann::json::array();
    for (const auto& h : health) {
      j["health"].push_back({{"name", h.name}, {"role", h.role}, {"address", h.address},
                             {"running", h.running}, {"answering", h.answering}, {"detail", h.detail}});
    }
    std::cout << j.dump(2) << "\n";
    return healthy ? to_int(ExitCode::ok) : to_int(ExitCode::failure);
  }
  std::cout << state->backend << " environment in " << state->state_dir.string() << " (cluster " << state->cluster
            << ", created " << state->created_at << ")" << (state->complete ? "" : " — bring-up did not finish") << "\n";
  for (const auto& h : health) {
    std::cout << "  " << std::left << std::setw(36) << h.name << std::setw(14) << h.address
              << (h.running ? (h.answering ? "healthy   " : "NOT ANSWERING ") : "NOT RUNNING ") << h.detail << "\n";
  }
  std::cout << "  mirror cache: " << state->registry_data.string() << "\n"
            << "  upstream: " << (state->has_stand_in_hub() ? "the Docker Hub stand-in" : "Docker Hub")
            << ", rate " << (state->upstream_rate.empty() ? "unlimited" : state->upstream_rate);
  if (state->has_stand_in_hub()) {
    std::cout << ", pull quota " << (state->hub_quota.empty() ? format_quota(kDockerHubAnonymous) : state->hub_quota)
              << " per address, "
              << (state->hub_account_quota.empty() ? format_quota(kDockerHubPersonal) : state->hub_account_quota)
              << " per account";
  }
  std::cout << "\n"
            << "  test images: " << state->seeded_images.size() << " on the stand-in\n"
            << "  logs: " << (state->run_dir() / "logs").string() << "\n";
  return healthy ? to_int(ExitCode::ok) : to_int(ExitCode::failure);
}

}  // namespace

Action define_status(CLI::App& cmd, const GlobalOptions& global) {
  auto as_json = std::make_shared<bool>(false);
  cmd.add_flag("--json", *as_json, "print the state file and health as JSON");
  return [as_json, &global] { return print_status(global, *as_json); };
}

}  // namespace mirrorgate
