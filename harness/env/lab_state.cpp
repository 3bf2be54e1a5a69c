#include "env/lab_state.h"

#include "core/error.h"
#include "core/files.h"

namespace mirrorgate {

using json = nlohmann::json;

namespace {

json process_json(const LabProcess& p) {
  return {{"namespace", p.namespace_name}, {"address", p.address},       {"pid", p.daemon.pid},
          {"start_time", p.daemon.start_time}, {"log", p.log.string()}, {"access_log", p.access_log.string()}};
}

LabProcess process_from(const json& j) {
  LabProcess p;
  p.namespace_name = j.value("namespace", "");
  p.address = j.value("address", "");
  p.daemon.pid = j.value("pid", 0);
  p.daemon.start_time = j.value("start_time", 0ULL);
  p.log = j.value("log", "");
  p.access_log = j.value("access_log", "");
  return p;
}

std::vector<std::string> paths_to_strings(const std::vector<std::filesystem::path>& paths) {
  return {paths.begin(), paths.end()};
}

}  // namespace

void to_json(json& j, const LabState& s) {
  j = {{"version", s.version},
       {"backend", s.backend},
       {"cluster", s.cluster},
       {"state_dir", s.state_dir.string()},
       {"subnet", s.subnet},
       {"host_address", s.host_address},
       {"host_link", s.host_link},
       {"switch_namespace", s.switch_namespace},
       {"namespaces", s.namespaces},
       {"etc_dirs", paths_to_strings(s.etc_dirs)},
       {"upstream_rate", s.upstream_rate},
       {"files", {{"kind_config", s.kind_config.string()},
                  {"registry_config", s.registry_config.string()},
                  {"hosts_toml", s.hosts_toml.string()},
                  {"images", s.images.string()}}},
       {"ca_file", s.ca_file.string()},
       {"ca_bundle", s.ca_bundle.string()},
       {"registry_data", s.registry_data.string()},
       {"fixture_store", s.fixture_store.string()},
       {"hosts_toml_nodes", s.hosts_toml_nodes},
       {"hosts_toml_path", s.hosts_toml_path},
       {"hub", process_json(s.hub)},
       {"hub_data", s.hub_data.string()},
       {"mirror", process_json(s.mirror)},
       {"mirror_port", s.mirror_port},
       {"platform", s.platform},
       {"created_at", s.created_at},
       {"complete", s.complete},
       {"mirror_host_url", s.mirror_host_url},
       {"kind",
        {{"registry_container", s.kind.registry_container},
         {"hub_container", s.kind.hub_container},
         {"node_image", s.kind.node_image},
         {"network_created", s.kind.network_created},
         {"registry_created", s.kind.registry_created},
         {"cluster_created", s.kind.cluster_created}}},
       {"nodes", json::array()},
       {"fixtures", json::array()}};
  for (const auto& n : s.nodes) {
    j["nodes"].push_back({{"name", n.name},
                          {"role", n.role},
                          {"containerd", process_json(n.containerd)},
                          {"socket", n.socket.string()},
                          {"root", n.root.string()},
                          {"state", n.state.string()},
                          {"etc", n.etc.string()}});
  }
  for (const auto& f : s.fixtures) {
    j["fixtures"].push_back({{"ref", f.ref}, {"digest", f.digest}, {"media_type", f.media_type}, {"bytes", f.bytes}});
  }
}

std::vector<NodeInfo> node_infos(const LabState& s) {
  std::vector<NodeInfo> out;
  for (const auto& n : s.nodes) out.push_back({n.name, n.role, n.containerd.address});
  return out;
}

DownReport finish_down(const LabState& s, std::vector<std::string> problems, std::vector<std::string> leftovers) {
  DownReport report;
  report.had_lab = true;
  report.logs = s.state_dir / "runs" / s.created_at;
  report.leftovers = std::move(leftovers);
  for (auto& p : problems) report.leftovers.push_back(std::move(p));
  if (report.leftovers.empty()) {
    std::error_code ec;
    std::filesystem::remove(state_file(s.state_dir), ec);
  }
  return report;
}

void from_json(const json& j, LabState& s) {
  s.version = j.at("version");
  s.backend = j.at("backend");
  s.cluster = j.value("cluster", "");
  s.state_dir = j.value("state_dir", "");
  s.subnet = j.value("subnet", "");
  s.host_address = j.value("host_address", "");
  s.host_link = j.value("host_link", "");
  s.switch_namespace = j.value("switch_namespace", "");
  s.namespaces = j.value("namespaces", std::vector<std::string>{});
  for (const auto& d : j.value("etc_dirs", std::vector<std::string>{})) s.etc_dirs.emplace_back(d);
  s.upstream_rate = j.value("upstream_rate", "");
  const auto& files = j.at("files");
  s.kind_config = files.value("kind_config", "");
  s.registry_config = files.value("registry_config", "");
  s.hosts_toml = files.value("hosts_toml", "");
  s.images = files.value("images", "");
  s.ca_file = j.value("ca_file", "");
  s.ca_bundle = j.value("ca_bundle", "");
  s.registry_data = j.value("registry_data", "");
  s.fixture_store = j.value("fixture_store", "");
  s.hosts_toml_nodes = j.value("hosts_toml_nodes", std::vector<std::string>{});
  s.hosts_toml_path = j.value("hosts_toml_path", "");
  s.hub = process_from(j.at("hub"));
  s.hub_data = j.value("hub_data", "");
  s.mirror = process_from(j.at("mirror"));
  s.mirror_port = j.value("mirror_port", 5000);
  s.platform = j.value("platform", "");
  s.created_at = j.value("created_at", "");
  s.complete = j.value("complete", false);
  s.mirror_host_url = j.value("mirror_host_url", "");
  if (j.contains("kind")) {
    const auto& k = j.at("kind");
    s.kind.registry_container = k.value("registry_container", "kind-registry");
    s.kind.hub_container = k.value("hub_container", "");
    s.kind.node_image = k.value("node_image", "");
    s.kind.network_created = k.value("network_created", false);
    s.kind.registry_created = k.value("registry_created", false);
    s.kind.cluster_created = k.value("cluster_created", false);
  }
  for (const auto& n : j.at("nodes")) {
    LabNode node;
    node.name = n.at("name");
    node.role = n.at("role");
    node.containerd = process_from(n.at("containerd"));
    node.socket = n.value("socket", "");
    node.root = n.value("root", "");
    node.state = n.value("state", "");
    node.etc = n.value("etc", "");
    s.nodes.push_back(std::move(node));
  }
  for (const auto& f : j.at("fixtures")) {
    s.fixtures.push_back({f.at("ref"), f.at("digest"), f.value("media_type", ""), f.value("bytes", 0ULL)});
  }
}

std::filesystem::path state_file(const std::filesystem::path& state_dir) { return state_dir / "lab.json"; }

void save_state(const LabState& state) { write_file_atomic(state_file(state.state_dir), json(state).dump(2) + "\n"); }

std::optional<LabState> load_state(const std::filesystem::path& state_dir) {
  auto path = state_file(state_dir);
  auto text = read_file_if_exists(path);
  if (!text) return std::nullopt;
  try {
    return json::parse(*text).get<LabState>();
  } catch (const json::exception& e) {
    throw UserError(ExitCode::bad_input,
                    path.string() + ": not a mirrorgate state file (" + e.what() +
                        "); if no lab runs, remove it and run `mirrorgate up` again");
  }
}

}  // namespace mirrorgate
