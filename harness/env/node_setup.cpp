#include "env/node_setup.h"

#include <spdlog/spdlog.h>

#include "containerd/hosts_toml.h"
#include "env/options.h"

namespace mirrorgate {

void install_hosts_toml(NodeFiles& files, const std::vector<NodeInfo>& nodes, const std::string& hosts_toml,
                        const std::string& source, const std::vector<std::string>& only, const std::string& path) {
  parse_hosts_toml(hosts_toml, source);
  for (const auto& node : nodes) {
    if (!gets_hosts_toml(only, node)) continue;
    spdlog::info("writing {} into {}:{}", source, node.name, path);
    files.write_node_file(node.name, path, hosts_toml);
  }
}

}  // namespace mirrorgate
