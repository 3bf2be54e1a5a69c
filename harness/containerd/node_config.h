// Node configuration shared by every backend: what goes into a node so its
// containerd pulls docker.io images through the mirror.
#pragma once

#include <string>

#include "containerd/hosts_toml.h"
#include "env/environment.h"

namespace mirrorgate {

// Writes hosts.toml (e.g. kind/hosts.toml) to the node's
// /etc/containerd/certs.d/docker.io/hosts.toml, after checking that it parses
// (`source` names the file for errors).
void install_docker_hub_hosts_toml(Environment& env, const std::string& node, const std::string& hosts_toml,
                                   const std::string& source, const std::string& path = kDockerHubHostsPath);

}  // namespace mirrorgate
