#include "env/node_setup.h"

#include <spdlog/spdlog.h>

#include "containerd/hosts_toml.h"
#include "core/error.h"
#include "core/files.h"
#include "env/options.h"
#include "registry/upstreams.h"

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

std::vector<RegistryHostsToml> read_upstream_hosts_tomls(const std::filesystem::path& certs_d,
                                                         const std::vector<std::string>& upstreams) {
  std::vector<RegistryHostsToml> out;
  for (const auto& registry : upstreams) {
    const auto file = certs_d / registry / "hosts.toml";
    auto content = read_file_if_exists(file);
    if (!content) {
      throw bad_input(file.string(), 0, "hosts.toml not found: --upstream " + registry +
                                            " needs one for every node (see kind/certs.d/quay.io/hosts.toml)");
    }
    parse_hosts_toml(*content, file.string());
    out.push_back({registry, file.string(), std::move(*content)});
  }
  return out;
}

void install_upstream_hosts_tomls(NodeFiles& files, const std::vector<NodeInfo>& nodes,
                                  const std::vector<RegistryHostsToml>& hosts_tomls,
                                  const std::vector<std::string>& hosts_toml_nodes) {
  for (const auto& h : hosts_tomls) {
    install_hosts_toml(files, nodes, h.content, h.source, hosts_toml_nodes_of(hosts_toml_nodes, h.registry),
                       hosts_toml_path_of(h.registry));
  }
}

}  // namespace mirrorgate
