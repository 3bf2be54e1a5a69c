// A live, read-only look at a user's own cluster before an experiment runs
// (`verify --live`): from what is running — each node's containerd, the
// hosts.toml it reads, kind-registry's config and storage, kind-registry's
// access log — whether every node provably pulls docker.io images through
// the cache; how much of an image list the cache holds (offline-ready);
// Docker Hub's pull quota left for the cache's identity; the offline-restart
// risk. Nothing in the cluster, kind-registry or Docker's networks changes:
// a probe image pulled onto a node that did not hold it is removed again.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/environment.h"
#include "images/reference.h"
#include "reports/live_report.h"

namespace mirrorgate {

struct LiveOptions {
  // The image each node pulls as proof; empty: the smallest image of
  // `images` the cache already holds (no quota spent), else busybox:1.36.
  std::string probe_image;
  std::filesystem::path images;  // AIOpsLab's images.txt format; empty: no readiness report
  std::chrono::seconds pull_timeout{120};
  // The team cache this machine's kind-registry should cache through
  // (setup-registry.sh --team-cache URL); empty: Docker Hub, directly.
  std::string team_cache;
};

LiveReport verify_live(Environment& env, const LiveOptions& options);

// Whether a cache's storage (its root directory) holds everything a node of
// `platform` fetches for `ref`, linked into the repository as distribution
// serves it: status "cached" with the tag's digest as detail, else "not
// cached" and what is missing. Read off the disk; nothing is asked.
ImageReadiness readiness_in_storage(const std::filesystem::path& storage, const ImageReference& ref,
                                    const std::string& platform, const std::string& listed);

// Whether kind-registry, a pull-through cache of `upstream` started by
// `command` (its container's entrypoint and arguments), still serves its
// cache after a restart without network: a pass when it starts through
// kind-registry-start.sh, else a warning with that fix.
LiveCheck offline_restart_check(const std::string& upstream, const std::vector<std::string>& command);

}  // namespace mirrorgate
