#include "registry/upstreams.h"

#include <regex>

#include "images/reference.h"

namespace mirrorgate {

std::string cache_host(const std::string& registry) {
  if (registry == kDockerIo) return "kind-registry";
  std::string slug = registry;
  for (auto& c : slug) {
    if (c == '.' || c == ':') c = '-';
  }
  return "kind-registry-" + slug;
}

std::string upstream_url(const std::string& registry) { return "https://" + registry; }

std::string upstream_host(const std::string& registry) {
  return registry == kDockerIo ? "registry-1.docker.io" : registry;
}

std::optional<std::string> upstream_problem(const std::string& registry) {
  static const std::regex host(R"(^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$)");
  if (registry == kDockerIo || registry == "registry-1.docker.io") {
    return "docker.io is kind-registry's own upstream; --upstream names the other registries to cache (quay.io, "
           "ghcr.io, registry.k8s.io …)";
  }
  if (registry.size() > 253 || !std::regex_match(registry, host)) {
    return "'" + registry + "' is not a registry host name (as an image reference names it: quay.io, ghcr.io, "
           "registry.k8s.io, or HOST:PORT)";
  }
  return std::nullopt;
}

std::filesystem::path cache_data_dir(const std::filesystem::path& kind_registry_data, const std::string& registry) {
  std::string suffix = registry;
  for (auto& c : suffix) {
    if (c == ':') c = '-';
  }
  return kind_registry_data.string() + "-" + suffix;
}

std::optional<std::string> inside_cluster(const std::string& registry) {
  const std::string host = registry.substr(0, registry.rfind(':') == std::string::npos ? registry.size() : registry.rfind(':'));
  auto ends_with = [&](const std::string& suffix) {
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  static const std::regex private_address(
      R"(^(127\.|10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)[0-9.]+$)");
  if (host == "localhost" || std::regex_match(host, private_address)) {
    return registry + " is on this machine or its private network: a registry of your own, which no cache of the "
                      "internet's registries can serve";
  }
  if (ends_with(".svc") || ends_with(".cluster.local") || ends_with(".local") || host.find('.') == std::string::npos) {
    return registry + " is a registry inside the cluster (or on its docker network): no cache outside it can serve "
                      "its images, which exist only there";
  }
  return std::nullopt;
}

std::string hosts_toml_path_of(const std::string& registry) {
  return "/etc/containerd/certs.d/" + registry + "/hosts.toml";
}

}  // namespace mirrorgate
