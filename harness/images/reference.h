// Image references as Docker and containerd normalize them:
// "redis" is docker.io/library/redis:latest.
#pragma once

#include <optional>
#include <string>

namespace mirrorgate {

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

}  // namespace mirrorgate
