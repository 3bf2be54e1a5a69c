// mirrorgate pull: pull images on nodes through CRI, as kubelet does, and
// show where each came from.
#include <algorithm>
#include <iomanip>
#include <optional>
#include <iostream>

#include "backends/backends.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "images/reference.h"
#include "registry/upstreams.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {

namespace {

constexpr auto kRemoveTimeout = std::chrono::seconds(60);

struct PullFlags {
  std::vector<std::string> nodes, images;
  int timeout_s = 300;
  bool fresh = false;
};

// Removes the image from the node and waits for its content to go, so the
// pull that follows fetches every blob. containerd collects unreferenced
// content in one pass, so the config blob going means the layers went too.
void remove_for_fresh_pull(Environment& env, const std::string& node, const std::string& image) {
  auto held = env.image_id(node, image);
  if (!held) return;
  if (auto gone = env.remove_image(node, image, {*held}, kRemoveTimeout); !gone) {
    throw std::runtime_error("removed " + image + " but its content is still on " + node + ": " + gone.last_error);
  }
}

// The registry of `image` when the run caches it, else nullopt.
std::optional<std::string> cached_registry_of(const Environment& env, const std::string& image) {
  const auto ref = parse_reference(image);
  if (!ref) return std::nullopt;
  const auto cached = env.cached_registries();
  if (std::find(cached.begin(), cached.end(), ref->domain) == cached.end()) return std::nullopt;
  return ref->domain;
}

// Pulls with a progress line; returns whether it came through the mirror.
bool pull_and_show(Environment& env, const std::string& node, const std::string& image, const PullFlags& flags) {
  if (flags.fresh) remove_for_fresh_pull(env, node, image);
  const auto registry = cached_registry_of(env, image);
  if (!registry) {
    const auto r = env.pull_image(node, image, std::chrono::seconds(flags.timeout_s));
    std::cout << node << ": pulled " << image << " in " << std::fixed << std::setprecision(2) << r.seconds
              << " s; its registry has no cache in this run, so it came straight from the registry\n";
    return false;
  }
  const auto mark = LogMark::now(env, *registry);
  const auto before = env.node_content_bytes(node);
  PullResult r;
  {
    Progress progress(node + "  " + image, [&] {
      const auto now = env.node_content_bytes(node);
      return now > before ? now - before : 0;
    });
    r = env.pull_image(node, image, std::chrono::seconds(flags.timeout_s));
  }
  const auto e = evidence_since(env, node, mark);
  std::cout << node << ": pulled " << image << " in " << std::fixed << std::setprecision(2) << r.seconds << " s ("
            << r.image_id.substr(0, 19) << "); " << e.node_at_mirror.size() << " requests to " << cache_host(*registry)
            << " (" << e.bytes_from_mirror() << " bytes), " << e.node_at_upstream.size() << " straight to "
            << upstream_host(*registry)
            << (e.node_at_upstream.empty() ? "" : "  <- NOT through the mirror") << "\n";
  return e.node_at_upstream.empty();
}

int pull_everywhere(const GlobalOptions& global, const PullFlags& flags) {
  auto env = attach_environment(global.state_dir);
  std::vector<std::string> nodes = flags.nodes;
  if (nodes.empty()) {
    for (const auto& n : env->nodes()) nodes.push_back(n.name);
  }
  int failures = 0;
  for (const auto& image : flags.images) {
    for (const auto& node : nodes) {
      try {
        failures += pull_and_show(*env, node, image, flags) ? 0 : 1;
      } catch (const std::exception& e) {
        ++failures;
        std::cout << node << ": FAILED to pull " << image << ": " << e.what() << "\n";
      }
    }
  }
  return failures ? to_int(ExitCode::failure) : to_int(ExitCode::ok);
}

}  // namespace

Action define_pull(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<PullFlags>();
  cmd.add_option("images", flags->images, "image references, e.g. redis:7.2 or docker.io/yinfangchen/geo:app3")->required();
  cmd.add_option("--node", flags->nodes, "node to pull on (repeatable; default: every node)");
  cmd.add_option("--timeout", flags->timeout_s, "seconds per pull")->capture_default_str();
  cmd.add_flag("--fresh", flags->fresh, "remove the image from the node first, so every blob is fetched again");
  cmd.footer("\nExit 1 when a pull failed or went around the mirror.");
  return [flags, &global] { return pull_everywhere(global, *flags); };
}

}  // namespace mirrorgate
