// Why a node's pulls go around the mirror, found the way containerd decides:
// config_path in the running config → hosts.toml under it for docker.io → its
// hosts in order (name, port, scheme, capabilities) → what the mirror itself
// is (a pull-through cache of Docker Hub?). Each finding says what is wrong
// in the user's terms and how to fix it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "containerd/generations.h"
#include "env/environment.h"
#include "registry/registry_config.h"

namespace mirrorgate {

struct Finding {
  std::string node;     // empty for findings about the mirror
  std::string problem;  // what is wrong and what it causes
  std::string fix;      // what to change
  std::vector<std::string> evidence;  // file lines, log lines
  std::string str() const;
};

// What the diagnosis knows besides the node itself.
struct MirrorFacts {
  // The registry whose pulls the mirror takes: docker.io (kind-registry), or
  // an --upstream (kind-registry-quay-io): for_registry.
  std::string registry = "docker.io";
  std::string name = "kind-registry";  // the mirror's name on the kind network
  int port = 5000;                     // the port it listens on there
  bool tls = false;                    // whether it serves HTTPS
  std::optional<RegistryConfig> registry_config;
  std::vector<std::string> skipped_patches;  // kind config patches kind would skip
  std::vector<GenerationVerdict> generations;  // what each containerd generation makes of the kind config
  std::filesystem::path kind_config;
  std::filesystem::path hosts_toml;          // the file that was installed on the nodes

  static MirrorFacts from_files(const std::filesystem::path& kind_config, const std::filesystem::path& registry_config,
                                const std::filesystem::path& hosts_toml);
  // The same facts for another registry's cache: its name, its hosts.toml.
  MirrorFacts for_registry(const std::string& registry, const std::filesystem::path& hosts_toml) const;
  // Where the registry's API answers, what nodes fall back to:
  // https://registry-1.docker.io for docker.io, https://REGISTRY otherwise.
  std::string upstream_api() const;
  std::string upstream_host() const;
};

std::vector<Finding> diagnose_node(const Environment& env, const std::string& node, const MirrorFacts& facts);

// Where the node's containerd finds a registry's hosts.toml (docker.io's by
// default), as containerd looks: config_path is a list of roots
// (`:`-separated); in each root, containerd_host_dirs in their order; the
// first directory there is is used.
struct HostsTomlLocation {
  std::vector<std::string> roots;  // config_path, split
  std::string dir;                 // the directory containerd uses; empty: none of the roots has one
  std::string path;                // DIR/hosts.toml, or ROOT/docker.io/hosts.toml of the first root when no dir
  std::optional<std::string> text; // its content, when the file is there
};
HostsTomlLocation locate_hosts_toml(const NodeFiles& files, const std::string& node, const std::string& config_path,
                                    const std::string& registry_host = "docker.io");
std::vector<Finding> diagnose_mirror(const MirrorFacts& facts);

// A cache that deletes what it cached: distribution's proxy deletes every
// blob and manifest proxy.ttl after it first fetched it (use does not
// renew it), shared layers included, whenever storage.delete.enabled is
// true. On registry 3 (`generation` "3.1") a ttl of 0 or less turns that
// off; registry 2.8 ignores proxy.ttl and always uses 168 h. nullopt when
// the cache keeps what it cached.
std::optional<Finding> expiring_cache(const RegistryConfig& config, const std::string& generation);

// A cache that cannot store what it fetches: its storage's filesystem
// nearly full (under 10 % and under 1 GiB free), or its log saying "no
// space left on device". Names the directory, the bytes free, the log
// lines, what it causes (cold pulls fall back to Docker Hub, counted, and
// nothing new is cached) and the fix. nullopt when it has room.
std::optional<Finding> full_cache_disk(const std::string& cache, const std::filesystem::path& storage,
                                       std::uint64_t free_bytes, std::uint64_t total_bytes, const std::string& cache_log);
// The same, measured: statvfs of the directory (as the harness sees it).
std::optional<Finding> full_cache_disk(const std::string& cache, const std::filesystem::path& storage,
                                       const std::string& cache_log);

// What Docker Hub's answers to kind-registry say (the upstream's access log
// over a span of the run): its credentials refused by the token service, or
// the pull quota spent (429 TOOMANYREQUESTS) and when it frees up.
std::vector<Finding> diagnose_upstream(const Environment& env, const std::vector<AccessRecord>& upstream_records);

// When the kind config is right for some node generations and wrong for
// others: one line saying which, naming the kind releases (empty otherwise).
std::string generation_portability(const MirrorFacts& facts);

}  // namespace mirrorgate
