// Node configuration shared by every backend: what goes into a node so its
// containerd pulls docker.io images through the mirror.
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

}  // namespace mirrorgate
