#include "hub/worlds.h"

#include <regex>

namespace mirrorgate {

const std::vector<World>& stand_in_worlds() {
  static const std::vector<World> worlds = [] {
    World quay;
    quay.registry = quay.api_host = "quay.io";
    quay.auth = WorldAuth::bearer;
    quay.realm_path = "/v2/auth";
    quay.blob_host = kQuayBlobHost;
    quay.blob_redirect = 302;

    World ghcr;
    ghcr.registry = ghcr.api_host = "ghcr.io";
    ghcr.auth = WorldAuth::bearer;
    ghcr.realm_path = "/token";
    ghcr.base_scope = "repository:user/image:pull";
    ghcr.blob_host = kGhcrBlobHost;
    ghcr.blob_redirect = 307;

    World k8s;
    k8s.registry = k8s.api_host = "registry.k8s.io";
    k8s.path_prefix = "k8s-artifacts-prod/images/";
    k8s.redirect_to = kK8sArtifactRegistryHost;

    World artifact_registry;
    artifact_registry.registry = "registry.k8s.io";
    artifact_registry.api_host = kK8sArtifactRegistryHost;
    artifact_registry.path_prefix = "k8s-artifacts-prod/images/";
    return std::vector<World>{quay, ghcr, k8s, artifact_registry};
  }();
  return worlds;
}

const World* world_at(const std::string& host) {
  for (const auto& w : stand_in_worlds()) {
    if (w.api_host == host) return &w;
  }
  return nullptr;
}

const World* world_of_blob_host(const std::string& host) {
  for (const auto& w : stand_in_worlds()) {
    if (!w.blob_host.empty() && w.blob_host == host) return &w;
  }
  return nullptr;
}

std::vector<std::string> stand_in_world_hosts() {
  std::vector<std::string> out;
  for (const auto& w : stand_in_worlds()) {
    out.push_back(w.api_host);
    if (!w.blob_host.empty()) out.push_back(w.blob_host);
  }
  return out;
}

std::string world_challenge(const World& world, const std::string& scope) {
  std::string out = "Bearer realm=\"https://" + world.api_host + world.realm_path + "\",service=\"" + world.api_host + "\"";
  const std::string& named = scope.empty() ? world.base_scope : scope;
  if (!named.empty()) out += ",scope=\"" + named + "\"";
  return out;
}

std::optional<WorldPath> split_world_path(const World& world, const std::string& path) {
  // distribution's repository name grammar; a tag or a sha256 digest.
  static const std::string name = R"([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)";
  static const std::string rest =
      R"(/(?:manifests/(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|sha256:[0-9a-f]{64})|blobs/sha256:[0-9a-f]{64}|tags/list))";
  const std::regex form("^/v2/" + std::regex_replace(world.path_prefix, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                        "(" + name + ")(" + rest + ")$");
  std::smatch m;
  if (!std::regex_match(path, m, form)) return std::nullopt;
  return WorldPath{m[1].str(), m[2].str()};
}

std::string stored_repository(const World& world, const std::string& repository) {
  return world.registry + "/" + repository;
}

std::string hub_repository(const std::string& registry, const std::string& repository) {
  return registry == "docker.io" ? repository : registry + "/" + repository;
}

std::string world_redirect_url(const World& world, const std::string& path_and_query) {
  const auto q = path_and_query.find('?');
  std::string path = path_and_query.substr(0, q);
  const std::string query = q == std::string::npos ? "" : path_and_query.substr(q);
  // path.Join("/v2/", prefix, rest): one slash between the parts, none at the end.
  std::string rest = path.rfind("/v2", 0) == 0 ? path.substr(3) : path;
  std::string joined = "/v2/" + world.path_prefix;
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  joined += rest;
  while (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return "https://" + world.redirect_to + joined + query;
}

std::string world_blob_path(const World& world, const std::string& digest_hex) {
  if (world.blob_host == kQuayBlobHost) return "/quayio-production-s3/sha256/" + digest_hex.substr(0, 2) + "/" + digest_hex;
  return "/ghcr1/blobs/sha256:" + digest_hex;
}

std::optional<std::string> world_blob_digest(const World& world, const std::string& path) {
  static const std::regex quay(R"(^/quayio-production-s3/sha256/([0-9a-f]{2})/([0-9a-f]{64})$)");
  static const std::regex ghcr(R"(^/ghcr1/blobs/sha256:([0-9a-f]{64})$)");
  std::smatch m;
  if (world.blob_host == kQuayBlobHost) {
    if (std::regex_match(path, m, quay) && m[2].str().compare(0, 2, m[1].str()) == 0) return m[2].str();
    return std::nullopt;
  }
  if (world.blob_host == kGhcrBlobHost && std::regex_match(path, m, ghcr)) return m[1].str();
  return std::nullopt;
}

}  // namespace mirrorgate
