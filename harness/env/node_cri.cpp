#include "env/node_cri.h"

#include "containerd/cri_client.h"

namespace mirrorgate {

namespace fs = std::filesystem;

PullResult timed_cri_pull(const std::string& node, const std::string& socket, const std::string& image,
                          std::chrono::milliseconds timeout) {
  CriClient cri(socket);
  const auto start = std::chrono::steady_clock::now();
  std::string id = cri.pull_image(image, timeout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {node, image, id, seconds};
}

std::set<std::string> cri_image_ids(const std::string& socket) {
  std::set<std::string> ids;
  for (const auto& image : CriClient(socket).list_images()) ids.insert(image.id);
  return ids;
}

std::string cri_runtime(const std::string& socket, std::chrono::milliseconds timeout) {
  const auto v = CriClient(socket).version(timeout);
  return v.runtime_name + " " + v.runtime_version + " (CRI " + v.runtime_api_version + ")";
}

std::optional<std::string> cri_image_id(const std::string& socket, const std::string& image) {
  auto status = CriClient(socket).image_status(image);
  if (!status) return std::nullopt;
  return status->id;
}

std::optional<RegistrySettings> registry_settings_from_cri(const std::string& node, const std::string& socket) {
  auto info = CriClient(socket).status_info();
  auto config = info.find("config");
  if (config == info.end()) return std::nullopt;
  auto settings = registry_settings_from_cri_info(config->second);
  if (settings) settings->source = node + ": CRI Status info[config]";
  return settings;
}

RegistrySettings registry_settings_from_dump(const std::string& node, const std::string& dump) {
  return registry_settings(dump, node + ": containerd config dump");
}

fs::path content_blob_path(const fs::path& content_store, const std::string& digest) {
  const auto colon = digest.find(':');
  if (colon == std::string::npos) throw std::invalid_argument("not a digest: " + digest);
  return content_store / "blobs" / digest.substr(0, colon) / digest.substr(colon + 1);
}

std::uint64_t content_store_bytes(const fs::path& content_store) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(content_store, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code gone;  // a download that finishes moves its file away mid-walk
    if (!it->is_regular_file(gone)) continue;
    const auto size = it->file_size(gone);
    if (!gone) total += size;
  }
  return total;
}

}  // namespace mirrorgate
