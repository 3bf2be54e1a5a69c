// The registries a run caches besides Docker Hub. distribution proxies one
// upstream per instance (proxy.remoteurl; still so in v3.1, and asked for
// upstream in distribution#3725, #3423, #4505), so each registry gets a
// cache of its own, named after it — kind-registry-quay-io for quay.io — on
// the nodes' network, and every node a certs.d/HOST/hosts.toml sending
// HOST's pulls there (kind/certs.d). kind-registry stays Docker Hub's.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mirrorgate {

// The cache's container and host name: kind-registry for docker.io,
// kind-registry-<registry with '.' and ':' as '-'> for any other
// ("kind-registry-quay-io", "kind-registry-registry-k8s-io").
std::string cache_host(const std::string& registry);

// Where a cache of `registry` fetches from: https://REGISTRY (docker.io's
// kind-registry has its own, in registry-config.yml).
std::string upstream_url(const std::string& registry);

// The host a node falls back to for `registry`: registry-1.docker.io for
// docker.io (its API host), the registry itself otherwise.
std::string upstream_host(const std::string& registry);

// What is wrong with `registry` as an --upstream: a host name (lower-case
// letters, digits, '.' and '-', with a dot), optionally with a port, and not
// docker.io (kind-registry caches it already); nullopt when nothing is.
std::optional<std::string> upstream_problem(const std::string& registry);

// Where a registry's cache keeps its storage, beside kind-registry's:
// DIR-REGISTRY (':' as '-'), as setup-registry.sh --upstream makes it
// ("registry-data-quay.io").
std::filesystem::path cache_data_dir(const std::filesystem::path& kind_registry_data, const std::string& registry);

// Why no cache of the internet's registries can serve `registry`, when it
// is one inside the cluster or the machine: a name without a dot
// ("kind-registry:5000"), localhost or a loopback or private address, a
// cluster's service name (*.svc, *.cluster.local, *.local); nullopt for the rest.
std::optional<std::string> inside_cluster(const std::string& registry);

// The hosts.toml path of `registry` on a node.
std::string hosts_toml_path_of(const std::string& registry);

}  // namespace mirrorgate
