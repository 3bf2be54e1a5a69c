// mirrorgate prewarm: pull a list of images through kind-registry once, so
// clusters find them cached.
#include <iomanip>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "env/state.h"
#include "images/test_images.h"
#include "registry/docker_hub.h"
#include "registry/prewarm.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

constexpr auto kStoreTimeout = std::chrono::minutes(10);

struct PrewarmFlags {
  fs::path list;
  std::string mirror_url;
  fs::path data_dir;  // kind-registry's storage; empty: the environment's, else not watched
  std::string platform = host_platform();
};

PrewarmResult prewarm_with_progress(const RegistryClient& mirror, const ListedImage& image, const std::string& platform,
                                    const std::set<std::string>& cached, const std::string& counter) {
  std::atomic<long long> fetched{0};
  Progress progress(counter + " " + image.text, [&] { return static_cast<std::uint64_t>(fetched.load()); });
  return prewarm_image(mirror, image.text, platform, cached, &fetched);
}

void print_result(const PrewarmResult& r, const std::string& counter) {
  std::cout << counter << " " << r.image << ": " << to_string(r.status);
  if (r.bytes) std::cout << " (" << std::fixed << std::setprecision(1) << r.bytes / 1e6 << " MB, " << r.seconds << " s)";
  if (!r.reason.empty()) std::cout << " — " << r.reason;
  std::cout << "\n";
}

// A prewarmed image counts once kind-registry has stored it, not when its
// bytes reached us: distribution's storing fetch can still be running.
void wait_until_served_locally(const fs::path& data_dir, PrewarmResult& r) {
  if (data_dir.empty() || (r.status != PrewarmStatus::cached_now && r.status != PrewarmStatus::already_cached)) return;
  if (auto stored = wait_until_stored(data_dir, r, kStoreTimeout); !stored) {
    r.status = PrewarmStatus::failed;
    r.reason = "fetched, but kind-registry had not stored it after " + std::to_string(stored.waited.count() / 1000) +
               " s: " + stored.last_error;
  }
}

int prewarm_list(const GlobalOptions& global, const PrewarmFlags& flags) {
  std::string mirror_url = flags.mirror_url;
  fs::path data_dir = flags.data_dir;
  if (mirror_url.empty()) {
    // The environment's kind-registry when one is up, else production's host port.
    auto state = load_state(global.state_dir);
    mirror_url = state ? state->mirror_url : "http://127.0.0.1:5001";
    if (state && data_dir.empty()) data_dir = state->registry_data;
  }
  RegistryClient mirror(mirror_url);
  if (auto probe = mirror.ping(); !probe) {
    throw std::runtime_error("kind-registry at " + mirror_url + " does not answer: " + probe.reason +
                             " (start it with registry/setup-registry.sh, or give --mirror)");
  }
  const auto images = read_image_list(flags.list);
  const auto before = mirror.catalog();
  const std::set<std::string> cached(before.begin(), before.end());
  std::map<PrewarmStatus, int> counts;
  long long bytes = 0;
  std::vector<PrewarmResult> not_covered;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string counter = "[" + std::to_string(i + 1) + "/" + std::to_string(images.size()) + "]";
    auto r = prewarm_with_progress(mirror, images[i], flags.platform, cached, counter);
    wait_until_served_locally(data_dir, r);
    ++counts[r.status];
    bytes += r.bytes;
    print_result(r, counter);
    if (r.status == PrewarmStatus::not_covered) not_covered.push_back(r);
  }
  std::cout << "\nprewarmed " << images.size() << " images through " << mirror_url << ": "
            << counts[PrewarmStatus::cached_now] << " cached now, " << counts[PrewarmStatus::already_cached]
            << " already cached, " << counts[PrewarmStatus::not_covered] << " not covered, "
            << counts[PrewarmStatus::failed] << " failed; " << std::fixed << std::setprecision(1) << bytes / 1e6
            << " MB fetched\n";
  if (counts[PrewarmStatus::cached_now] > 0) {
    // Docker Hub counts a pull per image manifest fetched; kind-registry
    // answers cached tags with a HEAD upstream, which is not counted.
    std::cout << "Docker Hub counted " << counts[PrewarmStatus::cached_now]
              << " pulls against kind-registry's address or account, one per image cached now (Docker's limits: "
              << format_quota(kDockerHubAnonymous) << " anonymous, " << format_quota(kDockerHubPersonal)
              << " Personal)\n";
  }
  if (!not_covered.empty()) {
    std::cout << "not covered by the mirror (pulled from their own registries, outside the cache):\n";
    for (const auto& r : not_covered) std::cout << "  " << r.image << "\n";
  }
  return counts[PrewarmStatus::failed] ? to_int(ExitCode::failure) : to_int(ExitCode::ok);
}

}  // namespace

Action define_prewarm(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<PrewarmFlags>();
  cmd.add_option("--images", flags->list, "one image reference per line, '#' comments (AIOpsLab's kind/images.txt)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd.add_option("--mirror", flags->mirror_url,
                 "kind-registry's URL (default: the environment's when one is up, else http://127.0.0.1:5001)");
  cmd.add_option("--platform", flags->platform, "platform the nodes run")->capture_default_str();
  cmd.add_option("--data-dir", flags->data_dir,
                 "kind-registry's data directory (setup-registry.sh --data-dir, default ./registry-data): each image "
                 "counts once it is stored there (default: the environment's when one is up)");
  cmd.footer("\nImages of other registries (quay.io, docker.elastic.co, …) are listed as not covered:\n"
             "kind-registry caches docker.io only. With --data-dir (or an environment up) each image counts\n"
             "only once kind-registry has stored it: distribution stores a blob in a second upstream fetch\n"
             "that can outlive the first. Exit 1 when an image failed.");
  return [flags, &global] { return prewarm_list(global, *flags); };
}

}  // namespace mirrorgate
