#include "backends/local/lab_state.h"

#include <stdexcept>

#include "env/state.h"

namespace mirrorgate::local {

using json = nlohmann::json;

LabNames lab_names(int instance) {
  if (instance < 0 || instance > kMaxLabInstance) {
    throw std::invalid_argument("lab instance " + std::to_string(instance) + " is not one of 0.." +
                                std::to_string(kMaxLabInstance));
  }
  const std::filesystem::path base = kLabRunBase;
  if (instance == 0) {
    return {"mirrorgate-switch", "mg-lab", "/run/mirrorgate-lab", base / "lab" / "kind-registry-front", "hub",
            "kind-registry", ""};
  }
  const std::string n = std::to_string(instance);
  const std::string prefix = "mg" + n + "-";
  return {"mirrorgate-switch-" + n, "mg-lab-" + n, "/run/mirrorgate-lab-" + n,
          base / ("lab-" + n) / "kind-registry-front", prefix + "hub", prefix + "kind-registry", prefix};
}

void to_json(json& j, const LabProcess& p) {
  j = {{"namespace", p.namespace_name}, {"address", p.address}, {"daemon", p.daemon},
       {"log", p.log.string()},           {"access_log", p.access_log.string()}};
}

void from_json(const json& j, LabProcess& p) {
  p.namespace_name = j.value("namespace", "");
  p.address = j.value("address", "");
  p.daemon = j.value("daemon", DaemonHandle{});
  p.log = j.value("log", "");
  p.access_log = j.value("access_log", "");
}

void to_json(json& j, const LabState& s) {
  std::vector<std::string> etc_dirs(s.etc_dirs.begin(), s.etc_dirs.end());
  j = {{"instance", s.instance},
       {"subnet", s.subnet},
       {"host_link", s.host_link},
       {"switch_namespace", s.switch_namespace},
       {"namespaces", s.namespaces},
       {"etc_dirs", etc_dirs},
       {"mirror_port", s.mirror_port},
       {"containerd_bin", s.containerd_bin.string()},
       {"hub", s.hub},
       {"hub_front", s.hub_front},
       {"mirror", s.mirror},
       {"front", s.front},
       {"dns", s.dns},
       {"nginx_bin", s.nginx_bin.string()},
       {"node_registry", s.node_registry},
       {"same_path_registry", s.same_path_registry},
       {"nodes", json::array()},
       {"caches", json::array()},
       {"machines", json::array()},
       {"team", {{"mon", s.team.mon},
                 {"osd", s.team.osd},
                 {"rgw", s.team.rgw},
                 {"redis", s.team.redis},
                 {"haproxy", s.team.haproxy},
                 {"dir", s.team.dir.string()},
                 {"replicas", json::array()}}}};
  for (const auto& m : s.machines) {
    j["machines"].push_back({{"number", m.number},
                             {"mirror", m.mirror},
                             {"data", m.data.string()},
                             {"front", m.front},
                             {"dns", m.dns},
                             {"front_run_dir", m.front_run_dir.string()}});
  }
  for (const auto& r : s.team.replicas) {
    j["team"]["replicas"].push_back({{"registry", r.registry},
                                     {"front", r.front},
                                     {"dns", r.dns},
                                     {"front_run_dir", r.front_run_dir.string()}});
  }
  for (const auto& c : s.caches) j["caches"].push_back({{"registry", c.registry}, {"process", c.process}});
  for (const auto& n : s.nodes) {
    j["nodes"].push_back({{"name", n.name},
                          {"role", n.role},
                          {"machine", n.machine},
                          {"containerd", n.containerd},
                          {"socket", n.socket.string()},
                          {"root", n.root.string()},
                          {"root_in_memory", n.root_in_memory},
                          {"state", n.state.string()},
                          {"etc", n.etc.string()}});
  }
}

void from_json(const json& j, LabState& s) {
  s.instance = j.value("instance", 0);
  s.subnet = j.value("subnet", "");
  s.host_link = j.value("host_link", "");
  s.switch_namespace = j.value("switch_namespace", "");
  s.namespaces = j.value("namespaces", std::vector<std::string>{});
  for (const auto& d : j.value("etc_dirs", std::vector<std::string>{})) s.etc_dirs.emplace_back(d);
  s.mirror_port = j.value("mirror_port", 5000);
  s.containerd_bin = j.value("containerd_bin", "/usr/bin");
  if (j.contains("hub")) s.hub = j.at("hub").get<LabProcess>();
  if (j.contains("hub_front")) s.hub_front = j.at("hub_front").get<LabProcess>();
  if (j.contains("mirror")) s.mirror = j.at("mirror").get<LabProcess>();
  if (j.contains("front")) s.front = j.at("front").get<LabProcess>();
  if (j.contains("dns")) s.dns = j.at("dns").get<LabProcess>();
  s.nginx_bin = j.value("nginx_bin", "");
  if (j.contains("node_registry")) s.node_registry = j.at("node_registry").get<LabProcess>();
  if (j.contains("same_path_registry")) s.same_path_registry = j.at("same_path_registry").get<LabProcess>();
  for (const auto& n : j.value("nodes", json::array())) {
    LabNode node;
    node.name = n.at("name");
    node.role = n.value("role", "");
    node.machine = n.value("machine", 1);
    node.containerd = n.at("containerd").get<LabProcess>();
    node.socket = n.value("socket", "");
    node.root = n.value("root", "");
    node.root_in_memory = n.value("root_in_memory", false);
    node.state = n.value("state", "");
    node.etc = n.value("etc", "");
    s.nodes.push_back(std::move(node));
  }
  for (const auto& c : j.value("caches", json::array())) {
    s.caches.push_back({c.at("registry"), c.at("process").get<LabProcess>()});
  }
  for (const auto& m : j.value("machines", json::array())) {
    s.machines.push_back({m.value("number", 2), m.at("mirror").get<LabProcess>(), m.value("data", ""),
                          m.value("front", LabProcess{}), m.value("dns", LabProcess{}), m.value("front_run_dir", "")});
  }
  if (j.contains("team")) {
    const auto& t = j.at("team");
    s.team.mon = t.at("mon").get<LabProcess>();
    s.team.osd = t.at("osd").get<LabProcess>();
    s.team.rgw = t.at("rgw").get<LabProcess>();
    s.team.redis = t.at("redis").get<LabProcess>();
    s.team.haproxy = t.at("haproxy").get<LabProcess>();
    s.team.dir = t.value("dir", "");
    for (const auto& r : t.value("replicas", json::array())) {
      s.team.replicas.push_back({r.at("registry").get<LabProcess>(), r.at("front").get<LabProcess>(),
                                 r.at("dns").get<LabProcess>(), r.value("front_run_dir", "")});
    }
  }
}

}  // namespace mirrorgate::local
