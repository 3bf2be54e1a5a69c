// The lab's topology, declared once: every host the lab runs — its role,
// machine, namespace, address, the names it answers to, its daemons with
// their readiness probes, its data with the rule that keeps or removes it —
// as a pure function of the run's inputs. The network's bring-up, each
// namespace's /etc/hosts, teardown, leftovers and health walk it; the
// daemons' launchers (daemons.h, team_tier.h) keep their dependency order.
// A machine is a group of hosts (its kind-registry and its nodes) and the
// team tier is more hosts.
//
// Address slots on the lab subnet (a /24 holds all of them):
//   .1 the harness   .2 the hub   .3 kind-registry   .4-.9 the --upstream caches
//   .10-  machine 1's nodes
//   .100 team-store  .101 team-redis  .102- the replicas  .110 team-cache
//   .120 + 12 (k - 2)  machine k's kind-registry, then its nodes
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/local/lab_state.h"
#include "backends/local/network.h"
#include "env/state.h"

namespace mirrorgate::local {

inline constexpr uint32_t kHostIndex = 1, kHubIndex = 2, kMirrorIndex = 3, kFirstNodeIndex = 10;
// The --upstream caches take the addresses between kind-registry's and the nodes'.
inline constexpr size_t kMaxUpstreams = kFirstNodeIndex - kMirrorIndex - 1;
inline constexpr uint32_t kTeamStoreIndex = 100, kTeamRedisIndex = 101, kFirstReplicaIndex = 102,
                          kTeamCacheIndex = 110, kFirstMachineIndex = 120, kMachineSlots = 12;
inline constexpr int kTeamReplicas = 2;
// The most machines any lab names (its namespaces m2-… to m20-…).
inline constexpr int kMaxLabMachines = 20;
inline constexpr int kTeamCachePort = 5000;
inline constexpr int kTeamStorePort = 7480;
inline constexpr int kReplicaPort = 5000;
// kind-registry's name as the nodes resolve it (kind's container name).
inline constexpr const char* kMirrorHost = "kind-registry";
// The names the team's shipped files use for its hosts.
inline constexpr const char* kTeamStoreHost = "team-store";
inline constexpr const char* kTeamRedisHost = "team-redis";
inline constexpr const char* kTeamCacheHost = "team-cache";
std::string replica_host(int r);  // "team-replica-1"

// What the plan is a function of.
struct TopologyInputs {
  int instance = 0;  // which LabNames
  Subnet subnet;
  std::filesystem::path state_dir;
  std::filesystem::path registry_data;  // kind-registry's cache; the --upstream caches' live under it
  std::filesystem::path hub_data;       // the stand-in's storage
  std::string cluster;                  // kind's cluster name: its nodes' names
  std::vector<std::string> node_roles;  // the kind config's nodes, in order; every machine has them
  int machines = 1;
  std::vector<std::string> upstreams;  // the --upstream registries, in order
  bool front = false;                  // kind-registry-front runs beside every kind-registry
  // With 2 or more machines: the team tier between them and Docker Hub;
  // without it (--per-machine-caches) each machine caches Docker Hub itself.
  bool team = true;
  int mirror_port = 5000;              // what every kind-registry listens on
};

enum class HostRole { hub, mirror, cache, team_store, team_redis, team_replica, team_cache, node };

// Which record of the state file (LabState) holds a daemon's pid.
enum class DaemonSlot {
  hub_registry, hub_front,
  lab_dns, front, mirror, same_path_floor,
  cache,
  store_mon, store_osd, store_rgw, redis, replica_dns, replica_front, replica, team_cache,
  containerd, node_floor,
};

// How health asks a daemon whether it answers.
enum class Probe {
  part_of_host,  // no entry of its own: its host's first entry is down while it is
  unwatched,     // a benchmark's, started and stopped by it: not part of health
  process,       // running is answering (Ceph, Redis)
  registry,      // GET /v2/ at url
  hub,           // the hub's front, over TLS with the lab's CA (Environment::upstream)
  dns,           // resolves the hub's name from the host's namespace, as nginx does
  cri,           // the node's CRI socket answers
};

struct PlannedDaemon {
  DaemonSlot slot;
  std::string name;          // what teardown and leftovers call it
  Probe probe = Probe::part_of_host;
  std::string health_name;   // the component status names
  std::string health_role;   // ComponentHealth::role
  std::string url;           // Probe::registry's
};

// kept_until_purge: a cache or store, kept by `down`, removed by `down --purge`.
// with_host: the host's disk, gone with it (`kind delete cluster`).
enum class DataRule { kept_until_purge, with_host };
struct DataDir {
  std::filesystem::path path;
  DataRule rule;
};

struct Host {
  HostRole role;
  int machine = 0;  // 1..N; 0 for what every machine shares (the hub, the team tier)
  int ordinal = 0;  // its place among its role's hosts of its machine (a replica's number is ordinal + 1)
  std::string key;  // its own name: hub, kind-registry, m2-kind-registry, team-replica-1, kind-worker …
  std::string registry;  // the registry a cache caches
  std::string namespace_name;
  std::string address;
  std::vector<std::string> names;          // what every namespace resolves to it
  std::vector<std::string> machine_names;  // what its machine's namespaces resolve to it
  std::vector<std::string> own_names;      // what its own namespace resolves to it
  bool resolves_by_dns = false;            // runs an nginx that asks the lab's DNS
  std::vector<PlannedDaemon> daemons;      // in start order
  std::vector<DataDir> data;
};

struct Topology {
  std::string switch_namespace;
  std::vector<Host> hosts;  // in the order they are plugged into the switch
  // The switch's namespace first, then every host's.
  std::vector<std::string> namespaces() const;
  const Host* host_in(const std::string& namespace_name) const;
  bool has_team() const;
};

// Pure: names, addresses and paths only; nothing is read or created.
// Throws std::invalid_argument for an instance outside 0..kMaxLabInstance.
Topology plan_topology(const TopologyInputs& in);

// The plan of the run a state file records, from what of it the lab can
// trust: its instance, cluster name and node roles, how many machines (at
// most kMaxLabMachines), the --upstream registries the lab can cache. Names
// outside it are not the lab's, whatever the file lists; never throws for a
// file's content.
Topology topology_of(const RunState& run, const LabState& lab);

// The registries the stand-in world serves besides Docker Hub: what the lab
// can cache with --upstream.
std::vector<std::string> stand_in_registries();

// The hosts file of `host`'s namespace: every host's names, its machine's
// kind-registry (machine 1's for hosts of no machine), and its own names
// over anyone else's.
std::string hosts_file(const Topology& topology, const Host& host);

// The most machines `subnet` holds with `nodes` nodes each; 1 when it holds
// no team tier. Throws UserError naming --machines when `machines` is more,
// or a machine would have more nodes than its slots.
int max_machines(const Subnet& subnet, size_t nodes);
void check_machines(int machines, const Subnet& subnet, size_t nodes);

// Where the state records the daemon (nullptr when it has no such record:
// a floor registry that does not run on this node, a cache past the list).
const LabProcess* record_of(const LabState& lab, const Host& host, const PlannedDaemon& daemon);

// A node's disk (its containerd root, state, socket, floor registry):
// STATE/nodes/NAME, gone with the node.
std::filesystem::path node_dir(const std::filesystem::path& state_dir, const std::string& node);
// The floor registry's storage beside kind-registry: STATE/floor-same-path.
std::filesystem::path same_path_floor_dir(const std::filesystem::path& state_dir);
// STATE/team and what it keeps: the store's data and keys (kept by down
// unless --purge).
std::filesystem::path team_dir(const std::filesystem::path& state_dir);
// Machine k's (k >= 2) kind-registry cache: STATE/machines/mK/registry-data.
std::filesystem::path machine_data_dir(const std::filesystem::path& state_dir, int machine);

}  // namespace mirrorgate::local
