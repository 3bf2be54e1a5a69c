#include "containerd/node_config.h"

#include "containerd/hosts_toml.h"

namespace mirrorgate {

void install_docker_hub_hosts_toml(Environment& env, const std::string& node, const std::string& hosts_toml,
                                   const std::string& source, const std::string& path) {
  parse_hosts_toml(hosts_toml, source);
  env.write_node_file(node, path, hosts_toml);
}

}  // namespace mirrorgate
