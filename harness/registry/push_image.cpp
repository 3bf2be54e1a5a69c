#include "registry/push_image.h"

namespace mirrorgate {

bool push_test_image(const RegistryClient& registry, const TestImage& image, const TestImageStore& store,
                     std::atomic<long long>* sent, const std::string& repository) {
  const auto& ref = image.spec.ref;
  const std::string& repo = repository.empty() ? ref.repository : repository;
  auto existing = registry.manifest_digest(repo, ref.tag, media_type::accept_all);
  if (existing && *existing == image.top.digest) return false;
  for (const auto& p : image.platforms) {
    std::vector<Blob> blobs = p.layers;
    blobs.push_back(p.config);
    for (const auto& blob : blobs) {
      if (!registry.has_blob(repo, blob.digest)) registry.push_blob(repo, blob.digest, store.blob_path(blob.digest), sent);
    }
    if (image.is_index()) registry.put_manifest(repo, p.manifest.digest, p.manifest.media_type, p.manifest_body);
  }
  registry.put_manifest(repo, ref.tag, image.top.media_type, image.top_body);
  return true;
}

}  // namespace mirrorgate
