// The distribution (registry v2) API calls the harness makes: seed the hub,
// read the mirror's catalog and tags, check manifests and blobs.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/probe.h"
#include "registry/docker_hub.h"
#include "registry/http.h"

namespace mirrorgate {

class RegistryClient {
 public:
  // base_url like "https://registry-1.docker.io" or "http://10.77.0.3:5000".
  RegistryClient(std::string base_url, HttpOptions options = {}, Credentials credentials = {});

  const std::string& base_url() const { return base_url_; }

  // GET /v2/ answered 200 (or 401 from a registry with auth): it is serving.
  Probe ping() const;

  std::vector<std::string> catalog() const;
  std::vector<std::string> tags(const std::string& repository) const;

  bool has_blob(const std::string& repository, const std::string& digest) const;
  // Monolithic upload: POST an upload session, PUT the file with ?digest=.
  void push_blob(const std::string& repository, const std::string& digest,
                 const std::filesystem::path& file, std::atomic<long long>* sent = nullptr) const;

  // Links a blob the registry holds in `from` into `repository` without
  // uploading it (cross-repository mount). False when the registry declined.
  bool mount_blob(const std::string& repository, const std::string& digest, const std::string& from) const;

  // Digest the registry reports for a manifest (Docker-Content-Digest), if any.
  std::optional<std::string> manifest_digest(const std::string& repository, const std::string& reference,
                                             const std::string& accept) const;
  void put_manifest(const std::string& repository, const std::string& reference,
                    const std::string& media_type, const std::string& body) const;

 private:
  std::string url(const std::string& path) const { return base_url_ + path; }
  // Every request: with the token the registry asked for before, and on a
  // Bearer challenge a token from its realm (with the credentials) and once
  // more. Registries without auth answer the first try.
  HttpResponse send(const std::string& method, const std::string& url, std::map<std::string, std::string> headers = {},
                    const std::string& body = {}) const;
  std::string base_url_;
  HttpClient http_;
  Credentials credentials_;
  struct Tokens;
  std::shared_ptr<Tokens> tokens_;
};

}  // namespace mirrorgate
