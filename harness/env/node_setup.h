// Node configuration shared by every backend: what goes into a node so its
// containerd pulls through the caches — docker.io's hosts.toml, and one per
// --upstream (kind/certs.d/HOST/hosts.toml).
#pragma once

#include <string>
#include <vector>

#include "containerd/hosts_toml.h"
#include "env/environment.h"

namespace mirrorgate {

// Writes hosts.toml (e.g. kind/hosts.toml) to `path` on every one of `nodes`
// that `only` selects (names or roles; empty: every node), after checking
// that it parses (`source` names the file for errors).
void install_hosts_toml(NodeFiles& files, const std::vector<NodeInfo>& nodes, const std::string& hosts_toml,
                        const std::string& source, const std::vector<std::string>& only,
                        const std::string& path = kDockerHubHostsPath);

// One registry's hosts.toml as read from the files under test.
struct RegistryHostsToml {
  std::string registry;  // "quay.io"
  std::string source;    // the file, for messages: ".../kind/certs.d/quay.io/hosts.toml"
  std::string content;
};

// DIR/HOST/hosts.toml of every upstream, read and parsed before anything is
// made; throws UserError(bad_input) naming the file when one is missing or
// malformed.
std::vector<RegistryHostsToml> read_upstream_hosts_tomls(const std::filesystem::path& certs_d,
                                                         const std::vector<std::string>& upstreams);

// Every upstream's hosts.toml onto the nodes its --hosts-toml-nodes entries
// (REGISTRY=NODE) select, at /etc/containerd/certs.d/HOST/hosts.toml.
void install_upstream_hosts_tomls(NodeFiles& files, const std::vector<NodeInfo>& nodes,
                                  const std::vector<RegistryHostsToml>& hosts_tomls,
                                  const std::vector<std::string>& hosts_toml_nodes);

}  // namespace mirrorgate
