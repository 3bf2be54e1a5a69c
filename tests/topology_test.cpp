// The lab's declared topology (backends/local/topology.h): one plan, from the
// run's inputs, that every walker of the lab iterates.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "backends/local/topology.h"
#include "registry/registry_config.h"

using namespace mirrorgate;
using namespace mirrorgate::local;
namespace fs = std::filesystem;

namespace {

TopologyInputs inputs(int machines, std::vector<std::string> upstreams = {}, bool front = false) {
  TopologyInputs in;
  in.subnet = parse_subnet("10.77.0.0/24");
  in.state_dir = "/var/lib/mg-test";
  in.registry_data = in.state_dir / "registry-data";
  in.hub_data = in.state_dir / "hub" / "data";
  in.cluster = "kind";
  in.node_roles = {"control-plane", "worker"};
  in.machines = machines;
  in.upstreams = std::move(upstreams);
  in.front = front;
  return in;
}

const Host& host(const Topology& t, const std::string& key) {
  for (const auto& h : t.hosts) {
    if (h.key == key) return h;
  }
  throw std::runtime_error("no host " + key + " in the plan");
}

// The address a hosts file gives `name`; empty when it gives none.
std::string resolved(const std::string& hosts_file, const std::string& name) {
  std::istringstream in(hosts_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string address, word;
    words >> address;
    while (words >> word) {
      if (word == name) return address;
    }
  }
  return "";
}

size_t occurrences(const std::string& hosts_file, const std::string& name) {
  std::istringstream in(hosts_file);
  std::string word;
  size_t n = 0;
  while (in >> word) n += word == name ? 1 : 0;
  return n;
}

// A state file's run of cluster "kind" with one control-plane node.
struct OneNodeState {
  RunState run;
  LabState lab;
  OneNodeState() {
    run.state_dir = "/var/lib/mg-test";
    run.cluster = "kind";
    LabNode node;
    node.name = "kind-control-plane";
    node.role = "control-plane";
    lab.nodes.push_back(node);
  }
};

}  // namespace

TEST(Topology, OneMachineIsTodaysLab) {
  const auto t = plan_topology(inputs(1, {"quay.io"}, true));
  std::vector<std::string> keys;
  for (const auto& h : t.hosts) keys.push_back(h.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"hub", "kind-registry", "kind-registry-quay-io", "kind-control-plane",
                                            "kind-worker"}));
  EXPECT_FALSE(t.has_team());
  EXPECT_EQ(host(t, "hub").address, "10.77.0.2");
  EXPECT_EQ(host(t, "kind-registry").address, "10.77.0.3");
  EXPECT_EQ(host(t, "kind-registry-quay-io").address, "10.77.0.4");
  EXPECT_EQ(host(t, "kind-control-plane").address, "10.77.0.10");
  EXPECT_EQ(host(t, "kind-worker").address, "10.77.0.11");
  EXPECT_EQ(t.namespaces().front(), "mirrorgate-switch");
  // kind-registry-front beside kind-registry: its DNS and its front come first.
  const auto& mirror = host(t, "kind-registry");
  ASSERT_EQ(mirror.daemons.size(), 4u);
  EXPECT_EQ(mirror.daemons[0].slot, DaemonSlot::lab_dns);
  EXPECT_EQ(mirror.daemons[1].slot, DaemonSlot::front);
  EXPECT_EQ(mirror.daemons[2].url, "http://10.77.0.3:5000");
  EXPECT_TRUE(mirror.resolves_by_dns);
}

TEST(Topology, WithoutTheFrontKindRegistryRunsAlone) {
  const auto t = plan_topology(inputs(1));
  const auto& mirror = host(t, "kind-registry");
  EXPECT_FALSE(mirror.resolves_by_dns);
  EXPECT_EQ(mirror.daemons.front().slot, DaemonSlot::mirror);
  EXPECT_EQ(resolved(hosts_file(t, host(t, "kind-worker")), "kind-registry-front"), "");
}

TEST(Topology, ThreeMachinesAreGroupsOfHostsAndTheTeamTierMoreHosts) {
  const auto t = plan_topology(inputs(3));
  EXPECT_TRUE(t.has_team());
  std::set<std::string> addresses, namespaces;
  for (const auto& h : t.hosts) {
    EXPECT_TRUE(addresses.insert(h.address).second) << h.key << " shares " << h.address;
    EXPECT_TRUE(namespaces.insert(h.namespace_name).second) << h.key;
  }
  size_t nodes = 0;
  for (const auto& h : t.hosts) nodes += h.role == HostRole::node ? 1 : 0;
  EXPECT_EQ(nodes, 6u);
  EXPECT_EQ(host(t, "team-store").address, "10.77.0.100");
  EXPECT_EQ(host(t, "team-redis").address, "10.77.0.101");
  EXPECT_EQ(host(t, "team-replica-2").address, "10.77.0.103");
  EXPECT_EQ(host(t, "team-cache").address, "10.77.0.110");
  EXPECT_EQ(host(t, "m2-kind-registry").address, "10.77.0.120");
  EXPECT_EQ(host(t, "m2-kind-control-plane").address, "10.77.0.121");
  EXPECT_EQ(host(t, "m3-kind-registry").address, "10.77.0.132");
  EXPECT_EQ(host(t, "m3-kind-worker").machine, 3);
  EXPECT_EQ(host(t, "team-replica-1").machine, 0);
}

TEST(Topology, EachNamespaceResolvesKindRegistryToItsOwnMachine) {
  const auto t = plan_topology(inputs(3));
  EXPECT_EQ(resolved(hosts_file(t, host(t, "kind-worker")), "kind-registry"), "10.77.0.3");
  EXPECT_EQ(resolved(hosts_file(t, host(t, "m2-kind-worker")), "kind-registry"), "10.77.0.120");
  EXPECT_EQ(resolved(hosts_file(t, host(t, "m3-kind-control-plane")), "kind-registry"), "10.77.0.132");
  // What belongs to no machine sees machine 1's.
  EXPECT_EQ(resolved(hosts_file(t, host(t, "hub")), "kind-registry"), "10.77.0.3");
  for (const auto& h : t.hosts) {
    const auto file = hosts_file(t, h);
    EXPECT_LE(occurrences(file, "kind-registry"), 1u) << h.key;
    EXPECT_EQ(resolved(file, "registry-1.docker.io"), "10.77.0.2") << h.key;
    EXPECT_EQ(resolved(file, "team-cache"), "10.77.0.110") << h.key;
    EXPECT_EQ(resolved(file, "m2-kind-worker"), "10.77.0.122") << h.key;
  }
}

TEST(Topology, AReplicaResolvesKindRegistryFrontToItsOwnFront) {
  const auto t = plan_topology(inputs(2));
  for (const char* key : {"team-replica-1", "team-replica-2"}) {
    const auto file = hosts_file(t, host(t, key));
    EXPECT_EQ(resolved(file, "kind-registry-front"), host(t, key).address) << key;
    EXPECT_EQ(occurrences(file, "kind-registry-front"), 1u) << key;
  }
  EXPECT_EQ(resolved(hosts_file(t, host(t, "team-cache")), "kind-registry-front"), "");
  EXPECT_EQ(resolved(hosts_file(t, host(t, "m2-kind-worker")), "kind-registry-front"), "");
}

TEST(Topology, PerMachineCachesAreMachinesWithAFrontEachAndNoTeamTier) {
  auto in = inputs(2, {}, true);
  in.team = false;
  const auto t = plan_topology(in);
  EXPECT_FALSE(t.has_team());
  for (const auto& h : t.hosts) EXPECT_NE(h.key.rfind("team-", 0), 0u) << h.key;
  const auto& m2 = host(t, "m2-kind-registry");
  EXPECT_TRUE(m2.resolves_by_dns);
  ASSERT_EQ(m2.daemons.size(), 3u);
  EXPECT_EQ(m2.daemons[1].name, "m2-kind-registry-front");
  EXPECT_EQ(m2.daemons[1].url, "http://10.77.0.120:" + std::to_string(kRegistryFrontPort));
  EXPECT_EQ(resolved(hosts_file(t, host(t, "m2-kind-worker")), "kind-registry-front"), "10.77.0.120");
  EXPECT_EQ(resolved(hosts_file(t, m2), "kind-registry-front"), "10.77.0.120");
  EXPECT_EQ(resolved(hosts_file(t, host(t, "kind-worker")), "kind-registry-front"), "10.77.0.3");
  // Through the team tier no machine runs a front: the replicas do.
  const auto team = plan_topology(inputs(2, {}, true));
  EXPECT_FALSE(host(team, "kind-registry").resolves_by_dns);
  EXPECT_FALSE(host(team, "m2-kind-registry").resolves_by_dns);
  // A state file of such a lab plans the same: fronts, no team.
  OneNodeState state;
  auto& [run, lab] = state;
  lab.subnet = "10.77.0.0/24";
  lab.front.namespace_name = "kind-registry";
  LabMachine m;
  m.number = 2;
  m.front.namespace_name = "m2-kind-registry";
  lab.machines.push_back(m);
  const auto planned = topology_of(run, lab);
  EXPECT_FALSE(planned.has_team());
  EXPECT_TRUE(host(planned, "m2-kind-registry").resolves_by_dns);
}

TEST(Topology, EveryCacheAndStoreIsKeptUntilPurgeAndEveryNodeDiskGoesWithItsNode) {
  const auto in = inputs(2, {"quay.io"});
  const auto t = plan_topology(in);
  std::set<fs::path> kept, with_host;
  for (const auto& h : t.hosts) {
    for (const auto& d : h.data) (d.rule == DataRule::kept_until_purge ? kept : with_host).insert(d.path);
  }
  EXPECT_EQ(kept, (std::set<fs::path>{in.hub_data, in.registry_data, cache_data_dir(in.registry_data, "quay.io"),
                                      team_dir(in.state_dir), machine_data_dir(in.state_dir, 2)}));
  EXPECT_EQ(with_host, (std::set<fs::path>{in.state_dir / "floor-same-path", in.state_dir / "nodes" / "kind-control-plane",
                                           in.state_dir / "nodes" / "kind-worker",
                                           in.state_dir / "nodes" / "m2-kind-control-plane",
                                           in.state_dir / "nodes" / "m2-kind-worker"}));
}

TEST(Topology, EveryDaemonIsProbedOrSaysWhyNot) {
  const auto t = plan_topology(inputs(2, {"quay.io"}, false));
  for (const auto& h : t.hosts) {
    ASSERT_FALSE(h.daemons.empty()) << h.key;
    for (const auto& d : h.daemons) {
      EXPECT_FALSE(d.name.empty()) << h.key;
      if (d.probe == Probe::registry) EXPECT_EQ(d.url.rfind("http://" + h.address + ":", 0), 0u) << d.name;
      if (d.probe != Probe::part_of_host && d.probe != Probe::unwatched) EXPECT_FALSE(d.health_name.empty()) << d.name;
    }
  }
}

TEST(Topology, AStateFileOwnsOnlyWhatTheLabWouldPlan) {
  OneNodeState state;
  auto& [run, lab] = state;
  lab.subnet = "not a subnet";
  lab.caches.push_back({"evil.example", {}});
  lab.caches.push_back({"quay.io", {}});
  lab.machines.push_back({99, {}, {}});
  const auto t = topology_of(run, lab);
  const auto namespaces = t.namespaces();
  auto owns = [&](const std::string& ns) { return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end(); };
  EXPECT_TRUE(owns("kind-registry-quay-io"));
  EXPECT_FALSE(owns("kind-registry-evil-example"));
  EXPECT_TRUE(owns("m20-kind-registry"));  // machines are bounded by the lab's most
  EXPECT_FALSE(owns("m21-kind-registry"));
  EXPECT_TRUE(owns("m20-kind-control-plane"));
  run.cluster = "../etc";  // not a cluster name kind accepts: no node is the lab's
  for (const auto& h : topology_of(run, lab).hosts) EXPECT_NE(h.role, HostRole::node) << h.key;
}

TEST(Topology, RecordsAreFoundForEveryPlannedDaemonThatRan) {
  OneNodeState state;
  auto& [run, lab] = state;
  lab.subnet = "10.77.0.0/24";
  lab.hub.daemon.pid = 11;
  lab.mirror.daemon.pid = 12;
  lab.nodes.front().containerd.daemon.pid = 13;
  lab.node_registry.namespace_name = "kind-control-plane";
  lab.node_registry.daemon.pid = 14;
  const auto t = topology_of(run, lab);
  std::vector<int> pids;
  for (const auto& h : t.hosts) {
    for (const auto& d : h.daemons) {
      if (const auto* p = record_of(lab, h, d)) pids.push_back(p->daemon.pid);
    }
  }
  // The hub's registry and front, kind-registry, the node's containerd and its floor.
  EXPECT_EQ(pids, (std::vector<int>{11, 0, 12, 13, 14}));
}
