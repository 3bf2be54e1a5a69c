// The state file (STATE_DIR/state.json): what every backend records about a
// run — enough for another process to attach to it and for `down` to remove
// it. The backend's own records (namespaces and pids, or containers) live in
// `backend_state`, which only that backend reads and writes. `up` rewrites
// the file after each resource it creates, so an interrupted `up` can still
// be torn down from it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process/process.h"

namespace mirrorgate {

// A node as the Environment contract lists it.
struct NodeInfo {
  std::string name;     // "kind-worker"
  std::string role;     // "control-plane" or "worker"
  std::string address;  // the address the mirror's access log shows for it
  // Which machine of the run it belongs to (1..machines): each machine's
  // nodes pull through that machine's own kind-registry.
  int machine = 1;
};

// The files under test, as absolute paths.
struct InputFiles {
  std::filesystem::path kind_config;
  std::filesystem::path registry_config;
  std::filesystem::path hosts_toml;
  std::filesystem::path images;  // the test image list the Docker Hub stand-in was seeded from
  // What kind-registry runs at start: the shipped kind-registry-start.sh (the
  // cache read-only while Docker Hub is unreachable); empty: the image's own
  // `registry serve CONFIG`, the seed's bare setup.
  std::filesystem::path registry_start;
  // kind-registry-front's nginx config (its start script beside it): run
  // when the registry config's remoteurl names the front; else unused.
  std::filesystem::path registry_front;
  // The hosts.toml of every other registry cached: DIR/HOST/hosts.toml
  // (kind/certs.d); read only for the upstreams a run caches.
  std::filesystem::path certs_d;
  // The team tier's shipped files (team/: the replicas' registry-config.yml,
  // haproxy.cfg); used by runs of more than one machine.
  std::filesystem::path team;
};

// A registry's cache besides kind-registry (docker.io's): one distribution
// per upstream, as registry/setup-registry.sh --upstream HOST runs it.
struct RunCache {
  std::string registry;             // "quay.io", as references name it
  std::string url;                  // as the harness reaches it
  std::string address;              // where its upstream sees its requests come from
  std::filesystem::path data;       // its storage root as the harness reaches it
};

// An image the Docker Hub stand-in serves.
struct SeededImage {
  std::string ref;     // docker.io/library/redis:7.2
  std::string digest;  // the tag's manifest or index digest
  std::string media_type;
  uint64_t bytes = 0;  // bytes a node of the host's platform fetches
};

struct RunState {
  static constexpr int kVersion = 4;  // of the file's layout; checked on load
  int version = kVersion;
  std::string backend;  // the name of its backend in the table (backends/backends.h)
  std::string cluster;
  std::filesystem::path state_dir;
  std::string created_at;  // UTC stamp; names the run's log directory
  bool complete = false;   // false while `up` is still bringing it up

  InputFiles files;
  std::vector<std::string> hosts_toml_nodes;  // empty: every node got hosts.toml
  std::string hosts_toml_path;
  std::string platform;                 // "linux/amd64"
  std::string containerd;               // the nodes' containerd generation: "1.6", "1.7", "2.1"
  std::string registry;                 // kind-registry's registry generation: "2.8", "3.1"
  // Why kind-registry does not run the shipped generation (registry:3);
  // empty when it does. Every report quotes it.
  std::string registry_note;
  std::filesystem::path image_store;    // generated test images (shared, kept by down)
  std::filesystem::path registry_data;  // kind-registry's cache (kept by down unless --purge)
  // Set while a scenario runs kind-registry over another storage root (a
  // small filesystem of its own): the cache's own root, to go back to.
  std::filesystem::path registry_data_home;
  // Where the nodes keep their images, as the backend says it ("memory",
  // "disk"); empty where the backend does not choose (kind: the node's /var).
  std::string node_storage;

  // kind-registry: the URL the harness reaches it at, and the address the
  // upstream (and so its access log) sees its requests come from.
  std::string mirror_url;
  std::string mirror_address;
  // kind-registry-front's address where it is a container of its own (the
  // kind backend); empty where it shares kind-registry's (the lab) or is
  // not used. Docker Hub sees the cache's requests come from here.
  std::string front_address;
  std::string harness_address;  // the harness's own address, as the registries log it

  // The Docker Hub stand-in; hub_address empty: the real Docker Hub.
  std::string hub_address;
  std::filesystem::path hub_data;
  std::filesystem::path ca_file;    // the lab CA (trust it to reach the stand-in)
  std::filesystem::path ca_bundle;  // system CAs + the lab CA
  std::string upstream_rate;        // tc tbf rate on the stand-in's link; empty: unlimited
  // What each daemon or container gets to answer, at bring-up and at every
  // restart the scenarios make (--start-timeout).
  std::chrono::seconds start_timeout{30};
  std::string hub_quota;            // the stand-in's pull quota per address ("10/1h"); empty: Docker's
  std::string hub_account_quota;    // … per account ("100/1h"); empty: Docker's
  std::vector<SeededImage> seeded_images;
  std::vector<RunCache> caches;  // every --upstream's cache, in the order given

  std::vector<NodeInfo> nodes;
  // Machines, each with its own kind-registry and nodes (1: one machine, as
  // a user runs it). More than one: they cache through the team tier, whose
  // one address (haproxy) is team_cache_url.
  int machines = 1;
  std::string team_cache_url;
  nlohmann::json backend_state = nlohmann::json::object();  // owned by `backend`

  std::filesystem::path run_dir() const { return state_dir / "runs" / created_at; }
  bool has_stand_in_hub() const { return !hub_address.empty(); }
};

struct DownReport {
  bool had_environment = false;
  std::vector<std::string> leftovers;  // anything still there after teardown
  std::filesystem::path logs;          // where the run's logs were kept
  std::string summary;                 // what is gone, in the backend's words, once nothing is left
};

// The common end of every backend's `down`: what the teardown could not do
// and what is still there make the leftovers; the state file goes only when
// there are none, so a second `down` can try again.
DownReport finish_down(const RunState& s, std::vector<std::string> problems, std::vector<std::string> leftovers);

// A daemon as both backends record it: {"pid", "start_time", "exes"}.
void to_json(nlohmann::json& j, const DaemonHandle& d);
void from_json(const nlohmann::json& j, DaemonHandle& d);

void to_json(nlohmann::json& j, const RunState& s);
void from_json(const nlohmann::json& j, RunState& s);

std::filesystem::path state_file(const std::filesystem::path& state_dir);
// Where the k-th environment beside the one in state_dir keeps its state
// (Backend::beside: verify's labs beside the first), and those of them that
// have a state file now.
std::filesystem::path beside_state_dir(const std::filesystem::path& state_dir, int k);
std::vector<std::filesystem::path> beside_state_dirs(const std::filesystem::path& state_dir);
void save_state(const RunState& state);
// nullopt when there is no state file; throws UserError naming the file when
// it is corrupt or of another layout version.
std::optional<RunState> load_state(const std::filesystem::path& state_dir);

}  // namespace mirrorgate
