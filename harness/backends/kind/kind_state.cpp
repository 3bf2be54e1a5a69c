#include "backends/kind/kind_state.h"

#include "env/state.h"

namespace mirrorgate::kind {

void to_json(nlohmann::json& j, const KindState& s) {
  j = {{"registry_container", s.registry_container}, {"hub_container", s.hub_container},
       {"node_image", s.node_image},                 {"network_created", s.network_created},
       {"registry_created", s.registry_created},     {"cluster_created", s.cluster_created},
       {"read_only", s.read_only},                   {"logs_since", s.logs_since},
       {"network", s.network},                       {"network_id", s.network_id},
       {"hub_container_id", s.hub_container_id},     {"registry_container_id", s.registry_container_id},
       {"node_ids", s.node_ids},                     {"cluster_create_started", s.cluster_create_started},
       {"front_container", s.front_container},       {"front_created", s.front_created},
       {"front_container_id", s.front_container_id}, {"registry_setup_started", s.registry_setup_started},
       {"registry_setup_absent", s.registry_setup_absent},
       {"hub_front", {{"daemon", s.hub_front}, {"log", s.hub_front_log.string()}, {"access_log", s.hub_access_log.string()}}},
       {"caches", nlohmann::json::array()}};
  for (const auto& c : s.caches) {
    j["caches"].push_back({{"registry", c.registry}, {"container", c.container}, {"container_id", c.container_id},
                           {"created", c.created}});
  }
}

void from_json(const nlohmann::json& j, KindState& s) {
  s.registry_container = j.value("registry_container", "kind-registry");
  s.hub_container = j.value("hub_container", "");
  s.node_image = j.value("node_image", "");
  s.network_created = j.value("network_created", false);
  s.registry_created = j.value("registry_created", false);
  s.cluster_created = j.value("cluster_created", false);
  s.read_only = j.value("read_only", false);
  s.logs_since = j.value("logs_since", "");
  s.network = j.value("network", "kind");
  s.network_id = j.value("network_id", "");
  s.hub_container_id = j.value("hub_container_id", "");
  s.registry_container_id = j.value("registry_container_id", "");
  s.node_ids = j.value("node_ids", std::vector<std::string>{});
  s.cluster_create_started = j.value("cluster_create_started", "");
  s.front_container = j.value("front_container", "kind-registry-front");
  s.front_created = j.value("front_created", false);
  s.front_container_id = j.value("front_container_id", "");
  s.registry_setup_started = j.value("registry_setup_started", "");
  s.registry_setup_absent = j.value("registry_setup_absent", std::vector<std::string>{});
  for (const auto& c : j.value("caches", nlohmann::json::array())) {
    s.caches.push_back({c.at("registry"), c.at("container"), c.value("container_id", ""), c.value("created", false)});
  }
  if (j.contains("hub_front")) {
    const auto& f = j["hub_front"];
    s.hub_front = f.value("daemon", DaemonHandle{});
    s.hub_front_log = f.value("log", "");
    s.hub_access_log = f.value("access_log", "");
  }
}

}  // namespace mirrorgate::kind
