#include "registry/prewarm.h"

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "images/reference.h"
#include "registry/storage.h"
#include "registry/upstreams.h"

namespace mirrorgate {

using json = nlohmann::json;

std::vector<ListedImage> read_image_list(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw bad_input(file.string(), 0, "cannot read the image list");
  std::vector<ListedImage> out;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    auto last = line.find_last_not_of(" \t\r");
    out.push_back({number, line.substr(first, last - first + 1)});
  }
  return out;
}

const char* to_string(PrewarmStatus s) {
  switch (s) {
    case PrewarmStatus::cached_now: return "cached now";
    case PrewarmStatus::already_cached: return "already cached";
    case PrewarmStatus::not_covered: return "not covered";
    case PrewarmStatus::failed: return "FAILED";
  }
  return "?";
}

std::string manifest_for_platform(const json& index, const std::string& platform) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const auto slash = platform.find('/', start);
    parts.push_back(platform.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) return "";
  const std::string& os = parts[0];
  const std::string& arch = parts[1];
  const std::string variant = parts.size() == 3 ? parts[2] : "";
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) return "";
  for (const auto& m : index["manifests"]) {
    if (!m.is_object() || !m.contains("platform") || !m["platform"].is_object()) continue;
    const auto& p = m["platform"];
    if (p.value("os", "") != os || p.value("architecture", "") != arch) continue;
    const std::string listed = p.value("variant", "");
    const bool arm64_v8 = arch == "arm64" && variant == "v8" && listed.empty();
    if (!variant.empty() && listed != variant && !arm64_v8) continue;
    return m.value("digest", "");
  }
  return "";
}

HttpOptions prewarm_http_options() {
  HttpOptions o;
  o.timeout = std::chrono::milliseconds(0);
  o.low_speed_bytes = 1024;
  o.low_speed_time = std::chrono::seconds(60);
  o.stop_on_interrupt = true;
  return o;
}

PrewarmResult prewarm_image(const RegistryClient& mirror, const std::string& image, const std::string& platform,
                            const std::set<std::string>& cached_repositories, std::atomic<long long>* progress,
                            const std::string& registry) {
  const auto start = std::chrono::steady_clock::now();
  PrewarmResult r;
  r.image = image;
  std::string why;
  auto ref = parse_reference(image, &why);
  if (!ref) {
    r.reason = why;
    return r;
  }
  if (ref->domain != registry) {
    r.status = PrewarmStatus::not_covered;
    r.reason = ref->domain + " is not mirrored by " + cache_host(registry) + " (it caches " + registry +
               " only); nodes pull it from " + ref->domain + " directly";
    return r;
  }
  HttpClient http(prewarm_http_options());
  auto get = [&](const std::string& path, const std::string& accept, std::string* body) {
    const std::string url = mirror.base_url() + "/v2/" + ref->repository + path;
    if (body) {
      auto resp = http.request("GET", url, {{"Accept", accept}});
      if (resp.status != 200) throw std::runtime_error("GET " + path + " answered HTTP " + std::to_string(resp.status));
      r.bytes += static_cast<long long>(resp.body.size());
      *body = resp.body;
      return;
    }
    std::atomic<long long> fetched{0};
    auto& live = progress ? *progress : fetched;
    const long long before = live;
    auto resp = http.get_counting(url, {}, &live);
    if (resp.status != 200) throw std::runtime_error("GET " + path + " answered HTTP " + std::to_string(resp.status));
    r.bytes += live - before;
  };
  try {
    std::string body;
    get("/manifests/" + (ref->digest.empty() ? ref->tag : ref->digest), media_type::accept_all, &body);
    auto manifest = json::parse(body);
    if (manifest.contains("manifests")) {
      const std::string digest = manifest_for_platform(manifest, platform);
      if (digest.empty()) throw std::runtime_error("the index has no " + platform + " image");
      get("/manifests/" + digest, media_type::accept_all, &body);
      manifest = json::parse(body);
    }
    std::vector<std::string> blobs;
    if (manifest.contains("config")) blobs.push_back(manifest["config"].value("digest", ""));
    for (const auto& layer : manifest.value("layers", json::array())) blobs.push_back(layer.value("digest", ""));
    for (const auto& digest : blobs) get("/blobs/" + digest, "", nullptr);
    r.repository = ref->repository;
    r.blobs = blobs;
    r.status = cached_repositories.count(ref->repository) ? PrewarmStatus::already_cached : PrewarmStatus::cached_now;
  } catch (const Interrupted&) {
    throw;  // the user stopped prewarm: not this image's failure
  } catch (const std::exception& e) {
    r.status = PrewarmStatus::failed;
    r.reason = e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

WaitResult wait_until_stored(const std::filesystem::path& registry_data, const std::string& repository,
                              const std::vector<std::string>& blobs, std::chrono::milliseconds timeout) {
  const RegistryStorage storage(registry_data);
  return wait_for(
      [&](std::string& why) {
        if (const auto missing = storage.first_unlinked(repository, blobs)) {
          why = *missing + " is not stored in " + repository + " yet (" + storage.repositories_dir().string() + ")";
          return false;
        }
        return true;
      },
      timeout, std::chrono::milliseconds(20));
}

}  // namespace mirrorgate
