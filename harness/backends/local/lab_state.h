// The local backend's own part of the state file (RunState::backend_state):
// the namespaces, links, /etc/netns directories and daemons it created.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process/process.h"
#include "registry/upstreams.h"

namespace mirrorgate::local {

struct LabProcess {
  std::string namespace_name;  // the network namespace it runs in
  std::string address;         // its address on the lab subnet
  DaemonHandle daemon;
  std::filesystem::path log;         // stderr: the daemon's own log
  std::filesystem::path access_log;  // stdout: registries' access log
};

struct LabNode {
  std::string name;
  std::string role;
  int machine = 1;  // whose kind-registry it pulls through (NodeInfo::machine)
  LabProcess containerd;
  std::filesystem::path socket;  // CRI endpoint (unix socket)
  std::filesystem::path root;    // containerd --root
  bool root_in_memory = false;   // a tmpfs of its own is mounted at root (node_storage.h)
  std::filesystem::path state;   // containerd --state
  std::filesystem::path etc;     // /etc/netns/NAME: the node's /etc overlay
};

// The lab's network names. Instance 0 is the lab `up` makes, under the
// names production has (its namespaces named as kind names the containers:
// hub, kind-registry, kind-control-plane …); verify runs instances 1 to
// kMaxLabInstance beside it, each under names of its own (mg1-hub,
// mg1-kind-registry, mg1-kind-control-plane …). Names inside a namespace
// (/etc/hosts, DNS) are production's in every instance.
inline constexpr int kMaxLabInstance = 4;
struct LabNames {
  std::string switch_namespace;  // the bridge's namespace
  std::string host_link;         // the host's veth into it
  std::filesystem::path owner_file;  // names the state dir that owns these names
  // kind-registry-front's run directory (nginx's prefix: its cache and temp
  // files). Outside the state directory: nginx's workers run unprivileged
  // and must traverse every directory above it, and a state directory may
  // be private (mode 0700, as `mktemp -d` makes it).
  std::filesystem::path front_run_dir;
  std::string hub;               // the Docker Hub stand-in's namespace
  std::string mirror;            // kind-registry's (and kind-registry-front's)
  std::string node_prefix;       // a node's namespace: prefix + node name
  std::string node(const std::string& name) const { return node_prefix + name; }
  // The namespace of an --upstream's cache: prefix + its host name
  // (kind-registry-quay-io).
  std::string cache(const std::string& registry) const { return node_prefix + cache_host(registry); }
  // Machine k's (k >= 2) kind-registry, and the team tier's hosts
  // (team-store, team-redis, team-replica-1, team-cache).
  std::string machine_mirror(int k) const { return node_prefix + machine_prefix(k) + "kind-registry"; }
  std::string team(const std::string& host) const { return node_prefix + host; }
  // What a node name of machine k starts with: "" for machine 1, "m2-" …
  static std::string machine_prefix(int k) { return k <= 1 ? "" : "m" + std::to_string(k) + "-"; }
};
// Throws std::invalid_argument outside 0..kMaxLabInstance.
LabNames lab_names(int instance);
// Where every instance's front run directory lives (LabNames::front_run_dir).
inline constexpr const char* kLabRunBase = "/var/cache/mirrorgate/labs";

// The cache of an --upstream: the shipped config and start script in a
// namespace of its own, as setup-registry.sh runs a container each.
struct LabCache {
  std::string registry;  // "quay.io"
  LabProcess process;
};

// A machine beyond the first (the first is LabState::mirror and the nodes
// of machine 1): its own kind-registry, caching through the team tier.
struct LabMachine {
  int number = 2;
  LabProcess mirror;
  std::filesystem::path data;  // its cache (kept by down unless --purge)
  // Without the team tier (--per-machine-caches): its kind-registry-front
  // and the lab's DNS, in its kind-registry's namespace; empty with it.
  LabProcess front;
  LabProcess dns;
  std::filesystem::path front_run_dir;
};

// A replica of the team cache (team/registry-config.yml on S3) with its
// kind-registry-front and the lab's DNS the front resolves with, in a
// namespace of its own.
struct LabReplica {
  LabProcess registry;
  LabProcess front;
  LabProcess dns;
  std::filesystem::path front_run_dir;
};

// The team tier (runs of 2 or more machines), each part in a namespace of
// its own: the store (Ceph: mon, OSD on a file-backed BlueStore, RGW as
// S3), Redis, the replicas, and haproxy (team-cache:5000) in front of them.
struct LabTeam {
  LabProcess mon, osd, rgw;
  LabProcess redis;
  std::vector<LabReplica> replicas;
  LabProcess haproxy;
  std::filesystem::path dir;  // STATE/team: the store's data and keys (kept unless --purge)
  bool enabled() const { return !haproxy.namespace_name.empty(); }
};

struct LabState {
  int instance = 0;          // which LabNames
  std::string subnet;        // "10.77.0.0/24"
  std::string host_link;     // host-side veth into the switch
  std::string switch_namespace;
  std::vector<std::string> namespaces;          // every namespace created, switch included
  std::vector<std::filesystem::path> etc_dirs;  // /etc/netns/NAME directories created
  int mirror_port = 5000;
  std::filesystem::path containerd_bin;  // the nodes' containerd, shim and ctr
  LabProcess hub;        // the stand-in's docker-registry, 127.0.0.1:5000 in the hub namespace
  LabProcess hub_front;  // its front: registry-1.docker.io and auth.docker.io on :443
  LabProcess mirror;
  // kind-registry-front, in kind-registry's namespace; namespace_name empty
  // when the registry config does not use it.
  LabProcess front;
  // The lab's DNS for kind-registry-front (mirrorgate_lab_dns), in
  // kind-registry's namespace on kLabDnsAddress; empty when the front is not used.
  LabProcess dns;
  std::filesystem::path nginx_bin;  // the directory of the nginx it runs
  // The benchmarks' floor registries (Environment's FloorRegistry): one on
  // a node's loopback (namespace_name is the node's name) and one in
  // kind-registry's namespace; namespace_name empty when it does not run.
  LabProcess node_registry;
  LabProcess same_path_registry;
  std::vector<LabNode> nodes;
  std::vector<LabCache> caches;  // every --upstream's, in the order given
  std::vector<LabMachine> machines;  // machines 2..N
  LabTeam team;
};

void to_json(nlohmann::json& j, const LabProcess& p);
void from_json(const nlohmann::json& j, LabProcess& p);
void to_json(nlohmann::json& j, const LabState& s);
void from_json(const nlohmann::json& j, LabState& s);

}  // namespace mirrorgate::local
