#include "backends/local/topology.h"

#include <algorithm>
#include <sstream>

#include "cluster/kind_config.h"
#include "core/error.h"
#include "hub/front.h"
#include "hub/stand_in.h"
#include "hub/worlds.h"
#include "images/reference.h"
#include "registry/registry_config.h"
#include "registry/upstreams.h"

namespace mirrorgate::local {

namespace fs = std::filesystem;

namespace {

std::string http_url(const std::string& address, int port) { return "http://" + address + ":" + std::to_string(port); }

PlannedDaemon unwatched(DaemonSlot slot, std::string name) { return {slot, std::move(name), Probe::unwatched, "", "", ""}; }

// What every namespace resolves to the Docker Hub stand-in: Docker Hub's
// names and the other registries of the stand-in world.
std::vector<std::string> hub_names() {
  std::vector<std::string> out{kDockerHubApiHost, kDockerHubAuthHost, kDockerIo, kDockerHubBlobHost};
  for (const auto& host : stand_in_world_hosts()) out.push_back(host);
  return out;
}

// Machine k's (k >= 2) first slot: its kind-registry's; its nodes follow.
uint32_t machine_slot(int machine) { return kFirstMachineIndex + static_cast<uint32_t>(machine - 2) * kMachineSlots; }

std::string machine_mirror_address(const Subnet& subnet, int machine) { return subnet.address(machine_slot(machine)); }

std::string node_address(const Subnet& subnet, int machine, size_t node) {
  if (machine <= 1) return subnet.address(kFirstNodeIndex + static_cast<uint32_t>(node));
  return subnet.address(machine_slot(machine) + 1 + static_cast<uint32_t>(node));
}

// A machine's kind-registry: machine 1's is the lab's own, under
// production's name; machine k's caches through the team tier, or without it
// (--per-machine-caches) Docker Hub itself, as machine 1's does. Each that
// caches Docker Hub itself has kind-registry-front beside it when it runs.
Host mirror_host(const TopologyInputs& in, const LabNames& names, int machine) {
  Host h;
  h.role = HostRole::mirror;
  h.machine = machine;
  h.key = LabNames::machine_prefix(machine) + kMirrorHost;
  h.machine_names = {kMirrorHost};
  if (machine == 1) {
    h.namespace_name = names.mirror;
    h.address = in.subnet.address(kMirrorIndex);
    if (!in.registry_data.empty()) h.data.push_back({in.registry_data, DataRule::kept_until_purge});
  } else {
    h.namespace_name = names.machine_mirror(machine);
    h.address = machine_mirror_address(in.subnet, machine);
    h.data.push_back({machine_data_dir(in.state_dir, machine), DataRule::kept_until_purge});
  }
  const bool through_team = in.machines > 1 && in.team;
  if (in.front && !through_team) {
    const std::string front = LabNames::machine_prefix(machine) + kRegistryFrontHost;
    const std::string dns = machine == 1 ? "the lab's DNS" : "the lab's DNS in " + h.key;
    h.machine_names.push_back(kRegistryFrontHost);
    h.resolves_by_dns = true;
    h.daemons.push_back({DaemonSlot::lab_dns, dns, Probe::dns, dns, "dns", ""});
    h.daemons.push_back({DaemonSlot::front, front, Probe::registry, front, "front", registry_front_url(h.address)});
  }
  h.daemons.push_back({DaemonSlot::mirror, h.namespace_name, Probe::registry, h.key, "mirror",
                       http_url(h.address, in.mirror_port)});
  if (machine == 1) {
    h.daemons.push_back(unwatched(DaemonSlot::same_path_floor, "the floor registry beside kind-registry"));
    h.data.push_back({same_path_floor_dir(in.state_dir), DataRule::with_host});
  }
  return h;
}

// A host of the team tier: shared by every machine, known to all by its key.
Host team_host(const TopologyInputs& in, const LabNames& names, HostRole role, const std::string& key, uint32_t slot) {
  Host h;
  h.role = role;
  h.key = key;
  h.namespace_name = names.team(key);
  h.address = in.subnet.address(slot);
  h.names = {key};
  return h;
}

void add_team(Topology& t, const TopologyInputs& in, const LabNames& names) {
  Host store = team_host(in, names, HostRole::team_store, kTeamStoreHost, kTeamStoreIndex);
  store.daemons = {{DaemonSlot::store_mon, "the team store's monitor", Probe::process, "team-store (ceph-mon)", "team", ""},
                   {DaemonSlot::store_osd, "the team store's OSD", Probe::process, "team-store (ceph-osd)", "team", ""},
                   {DaemonSlot::store_rgw, "the team store's S3 gateway", Probe::process, "team-store (radosgw)", "team",
                    ""}};
  store.data = {{team_dir(in.state_dir), DataRule::kept_until_purge}};
  t.hosts.push_back(std::move(store));

  Host redis = team_host(in, names, HostRole::team_redis, kTeamRedisHost, kTeamRedisIndex);
  redis.daemons = {{DaemonSlot::redis, "the team's Redis", Probe::process, "team-redis", "team", ""}};
  t.hosts.push_back(std::move(redis));

  for (int r = 1; r <= kTeamReplicas; ++r) {
    Host replica = team_host(in, names, HostRole::team_replica, replica_host(r),
                             kFirstReplicaIndex + static_cast<uint32_t>(r - 1));
    replica.ordinal = r - 1;
    // Its front is its own kind-registry-front, as on a machine of one.
    replica.own_names = {kRegistryFrontHost};
    replica.resolves_by_dns = true;
    replica.daemons = {{DaemonSlot::replica_dns, "the lab's DNS in " + replica.key, Probe::dns,
                        "the lab's DNS in " + replica.key, "team", ""},
                       {DaemonSlot::replica_front, replica.key + "'s front", Probe::registry, replica.key + "'s front",
                        "team", registry_front_url(replica.address)},
                       {DaemonSlot::replica, replica.key, Probe::registry, replica.key, "team",
                        http_url(replica.address, kReplicaPort)}};
    t.hosts.push_back(std::move(replica));
  }

  Host cache = team_host(in, names, HostRole::team_cache, kTeamCacheHost, kTeamCacheIndex);
  cache.daemons = {{DaemonSlot::team_cache, "the team cache (haproxy)", Probe::registry, "team-cache (haproxy)", "team",
                    http_url(cache.address, kTeamCachePort)}};
  t.hosts.push_back(std::move(cache));
}

}  // namespace

std::string replica_host(int r) { return "team-replica-" + std::to_string(r); }
fs::path node_dir(const fs::path& state_dir, const std::string& node) { return state_dir / "nodes" / node; }
fs::path same_path_floor_dir(const fs::path& state_dir) { return state_dir / "floor-same-path"; }
fs::path team_dir(const fs::path& state_dir) { return state_dir / "team"; }
fs::path machine_data_dir(const fs::path& state_dir, int machine) {
  return state_dir / "machines" / ("m" + std::to_string(machine)) / "registry-data";
}

std::vector<std::string> Topology::namespaces() const {
  std::vector<std::string> out{switch_namespace};
  for (const auto& h : hosts) out.push_back(h.namespace_name);
  return out;
}

const Host* Topology::host_in(const std::string& namespace_name) const {
  for (const auto& h : hosts) {
    if (h.namespace_name == namespace_name) return &h;
  }
  return nullptr;
}

bool Topology::has_team() const {
  return std::any_of(hosts.begin(), hosts.end(), [](const Host& h) { return h.role == HostRole::team_cache; });
}

Topology plan_topology(const TopologyInputs& in) {
  const auto names = lab_names(in.instance);
  Topology t;
  t.switch_namespace = names.switch_namespace;

  Host hub;
  hub.role = HostRole::hub;
  hub.key = "hub";
  hub.namespace_name = names.hub;
  hub.address = in.subnet.address(kHubIndex);
  hub.names = hub_names();
  hub.daemons = {{DaemonSlot::hub_registry, "the hub's registry", Probe::part_of_host, "", "", ""},
                 {DaemonSlot::hub_front, "the hub's front", Probe::hub,
                  "hub (" + std::string(kDockerHubApiHost) + ")", "hub", ""}};
  if (!in.hub_data.empty()) hub.data = {{in.hub_data, DataRule::kept_until_purge}};
  t.hosts.push_back(std::move(hub));

  t.hosts.push_back(mirror_host(in, names, 1));

  const size_t caches = std::min(in.upstreams.size(), kMaxUpstreams);
  for (size_t i = 0; i < caches; ++i) {
    const auto& registry = in.upstreams[i];
    Host c;
    c.role = HostRole::cache;
    c.machine = 1;
    c.ordinal = static_cast<int>(i);
    c.key = cache_host(registry);
    c.registry = registry;
    c.namespace_name = names.cache(registry);
    c.address = in.subnet.address(kMirrorIndex + 1 + static_cast<uint32_t>(i));
    c.names = {c.key};
    c.daemons = {{DaemonSlot::cache, c.namespace_name, Probe::registry, c.key + " (" + registry + ")", "mirror",
                  http_url(c.address, in.mirror_port)}};
    if (!in.registry_data.empty()) c.data = {{cache_data_dir(in.registry_data, registry), DataRule::kept_until_purge}};
    t.hosts.push_back(std::move(c));
  }

  if (in.machines > 1 && in.team) add_team(t, in, names);
  for (int k = 2; k <= in.machines; ++k) t.hosts.push_back(mirror_host(in, names, k));

  if (cluster_name_problem(in.cluster).empty()) {
    const auto kind_nodes = name_kind_nodes(in.node_roles, in.cluster);
    for (int machine = 1; machine <= std::max(1, in.machines); ++machine) {
      for (size_t i = 0; i < kind_nodes.size(); ++i) {
        Host n;
        n.role = HostRole::node;
        n.machine = machine;
        n.ordinal = static_cast<int>(i);
        n.key = LabNames::machine_prefix(machine) + kind_nodes[i].name;
        n.namespace_name = names.node(n.key);
        n.address = node_address(in.subnet, machine, i);
        n.names = {n.key};
        n.daemons = {{DaemonSlot::containerd, "containerd of " + n.key, Probe::cri, n.key, "node", ""},
                     unwatched(DaemonSlot::node_floor, "the floor registry on " + n.key + "'s loopback")};
        // The node's disk (its containerd root, state and socket): gone with it.
        n.data = {{node_dir(in.state_dir, n.key), DataRule::with_host}};
        t.hosts.push_back(std::move(n));
      }
    }
  }
  return t;
}

std::vector<std::string> stand_in_registries() {
  std::vector<std::string> out;
  for (const auto& w : stand_in_worlds()) {
    if (std::find(out.begin(), out.end(), w.registry) == out.end()) out.push_back(w.registry);
  }
  return out;
}

Topology topology_of(const RunState& run, const LabState& lab) {
  TopologyInputs in;
  in.instance = lab.instance;
  try {
    in.subnet = parse_subnet(lab.subnet);
  } catch (const std::exception&) {
    // Names and paths need no address.
  }
  in.state_dir = run.state_dir;
  in.registry_data = run.registry_data_home.empty() ? run.registry_data : run.registry_data_home;
  in.hub_data = run.hub_data;
  in.cluster = run.cluster;
  for (const auto& n : lab.nodes) {
    if (n.machine <= 1) in.node_roles.push_back(n.role);
  }
  int machines = lab.team.enabled() ? 2 : 1;
  for (const auto& m : lab.machines) machines = std::max(machines, m.number);
  for (const auto& n : lab.nodes) machines = std::max(machines, n.machine);
  in.machines = std::min(machines, kMaxLabMachines);
  const auto registries = stand_in_registries();
  for (const auto& c : lab.caches) {
    const bool known = std::find(registries.begin(), registries.end(), c.registry) != registries.end();
    const bool repeated = std::find(in.upstreams.begin(), in.upstreams.end(), c.registry) != in.upstreams.end();
    if (known && !repeated) in.upstreams.push_back(c.registry);
  }
  // A lab of machines without a team tier runs a front on every machine.
  const bool machine_fronts = std::any_of(lab.machines.begin(), lab.machines.end(),
                                          [](const LabMachine& m) { return !m.front.namespace_name.empty(); });
  in.team = lab.team.enabled() || (in.machines > 1 && !machine_fronts);
  in.front = !lab.front.namespace_name.empty() || machine_fronts;
  in.mirror_port = lab.mirror_port;
  return plan_topology(in);
}

std::string hosts_file(const Topology& topology, const Host& host) {
  const int machine = host.machine == 0 ? 1 : host.machine;
  auto own = [&](const std::string& name) {
    return std::find(host.own_names.begin(), host.own_names.end(), name) != host.own_names.end();
  };
  std::ostringstream out;
  out << "# written by mirrorgate: the lab resolves production names to lab addresses\n"
      << "127.0.0.1\tlocalhost\n::1\tlocalhost\n";
  for (const auto& h : topology.hosts) {
    std::vector<std::string> names = h.names;
    if (h.machine == machine) names.insert(names.end(), h.machine_names.begin(), h.machine_names.end());
    const bool self = &h == &host;
    if (self) names.insert(names.end(), h.own_names.begin(), h.own_names.end());
    std::string line;
    for (const auto& name : names) {
      if (!self && own(name)) continue;  // the namespace's own host answers it
      line += (line.empty() ? "" : " ") + name;
    }
    if (!line.empty()) out << h.address << "\t" << line << "\n";
  }
  return out.str();
}

int max_machines(const Subnet& subnet, size_t nodes) {
  const uint32_t capacity = subnet.capacity();
  if (capacity < kFirstMachineIndex + nodes) return 1;
  return 1 + static_cast<int>((capacity - kFirstMachineIndex + 1) / kMachineSlots);
}

void check_machines(int machines, const Subnet& subnet, size_t nodes) {
  if (machines <= 1) return;
  if (machines > kMaxLabMachines) {
    throw bad_flag("--machines " + std::to_string(machines), "the lab runs at most " + std::to_string(kMaxLabMachines) +
                                                                 " machines");
  }
  if (nodes + 1 > kMachineSlots) {
    throw bad_flag("--machines " + std::to_string(machines), "a machine of the lab holds at most " +
                                                                 std::to_string(kMachineSlots - 1) +
                                                                 " nodes; the kind config has " + std::to_string(nodes));
  }
  const int most = max_machines(subnet, nodes);
  if (machines > most) {
    throw bad_flag("--machines " + std::to_string(machines),
                   most < 2 ? "the subnet " + subnet.str() + " holds no team tier; give a /24 or larger --subnet"
                            : "the subnet " + subnet.str() + " holds at most " + std::to_string(most) + " machines");
  }
}

const LabProcess* record_of(const LabState& lab, const Host& host, const PlannedDaemon& daemon) {
  auto replica = [&]() -> const LabReplica* {
    const auto r = static_cast<size_t>(host.ordinal);
    return host.role == HostRole::team_replica && r < lab.team.replicas.size() ? &lab.team.replicas[r] : nullptr;
  };
  const bool team = lab.team.enabled();
  switch (daemon.slot) {
    case DaemonSlot::hub_registry: return &lab.hub;
    case DaemonSlot::hub_front: return &lab.hub_front;
    case DaemonSlot::lab_dns:
    case DaemonSlot::front:
      if (host.machine <= 1) return daemon.slot == DaemonSlot::front ? &lab.front : &lab.dns;
      for (const auto& m : lab.machines) {
        if (m.number == host.machine) return daemon.slot == DaemonSlot::front ? &m.front : &m.dns;
      }
      return nullptr;
    case DaemonSlot::mirror:
      if (host.machine <= 1) return &lab.mirror;
      for (const auto& m : lab.machines) {
        if (m.number == host.machine) return &m.mirror;
      }
      return nullptr;
    case DaemonSlot::same_path_floor:
      return lab.same_path_registry.namespace_name.empty() ? nullptr : &lab.same_path_registry;
    case DaemonSlot::cache:
      for (const auto& c : lab.caches) {
        if (c.registry == host.registry) return &c.process;
      }
      return nullptr;
    case DaemonSlot::store_mon: return team ? &lab.team.mon : nullptr;
    case DaemonSlot::store_osd: return team ? &lab.team.osd : nullptr;
    case DaemonSlot::store_rgw: return team ? &lab.team.rgw : nullptr;
    case DaemonSlot::redis: return team ? &lab.team.redis : nullptr;
    case DaemonSlot::team_cache: return team ? &lab.team.haproxy : nullptr;
    case DaemonSlot::replica_dns: return replica() ? &replica()->dns : nullptr;
    case DaemonSlot::replica_front: return replica() ? &replica()->front : nullptr;
    case DaemonSlot::replica: return replica() ? &replica()->registry : nullptr;
    case DaemonSlot::containerd:
      for (const auto& n : lab.nodes) {
        if (n.name == host.key) return &n.containerd;
      }
      return nullptr;
    case DaemonSlot::node_floor:
      // Recorded under the node's name (start_floor_registry).
      return lab.node_registry.namespace_name == host.key ? &lab.node_registry : nullptr;
  }
  return nullptr;
}

}  // namespace mirrorgate::local
