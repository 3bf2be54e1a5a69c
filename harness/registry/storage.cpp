#include "registry/storage.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "registry/prewarm.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// "sha256:HEX" → {"sha256", "HEX"}; empty parts when it is not a digest.
std::pair<std::string, std::string> split_digest(const std::string& digest) {
  const auto colon = digest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= digest.size()) return {};
  return {digest.substr(0, colon), digest.substr(colon + 1)};
}

bool linked_in(const fs::path& dir, const std::string& digest) {
  const auto [algorithm, hex] = split_digest(digest);
  return !hex.empty() && read_link(dir / algorithm / hex / "link").value_or("") == digest;
}

// The digests of every ALG/HEX/link under dir that names ALG:HEX.
std::vector<std::string> links_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator alg(dir, ec), end; !ec && alg != end; alg.increment(ec)) {
    if (!alg->is_directory()) continue;
    std::error_code inner;
    for (fs::directory_iterator hex(alg->path(), inner); !inner && hex != end; hex.increment(inner)) {
      const std::string digest = alg->path().filename().string() + ":" + hex->path().filename().string();
      if (read_link(hex->path() / "link").value_or("") == digest) out.push_back(digest);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<std::string> read_link(const fs::path& link) {
  auto text = read_file_if_exists(link);
  if (!text) return std::nullopt;
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return text;
}

fs::path RegistryStorage::blob_data(const std::string& digest) const {
  const auto [algorithm, hex] = split_digest(digest);
  if (hex.size() < 2) return {};
  return blobs_dir() / algorithm / hex.substr(0, 2) / hex / "data";
}

bool RegistryStorage::exists() const {
  std::error_code ec;
  return fs::is_directory(root_ / "docker/registry/v2", ec);
}

std::vector<std::string> RegistryStorage::blob_digests() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(blobs_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() != "data" || !it->is_regular_file()) continue;
    const auto hex = it->path().parent_path();
    out.push_back(hex.parent_path().parent_path().filename().string() + ":" + hex.filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> RegistryStorage::repositories() const {
  // A repository is a directory holding _manifests or _layers; names nest
  // ("library/redis", "a/b/c"), and no path component starts with '_'.
  std::vector<std::string> out;
  const fs::path base = repositories_dir();
  std::error_code ec;
  for (fs::recursive_directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory() || it->is_symlink()) {
      continue;
    }
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '_') {
      if (name == "_manifests" || name == "_layers") out.push_back(fs::relative(it->path().parent_path(), base).string());
      it.disable_recursion_pending();
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> RegistryStorage::tags(const std::string& repository) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(repository_dir(repository) / "_manifests/tags", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_directory()) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> RegistryStorage::tag_digest(const std::string& repository, const std::string& tag) const {
  return read_link(repository_dir(repository) / "_manifests/tags" / tag / "current/link");
}

std::optional<fs::file_time_type> RegistryStorage::tag_written(const std::string& repository,
                                                               const std::string& tag) const {
  std::error_code ec;
  const auto t = fs::last_write_time(repository_dir(repository) / "_manifests/tags" / tag / "current/link", ec);
  if (ec) return std::nullopt;
  return t;
}

bool RegistryStorage::manifest_linked(const std::string& repository, const std::string& digest) const {
  return linked_in(repository_dir(repository) / "_manifests/revisions", digest);
}

bool RegistryStorage::layer_linked(const std::string& repository, const std::string& digest) const {
  return linked_in(repository_dir(repository) / "_layers", digest);
}

std::vector<std::string> RegistryStorage::linked_manifests(const std::string& repository) const {
  return links_under(repository_dir(repository) / "_manifests/revisions");
}

std::vector<std::string> RegistryStorage::linked_layers(const std::string& repository) const {
  return links_under(repository_dir(repository) / "_layers");
}

std::optional<std::string> RegistryStorage::read_blob(const std::string& digest) const {
  const auto path = blob_data(digest);
  if (path.empty()) return std::nullopt;
  return read_file_if_exists(path);
}

std::optional<std::uint64_t> RegistryStorage::blob_size(const std::string& digest) const {
  const auto path = blob_data(digest);
  std::error_code ec;
  const auto size = path.empty() ? 0 : fs::file_size(path, ec);
  if (path.empty() || ec) return std::nullopt;
  return size;
}

std::vector<std::string> RegistryStorage::manifest_references(const std::string& digest) const {
  std::vector<std::string> out;
  const auto body = read_blob(digest);
  if (!body) return out;
  const auto m = json::parse(*body, nullptr, false);
  if (!m.is_object()) return out;
  auto take = [&](const json& descriptor, const char* key) {
    if (descriptor.is_object() && descriptor.contains(key) && descriptor[key].is_string()) {
      out.push_back(descriptor[key].get<std::string>());
    }
  };
  if (m.contains("config")) take(m["config"], "digest");
  for (const char* list : {"layers", "manifests", "blobs"}) {
    if (!m.contains(list) || !m[list].is_array()) continue;
    for (const auto& d : m[list]) take(d, "digest");
  }
  if (m.contains("fsLayers") && m["fsLayers"].is_array()) {
    for (const auto& d : m["fsLayers"]) take(d, "blobSum");  // schema 1
  }
  if (m.contains("subject")) take(m["subject"], "digest");
  return out;
}

fs::path RegistryStorage::revision_dir(const std::string& repository, const std::string& digest) const {
  const auto [algorithm, hex] = split_digest(digest);
  if (hex.empty()) return {};
  return repository_dir(repository) / "_manifests/revisions" / algorithm / hex;
}

fs::path RegistryStorage::layer_dir(const std::string& repository, const std::string& digest) const {
  const auto [algorithm, hex] = split_digest(digest);
  if (hex.empty()) return {};
  return repository_dir(repository) / "_layers" / algorithm / hex;
}

std::optional<fs::file_time_type> RegistryStorage::revision_written(const std::string& repository,
                                                                    const std::string& digest) const {
  const auto dir = revision_dir(repository, digest);
  std::error_code ec;
  const auto t = dir.empty() ? fs::file_time_type{} : fs::last_write_time(dir / "link", ec);
  if (dir.empty() || ec) return std::nullopt;
  return t;
}

std::vector<fs::path> RegistryStorage::uploads(const std::string& repository) const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(repository_dir(repository) / "_uploads", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_directory()) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> RegistryStorage::first_unlinked(const std::string& repository,
                                                           const std::vector<std::string>& blobs) const {
  for (const auto& digest : blobs) {
    if (!layer_linked(repository, digest)) return digest;
  }
  return std::nullopt;
}

StoredImage RegistryStorage::image(const ImageReference& ref, const std::string& platform) const {
  StoredImage out;
  // A manifest of the repository: linked as a revision, and its body stored.
  auto manifest = [&](const std::string& digest) -> std::optional<json> {
    if (!manifest_linked(ref.repository, digest)) return std::nullopt;
    auto body = read_blob(digest);
    if (!body) return std::nullopt;
    auto j = json::parse(*body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  };
  out.digest = ref.digest;
  if (out.digest.empty()) {
    auto link = tag_digest(ref.repository, ref.tag);
    if (!link) {
      out.missing = "the cache has no tag " + ref.tag + " of " + ref.repository;
      return out;
    }
    out.digest = *link;
  }
  auto top = manifest(out.digest);
  if (!top) {
    out.missing = "the manifest " + out.digest + " is not in the cache";
    return out;
  }
  out.manifests.push_back(out.digest);
  if (top->contains("manifests")) {
    const std::string own = manifest_for_platform(*top, platform);
    if (own.empty()) {
      out.missing = "its index has no " + platform + " image";
      return out;
    }
    top = manifest(own);
    if (!top) {
      out.missing = "the " + platform + " manifest " + own + " is not in the cache";
      return out;
    }
    out.manifests.push_back(own);
  }
  if (top->contains("config")) out.blobs.push_back((*top)["config"].value("digest", ""));
  for (const auto& layer : top->value("layers", json::array())) out.blobs.push_back(layer.value("digest", ""));
  const auto missing = std::count_if(out.blobs.begin(), out.blobs.end(),
                                     [&](const std::string& b) { return !layer_linked(ref.repository, b); });
  if (missing) {
    out.missing = std::to_string(missing) + " of " + std::to_string(out.blobs.size()) + " blobs not in the cache";
    return out;
  }
  out.complete = true;
  return out;
}

}  // namespace mirrorgate
