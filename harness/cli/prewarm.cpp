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
#include "registry/prewarm.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

struct PrewarmFlags {
  fs::path list;
  std::string mirror_url;
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

int prewarm_list(const GlobalOptions& global, const PrewarmFlags& flags) {
  std::string mirror_url = flags.mirror_url;
  if (mirror_url.empty()) {
    // The environment's kind-registry when one is up, else production's host port.
    auto state = load_state(global.state_dir);
    mirror_url = state ? state->mirror_url : "http://127.0.0.1:5001";
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
    const auto r = prewarm_with_progress(mirror, images[i], flags.platform, cached, counter);
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
  cmd.footer("\nImages of other registries (quay.io, docker.elastic.co, …) are listed as not covered:\n"
             "kind-registry caches docker.io only. Exit 1 when an image failed.");
  return [flags, &global] { return prewarm_list(global, *flags); };
}

}  // namespace mirrorgate
