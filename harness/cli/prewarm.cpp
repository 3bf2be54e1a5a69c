// mirrorgate prewarm: pull a list of images through kind-registry once, so
// clusters find them cached.
#include <iomanip>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "env/state.h"
#include "images/reference.h"
#include "images/test_images.h"
#include "registry/docker_hub.h"
#include "registry/prewarm.h"
#include "registry/upstreams.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

constexpr auto kStoreTimeout = std::chrono::minutes(10);

struct PrewarmFlags {
  fs::path list;
  std::string mirror_url;
  std::vector<std::string> caches;  // REGISTRY=URL, each --upstream's cache
  fs::path data_dir;  // kind-registry's storage; empty: the environment's, else not watched
  std::string platform = host_platform();
};

// A registry's cache as prewarm reaches it, and where it stores (empty: not watched).
struct CacheTarget {
  std::string url;
  fs::path data_dir;
};

PrewarmResult prewarm_with_progress(const RegistryClient& mirror, const ListedImage& image, const std::string& platform,
                                    const std::set<std::string>& cached, const std::string& counter,
                                    const std::string& registry) {
  std::atomic<long long> fetched{0};
  Progress progress(counter + " " + image.text, [&] { return static_cast<std::uint64_t>(fetched.load()); });
  return prewarm_image(mirror, image.text, platform, cached, &fetched, registry);
}

void print_result(const PrewarmResult& r, const std::string& counter) {
  std::cout << counter << " " << r.image << ": " << to_string(r.status);
  if (r.bytes) std::cout << " (" << std::fixed << std::setprecision(1) << r.bytes / 1e6 << " MB, " << r.seconds << " s)";
  if (!r.reason.empty()) std::cout << " — " << r.reason;
  std::cout << "\n";
}

// A prewarmed image counts once its cache has stored it, not when its
// bytes reached us: distribution's storing fetch can still be running.
void wait_until_served_locally(const fs::path& data_dir, PrewarmResult& r) {
  if (data_dir.empty() || (r.status != PrewarmStatus::cached_now && r.status != PrewarmStatus::already_cached)) return;
  if (auto stored = wait_until_stored(data_dir, r, kStoreTimeout); !stored) {
    r.status = PrewarmStatus::failed;
    r.reason = "fetched, but the cache had not stored it after " + std::to_string(stored.waited.count() / 1000) +
               " s: " + stored.last_error;
  }
}

// Every registry's cache: the environment's when one is up (docker.io's
// kind-registry and each --upstream's), else production's kind-registry on
// its host port; --mirror and --cache name them instead.
std::map<std::string, CacheTarget> cache_targets(const GlobalOptions& global, const PrewarmFlags& flags) {
  std::map<std::string, CacheTarget> out;
  const auto state = flags.mirror_url.empty() || flags.data_dir.empty() ? load_state(global.state_dir) : std::nullopt;
  if (state) {
    out[kDockerIo] = {state->mirror_url, state->registry_data};
    for (const auto& c : state->caches) out[c.registry] = {c.url, c.data};
  } else {
    out[kDockerIo] = {"http://127.0.0.1:5001", {}};
  }
  if (!flags.mirror_url.empty()) out[kDockerIo] = {flags.mirror_url, flags.data_dir};
  if (!flags.data_dir.empty()) out[kDockerIo].data_dir = flags.data_dir;
  for (const auto& entry : flags.caches) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size()) {
      throw bad_flag("--cache " + entry, "expected REGISTRY=URL, e.g. quay.io=http://127.0.0.1:5011");
    }
    const std::string registry = entry.substr(0, eq);
    if (auto problem = upstream_problem(registry)) throw bad_flag("--cache " + entry, *problem);
    out[registry] = {entry.substr(eq + 1), {}};
  }
  return out;
}

int prewarm_list(const GlobalOptions& global, const PrewarmFlags& flags) {
  const auto targets = cache_targets(global, flags);
  const auto images = read_image_list(flags.list);
  std::map<std::string, RegistryClient> mirrors;
  std::map<std::string, std::set<std::string>> catalogs;  // before the run, by registry
  std::map<PrewarmStatus, int> counts;
  long long bytes = 0;
  int counted = 0;  // docker.io images cached now: one pull Docker Hub counts each
  std::vector<PrewarmResult> not_covered;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string counter = "[" + std::to_string(i + 1) + "/" + std::to_string(images.size()) + "]";
    const auto ref = parse_reference(images[i].text);
    PrewarmResult r;
    r.image = images[i].text;
    const std::string registry = ref ? ref->domain : "";
    const auto target = targets.find(registry);
    if (ref && target == targets.end()) {
      r.status = PrewarmStatus::not_covered;
      r.reason = inside_cluster(registry).value_or(
          "no cache of " + registry + " here; registry/setup-registry.sh --upstream " + registry +
          "=PORT starts one, then give --cache " + registry + "=http://127.0.0.1:PORT");
    } else {
      // An unreadable reference goes to kind-registry, whose prewarm names what is wrong with it.
      const std::string cache_registry = ref ? registry : std::string(kDockerIo);
      const auto& t = targets.at(cache_registry);
      auto [it, fresh] = mirrors.try_emplace(cache_registry, t.url);
      if (fresh) {
        if (auto probe = it->second.ping(); !probe) {
          throw std::runtime_error(cache_host(cache_registry) + " at " + t.url + " does not answer: " + probe.reason +
                                   " (start it with registry/setup-registry.sh" +
                                   (cache_registry == kDockerIo ? std::string(", or give --mirror)")
                                                                : " --upstream " + cache_registry + ", or give --cache)"));
        }
        const auto listed = it->second.catalog();
        catalogs[cache_registry] = {listed.begin(), listed.end()};
      }
      r = prewarm_with_progress(it->second, images[i], flags.platform, catalogs[cache_registry], counter, cache_registry);
      wait_until_served_locally(t.data_dir, r);
      counted += cache_registry == kDockerIo && r.status == PrewarmStatus::cached_now;
    }
    ++counts[r.status];
    bytes += r.bytes;
    print_result(r, counter);
    if (r.status == PrewarmStatus::not_covered) not_covered.push_back(r);
  }
  std::string through;
  for (const auto& [registry, client] : mirrors) through += (through.empty() ? "" : ", ") + cache_host(registry) + " (" + client.base_url() + ")";
  std::cout << "\nprewarmed " << images.size() << " images through " << (through.empty() ? "no cache" : through) << ": "
            << counts[PrewarmStatus::cached_now] << " cached now, " << counts[PrewarmStatus::already_cached]
            << " already cached, " << counts[PrewarmStatus::not_covered] << " not covered, "
            << counts[PrewarmStatus::failed] << " failed; " << std::fixed << std::setprecision(1) << bytes / 1e6
            << " MB fetched\n";
  if (counted > 0) {
    // Docker Hub counts a pull per image manifest fetched; kind-registry
    // answers cached tags with a HEAD upstream, which is not counted.
    std::cout << "Docker Hub counted " << counted
              << " pulls against kind-registry's address or account, one per docker.io image cached now (Docker's limits: "
              << format_quota(kDockerHubAnonymous) << " anonymous, " << format_quota(kDockerHubPersonal)
              << " Personal)\n";
  }
  if (!not_covered.empty()) {
    std::cout << "not covered by any cache (pulled from their own registries, outside the caches):\n";
    for (const auto& r : not_covered) std::cout << "  " << r.image << " — " << r.reason << "\n";
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
  cmd.add_option("--cache", flags->caches,
                 "REGISTRY=URL: the cache of another registry (setup-registry.sh --upstream REGISTRY=PORT publishes it "
                 "on 127.0.0.1:PORT), e.g. quay.io=http://127.0.0.1:5011; repeat for each (default: the environment's "
                 "when one is up)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("--platform", flags->platform, "platform the nodes run")->capture_default_str();
  cmd.add_option("--data-dir", flags->data_dir,
                 "kind-registry's data directory (setup-registry.sh --data-dir, default ./registry-data): each image "
                 "counts once it is stored there (default: the environment's when one is up)");
  cmd.footer("\nEach image goes through its registry's cache: docker.io's through kind-registry, quay.io's\n"
             "through kind-registry-quay-io (setup-registry.sh --upstream quay.io=PORT, then --cache), and so on.\n"
             "An image of a registry without a cache, or of one inside the cluster, is listed as not covered,\n"
             "with the reason. With --data-dir (or an environment up) each image counts only once its cache\n"
             "has stored it: distribution stores a blob in a second upstream fetch that can outlive the\n"
             "first. Exit 1 when an image failed.");
  return [flags, &global] { return prewarm_list(global, *flags); };
}

}  // namespace mirrorgate
