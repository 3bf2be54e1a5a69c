// Prewarming the cache: pull a list of images through kind-registry once, so
// the first cluster (and every node of it) finds them cached. The list is
// AIOpsLab's kind/images.txt format: one reference per line, '#' comments.
#pragma once

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/wait.h"
#include <nlohmann/json.hpp>

#include "images/reference.h"
#include "registry/http.h"
#include "registry/registry_client.h"

namespace mirrorgate {

struct ListedImage {
  int line = 0;
  std::string text;
};

// Throws UserError(bad_input) when the file cannot be read.
std::vector<ListedImage> read_image_list(const std::filesystem::path& file);

// The manifest an image index lists for `platform` ("linux/amd64",
// "linux/arm/v7", "linux/arm64/v8"): os and architecture equal, and the
// variant when the platform names one ("linux/arm64/v8" also matches an
// arm64 entry without variant, as containerd normalizes it); the first
// os/architecture match when it names none. Empty when none matches.
std::string manifest_for_platform(const nlohmann::json& index, const std::string& platform);

// How prewarm fetches: no deadline for a whole layer (a large one over a slow
// link takes minutes), but a transfer that stalls below 1 KiB/s for 60 s fails.
HttpOptions prewarm_http_options();

enum class PrewarmStatus { cached_now, already_cached, not_covered, failed };

struct PrewarmResult {
  std::string image;  // as listed
  std::string repository;            // library/redis
  std::vector<std::string> blobs;    // config and layers fetched
  PrewarmStatus status = PrewarmStatus::failed;
  std::string reason;  // for not_covered and failed
  long long bytes = 0;  // manifests and blobs fetched through the mirror
  double seconds = 0;
};

const char* to_string(PrewarmStatus s);

// Fetches the image's manifest (the platform's, from an index), config and
// layers through the mirror, the cache of `registry` (kind-registry for
// docker.io; kind-registry-quay-io …): an image of another registry is not
// covered by it. `cached_repositories` is the mirror's catalog before the
// run: an image whose repository is in it counts as already cached. Blob
// bytes are added to `progress` (when given) as they arrive.
PrewarmResult prewarm_image(const RegistryClient& mirror, const std::string& image, const std::string& platform,
                            const std::set<std::string>& cached_repositories,
                            std::atomic<long long>* progress = nullptr, const std::string& registry = kDockerIo);

// distribution 2.8 serves a cold blob to the client in one upstream fetch
// and stores it in a second that can outlive the first: until that one is
// done, the next pull of the blob goes upstream again. Waits until every blob
// is linked into the repository in the mirror's storage (its root
// directory, as the harness reaches it): from then on it is served locally.
// A link counts once it names its blob; distribution writes it in place, so
// for a moment it exists empty.
[[nodiscard]] WaitResult wait_until_stored(const std::filesystem::path& registry_data, const std::string& repository,
                                           const std::vector<std::string>& blobs, std::chrono::milliseconds timeout);
[[nodiscard]] inline WaitResult wait_until_stored(const std::filesystem::path& registry_data,
                                                  const PrewarmResult& prewarmed, std::chrono::milliseconds timeout) {
  return wait_until_stored(registry_data, prewarmed.repository, prewarmed.blobs, timeout);
}

}  // namespace mirrorgate
