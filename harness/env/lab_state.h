// The state file (STATE_DIR/lab.json): everything a separate process needs to
// attach to a running lab, and everything `down` needs to remove it. `up`
// rewrites it after each resource it creates, so an interrupted `up` can
// still be torn down from it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process/process.h"

namespace mirrorgate {

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
  LabProcess containerd;
  std::filesystem::path socket;  // CRI endpoint (unix socket)
  std::filesystem::path root;    // containerd --root
  std::filesystem::path state;   // containerd --state
  std::filesystem::path etc;     // /etc/netns/NAME: the node's /etc overlay
};

struct LabFixture {
  std::string ref;     // docker.io/library/redis:7.2
  std::string digest;  // the tag's manifest or index digest
  std::string media_type;
  uint64_t bytes = 0;  // bytes a node of the host's platform fetches
};

struct NodeInfo {
  std::string name;     // "kind-worker"
  std::string role;     // "control-plane" or "worker"
  std::string address;  // the address the mirror's access log shows for it
};

// What the kind backend created (and so may delete), and where things are.
struct KindBackendState {
  std::string registry_container = "kind-registry";
  std::string hub_container;     // the Docker Hub stand-in; empty: the real Docker Hub
  std::string node_image;        // passed to `kind create cluster --image`; empty: kind's default
  bool network_created = false;  // the `kind` docker network
  bool registry_created = false;
  bool cluster_created = false;
};

struct LabState {
  int version = 1;
  std::string backend = "local";
  std::string cluster;
  std::filesystem::path state_dir;
  std::string subnet;        // "10.77.0.0/24"
  std::string host_address;  // the harness's own address in the lab
  std::string host_link;     // host-side veth into the switch
  std::string switch_namespace;
  std::vector<std::string> namespaces;  // every namespace created, switch included
  std::vector<std::filesystem::path> etc_dirs;  // /etc/netns/NAME directories created
  std::string upstream_rate;  // tc tbf rate on the hub's link; empty: unlimited

  std::filesystem::path kind_config;
  std::filesystem::path registry_config;
  std::filesystem::path hosts_toml;
  std::filesystem::path images;       // the fixture list the hub was seeded from
  std::filesystem::path fixture_store;  // generated fixture blobs (shared by labs)
  std::vector<std::string> hosts_toml_nodes;  // empty: every node got hosts.toml
  std::string hosts_toml_path;
  std::filesystem::path ca_file;      // the lab CA (trust it to reach the hub)
  std::filesystem::path ca_bundle;    // system CAs + the lab CA
  std::filesystem::path registry_data;

  LabProcess hub;
  std::filesystem::path hub_data;
  LabProcess mirror;
  int mirror_port = 5000;
  // kind backend: kind-registry as the host reaches it (its published port);
  // mirror.address is then its address on the kind network.
  std::string mirror_host_url;
  // kind-registry as the harness reaches it: "http://ADDRESS:PORT".
  std::string mirror_url() const {
    return mirror_host_url.empty() ? "http://" + mirror.address + ":" + std::to_string(mirror_port) : mirror_host_url;
  }
  KindBackendState kind;
  std::vector<LabNode> nodes;
  std::vector<LabFixture> fixtures;
  std::string platform;
  std::string created_at;
  bool complete = false;  // false while `up` is still bringing it up
};

struct DownReport {
  bool had_lab = false;
  std::vector<std::string> leftovers;  // anything still there after teardown
  std::filesystem::path logs;          // where the run's logs were kept
};

// The common end of every backend's `down`: what the teardown could not do
// and what is still there make the leftovers; the state file goes only when
// there are none, so a second `down` can try again.
// The nodes as the Environment contract lists them.
std::vector<NodeInfo> node_infos(const LabState& s);

DownReport finish_down(const LabState& s, std::vector<std::string> problems, std::vector<std::string> leftovers);

void to_json(nlohmann::json& j, const LabState& s);
void from_json(const nlohmann::json& j, LabState& s);

std::filesystem::path state_file(const std::filesystem::path& state_dir);
void save_state(const LabState& state);
// nullopt when there is no state file; throws naming the file when it is corrupt.
std::optional<LabState> load_state(const std::filesystem::path& state_dir);

}  // namespace mirrorgate
