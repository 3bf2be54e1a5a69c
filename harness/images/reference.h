// Image references as Docker and containerd normalize them:
// "redis" is docker.io/library/redis:latest.
#pragma once

#include <optional>
#include <string>

namespace mirrorgate {

// Docker Hub's name in references: the registry kind-registry caches.
inline constexpr const char* kDockerIo = "docker.io";

struct ImageReference {
  std::string domain;      // "docker.io", "quay.io", "localhost:5000"
  std::string repository;  // "library/redis"
  std::string tag;         // empty when only a digest was given
  std::string digest;      // "sha256:…" or empty

  // "docker.io/library/redis:7.2" (or "…@sha256:…" when there is a digest)
  std::string str() const;
  // The reference by digest in the same repository.
  std::string with_digest(const std::string& digest) const;
};

inline constexpr size_t kMaxReferenceLength = 512;

// nullopt with `why` filled when the text is not a valid reference.
std::optional<ImageReference> parse_reference(const std::string& text, std::string* why = nullptr);

// The manifest and blob media types of Docker and OCI images.
namespace media_type {
inline constexpr const char* docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* docker_manifest_list = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* docker_layer = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr const char* oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* oci_layer = "application/vnd.oci.image.layer.v1.tar+gzip";
// What a client sends to get any of them.
inline constexpr const char* accept_all =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media_type

}  // namespace mirrorgate
