// The Environment contract: what scenarios, benchmarks, reports and the CLI
// need from a mirrored cluster, whichever backend runs it (the embedded lab
// of namespaces, or real kind + Docker). Everything is named in production
// terms: nodes, the mirror (kind-registry), the upstream (Docker Hub). What
// the run is (cluster, platform, files under test) comes from its state and
// is the same on every backend; what it does is the backend's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "containerd/config_patch.h"
#include "core/netns.h"
#include "core/wait.h"
#include "images/reference.h"
#include "env/state.h"
#include "registry/access_log.h"
#include "registry/registry_client.h"

namespace mirrorgate {

struct PullResult {
  std::string node;
  std::string image;     // as requested
  std::string image_id;  // the config digest the node resolved
  double seconds = 0;    // wall time of the CRI call
};

// How the upstream (Docker Hub) looks from the cluster.
enum class Upstream {
  reachable,
  stopped,    // nothing listens: connections are refused at once
  link_down,  // its link is down: packets go nowhere, connections time out
};
inline const char* to_string(Upstream u) {
  switch (u) {
    case Upstream::reachable: return "reachable";
    case Upstream::stopped: return "stopped";
    case Upstream::link_down: return "link down";
  }
  return "?";
}

// One part of the environment and whether it answers (`mirrorgate status`).
struct ComponentHealth {
  std::string name;
  std::string role;  // "hub", "front" (kind-registry-front), "mirror", "node"
  std::string address;
  bool running = false;
  bool answering = false;
  std::string detail;
};

// The running mirror as the harness can read it, without changing it.
struct MirrorView {
  std::string config;         // its distribution config, as it runs
  std::string config_source;  // where it was read, for messages
  std::map<std::string, std::string> environment;  // its REGISTRY_* and SSL_CERT_FILE variables
  std::filesystem::path storage;  // its storage root as the host reaches it; empty: out of reach
  std::filesystem::path ca_file;  // the bundle it trusts for the upstream, as the host reaches it; empty: the system's
  // The Docker network the nodes are on: "kind", or KIND_EXPERIMENTAL_DOCKER_NETWORK's; empty in the lab.
  std::string nodes_network;
  // What it runs at start, program and arguments: through the shipped
  // kind-registry-start.sh, or `registry serve CONFIG`; empty where unknown.
  std::vector<std::string> command;
};

// The name the Environment gives kind-registry where it takes a component.
inline constexpr const char* kMirrorComponent = "kind-registry";

// The software the run exercises, as the running daemons report it.
struct RuntimeVersions {
  std::string registry;                              // kind-registry's distribution
  std::map<std::string, std::string> containerd;     // node → "containerd 1.6.20 (CRI v1)"
};

// Where a floor registry runs: a plain registry (no proxy, no auth; the
// run's registry generation) that a node pulls an image from, costing
// containerd's own fetch, store and unpack and nothing of a cache.
enum class FloorPlace {
  // On the node's own loopback: not even a network.
  node_loopback,
  // Where kind-registry runs, on the same bridge: the path a warm pull
  // takes, without the cache. warm / this floor is what the cache costs.
  mirror_host,
};
std::string to_string(FloorPlace place);  // "the node's loopback", "kind-registry's host"

struct FloorRegistry {
  std::string node;
  std::string push_url;  // as the harness reaches it: "http://10.77.0.5:5055"
  std::string host;      // as the node pulls from it: "127.0.0.1:5055", "kind-registry:5055"
};

// The nodes' files, as each node sees them.
class NodeFiles {
 public:
  virtual ~NodeFiles() = default;

  // Files as the node sees them (e.g. /etc/containerd/certs.d/…).
  virtual std::optional<std::string> read_node_file(const std::string& node, const std::string& path) const = 0;
  virtual void write_node_file(const std::string& node, const std::string& path, const std::string& content) = 0;
  // Paths of the regular files under a directory of the node, relative to it.
  virtual std::vector<std::string> list_node_files(const std::string& node, const std::string& dir) const = 0;
};

// Each node's containerd: pulls through CRI, its images and content store,
// the registry settings it runs with.
class NodeRuntime {
 public:
  virtual ~NodeRuntime() = default;

  // Pulls through the node's CRI ImageService, as kubelet does.
  virtual PullResult pull_image(const std::string& node, const std::string& image,
                                std::chrono::milliseconds timeout) = 0;
  // The ids (config digests) of every image the node holds.
  virtual std::set<std::string> image_ids(const std::string& node) const = 0;
  // The image id (config digest) the node holds for a reference, if any.
  virtual std::optional<std::string> image_id(const std::string& node, const std::string& image) const = 0;
  // Removes the image and waits until the node's content store no longer
  // holds the given blobs, so the next pull really fetches them.
  [[nodiscard]] virtual WaitResult remove_image(const std::string& node, const std::string& image,
                                                const std::vector<std::string>& blob_digests,
                                                std::chrono::milliseconds timeout) = 0;
  virtual bool node_has_blob(const std::string& node, const std::string& digest) const = 0;
  // Bytes in the node's content store, downloads in progress included: the
  // difference over a pull is what it has fetched so far.
  virtual std::uint64_t node_content_bytes(const std::string& node) const = 0;

  // The registry settings the node's running containerd uses, read back from
  // containerd itself (not from the files the harness wrote).
  virtual RegistrySettings node_registry_config(const std::string& node) const = 0;

  // Whether a kubelet runs on the nodes, so that pods can be scheduled
  // there (kind's nodes); the lab's nodes run containerd only, and its
  // scenarios pull through CRI as kubelet does.
  virtual bool has_kubelet() const { return false; }
};

// kind-registry and the upstream as the harness reaches them, what they
// logged, and the floor registries (plain registries a warm pull is held against).
class Registries {
 public:
  virtual ~Registries() = default;

  // The cache of `registry` as the harness reaches it: kind-registry for
  // docker.io, kind-registry-quay-io … for each --upstream; and the upstream
  // (the stand-in, answering as every registry of its world). Throws
  // std::invalid_argument for a registry the run does not cache.
  virtual RegistryClient mirror_of(const std::string& registry) const = 0;
  RegistryClient mirror() const { return mirror_of(kDockerIo); }
  virtual RegistryClient upstream() const = 0;

  virtual std::vector<AccessRecord> mirror_access_log_of(const std::string& registry) const = 0;
  // The cache's own log (distribution's messages, not its access log): the
  // lab's log file, the container's `docker logs`.
  virtual std::string mirror_log_of(const std::string& registry) const = 0;
  std::vector<AccessRecord> mirror_access_log() const { return mirror_access_log_of(kDockerIo); }
  // Every request the upstream saw; empty when the upstream is the real Docker Hub.
  virtual std::vector<AccessRecord> upstream_access_log() const = 0;

  virtual MirrorView mirror_view() const = 0;
  // Starts the floor registry at `place` for `node` (once; a second call
  // returns the running one); it runs until stop_floor_registry(place) or
  // teardown. nullopt, saying why, where the backend cannot run one.
  virtual std::optional<FloorRegistry> start_floor_registry(const std::string& node, FloorPlace place,
                                                            std::string& why) {
    why = "this backend runs no floor registry (" + to_string(place) + ")";
    (void)node;
    return std::nullopt;
  }
  virtual void stop_floor_registry(FloorPlace place) { (void)place; }

  // Sweeps the storage of the cache of `registry` with distribution's own
  // `registry garbage-collect`, run with the config the cache runs, while
  // nothing writes it: stops the cache (the lab its daemon, the kind backend
  // its container), runs `while_stopped` first (a prune's unlinking), then
  // garbage-collect, and starts the cache again as it starts — also when a
  // step fails. Returns garbage-collect's summary line ("N blobs marked, M
  // blobs and K manifests eligible for deletion"); throws when it fails.
  virtual std::string garbage_collect_of(const std::string& registry, const std::function<void()>& while_stopped) = 0;
};

// What the scenarios do to the environment: the upstream stopped, cut off,
// slowed or out of quota; kind-registry restarted.
class Faults {
 public:
  virtual ~Faults() = default;

  virtual void set_upstream(Upstream state) = 0;
  // Limits the upstream's link like a WAN ("100mbit"); empty: unlimited.
  virtual void set_upstream_rate(const std::string& rate) = 0;
  // The stand-in's pull quota, per address and per account ("10/1h"; empty:
  // Docker's); restarts its count. Throws without a stand-in hub.
  virtual void set_upstream_quota(const std::string& anonymous, const std::string& account) = 0;
  // Stops the cache of `registry` (kind-registry for docker.io), runs
  // `while_stopped` (when given) while nothing writes its storage, and
  // starts it again over the same storage, as it starts (its start script).
  virtual void restart_mirror_of(const std::string& registry, const std::function<void()>& while_stopped) = 0;
  void restart_mirror_of(const std::string& registry) { restart_mirror_of(registry, {}); }
  // Kills the cache of `registry` with SIGKILL (a crash: nothing flushed,
  // a fetch cut mid-blob), runs `while_down` (when given), and starts it
  // again over the same storage as it starts.
  virtual void kill_mirror_of(const std::string& registry, const std::function<void()>& while_down) = 0;
  // Stops kind-registry and starts it again as registry generation
  // `generation` ("2.8", "3.1") over the same storage, the shipped config
  // and start script unchanged: a user's switch from registry:2 to
  // registry:3. Returns false, saying why, where the backend cannot (its
  // container's image is the user's) or the generation is not here.
  // Stops kind-registry and starts it again over a small filesystem of the
  // environment's own (`bytes`, empty), until restore_mirror_storage();
  // returns its root. nullopt, saying why, where the backend cannot.
  virtual std::optional<std::filesystem::path> mirror_on_small_disk(std::uint64_t bytes, std::string& why) {
    (void)bytes;
    why = "this backend's kind-registry keeps the storage its container mounts";
    return std::nullopt;
  }
  // kind-registry over its own storage again; the small disk removed.
  virtual void restore_mirror_storage() {}
  virtual bool switch_mirror_generation(const std::string& generation, std::string& why) {
    (void)generation;
    why = "this backend runs the kind-registry container the user made";
    return false;
  }
  void restart_mirror() { restart_mirror_of(kDockerIo, {}); }
};

// Whether each part runs and answers, what software it is, how it sees the
// network.
class Health {
 public:
  virtual ~Health() = default;

  // How a node, or the mirror (kMirrorComponent), sees the network: its
  // namespace, hosts file and resolver. nullopt where the harness cannot
  // enter it (not root).
  virtual std::optional<NetworkView> network_view(const std::string& component) const = 0;

  virtual std::vector<ComponentHealth> health() const = 0;
  virtual RuntimeVersions versions() const = 0;
};

// The team tier, in runs of more than one machine: every machine's
// kind-registry caches through the team cache (haproxy over replicas of
// distribution sharing one S3 store and one Redis, team/) instead of asking
// Docker Hub on its own. Machines are numbered from 1; a node's machine is
// NodeInfo::machine. Outside such a run every call but the first two throws
// std::logic_error.
class Team {
 public:
  virtual ~Team() = default;
  // How many replicas serve the team cache; 0: the run has no team tier.
  virtual int team_replicas() const { return 0; }
  // The team cache as the machines' kind-registry reach it (their proxy.remoteurl).
  virtual std::string team_cache_url() const { return {}; }
  // Machine k's kind-registry: its address and access log.
  virtual std::string machine_mirror_address(int machine) const { return no_team(machine); }
  virtual std::vector<AccessRecord> machine_mirror_access_log(int machine) const { return no_team_log(machine); }
  // Replica r (1-based): its registry's access log, and the addresses
  // Docker Hub sees its requests come from (its front's).
  virtual std::vector<AccessRecord> replica_access_log(int replica) const { return no_team_log(replica); }
  virtual std::string replica_upstream_address(int replica) const { return no_team(replica); }
  // How machine k's kind-registry and replica r run: the config file and
  // the REGISTRY_* variables of the running process (secrets included: for
  // checks, never for printing).
  virtual MirrorView machine_mirror_view(int machine) const { return (void)no_team(machine), MirrorView{}; }
  virtual MirrorView replica_view(int replica) const { return (void)no_team(replica), MirrorView{}; }
  // SIGKILL of replica r's registry (its front stays), and its start again
  // (waits until the team cache answers through it).
  virtual void kill_replica(int replica) { (void)no_team(replica); }
  virtual void start_replica(int replica) { (void)no_team(replica); }
  // Cuts machine k's kind-registry off the team cache (a partition: the
  // team cache's answers to it are lost), or joins it again.
  virtual void cut_machine_from_team(int machine, bool cut) {
    (void)cut;
    (void)no_team(machine);
  }

 private:
  static std::string no_team(int) { throw std::logic_error("this run has no team tier (one machine)"); }
  static std::vector<AccessRecord> no_team_log(int k) { return (void)no_team(k), std::vector<AccessRecord>{}; }
};

// The whole contract: what the run is (below), and its narrow parts above;
// code that needs one part takes that part.
class Environment : public NodeFiles, public NodeRuntime, public Registries, public Faults, public Health, public Team {
 public:
  explicit Environment(RunState state) : run_(std::move(state)) {}
  virtual ~Environment() = default;
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  const std::string& backend() const { return run_.backend; }
  const std::string& cluster() const { return run_.cluster; }
  const std::string& platform() const { return run_.platform; }
  // The nodes' containerd generation ("1.6", "1.7", "2.1"): what their
  // config is migrated to and how it is read back.
  const std::string& generation() const { return run_.containerd; }
  // kind-registry's registry generation ("2.8": registry:2, "3.1": registry:3).
  const std::string& registry_generation() const { return run_.registry; }
  // Why that is not the shipped generation (registry:3); empty when it is.
  const std::string& registry_note() const { return run_.registry_note; }
  const InputFiles& files() const { return run_.files; }
  const std::filesystem::path& image_store() const { return run_.image_store; }
  const std::filesystem::path& state_dir() const { return run_.state_dir; }
  // kind-registry's storage root as the harness reaches it (its cache).
  const std::filesystem::path& registry_data() const { return run_.registry_data; }
  // The registries the run caches: docker.io (kind-registry) first, then
  // every --upstream, each by a cache of its own (kind-registry-quay-io …).
  std::vector<std::string> cached_registries() const;
  // The cache of an --upstream; nullptr for docker.io and what is not cached.
  const RunCache* cache(const std::string& registry) const;
  // The storage root and address of the cache of `registry`, docker.io's
  // included; throws std::invalid_argument for one the run does not cache.
  std::filesystem::path registry_data_of(const std::string& registry) const;
  std::string mirror_address_of(const std::string& registry) const;
  // Where the nodes keep their images: "memory", "disk"; empty: the backend's own way.
  const std::string& node_storage() const { return run_.node_storage; }
  const std::vector<NodeInfo>& nodes() const { return run_.nodes; }
  // Machines of the run, each with its own kind-registry and nodes (Team).
  int machines() const { return run_.machines; }
  NodeInfo node(const std::string& name) const;  // throws for an unknown name
  // The address the upstream sees the mirror's requests come from, and the
  // harness's own address as the registries log it.
  const std::string& mirror_address() const { return run_.mirror_address; }
  // Where Docker Hub sees the cache's registry requests (and so its counted
  // pulls) come from: kind-registry, or kind-registry-front when that is a
  // container of its own.
  const std::string& cache_upstream_address() const {
    return run_.front_address.empty() ? run_.mirror_address : run_.front_address;
  }
  // Every address the cache talks to Docker Hub from: kind-registry (its
  // tokens come from auth.docker.io directly) and kind-registry-front.
  std::vector<std::string> cache_addresses() const {
    std::vector<std::string> out{run_.mirror_address};
    if (!run_.front_address.empty()) out.push_back(run_.front_address);
    return out;
  }
  // … of `registry`'s cache: docker.io's as above, an --upstream's own address.
  std::vector<std::string> cache_addresses_of(const std::string& registry) const {
    return registry == kDockerIo ? cache_addresses() : std::vector<std::string>{mirror_address_of(registry)};
  }
  const std::string& harness_address() const { return run_.harness_address; }
  const std::string& upstream_rate() const { return run_.upstream_rate; }
  bool has_stand_in_hub() const { return run_.has_stand_in_hub(); }
  // kind-registry as the harness reaches it ("http://10.77.0.3:5000").
  const std::string& mirror_url() const { return run_.mirror_url; }
  // kind-registry-front's address where it is a container of its own; empty otherwise.
  const std::string& front_address() const { return run_.front_address; }
  // The stand-in's pull quotas as the run was brought up with them
  // ("N/WINDOW"); empty: Docker's.
  const std::string& hub_quota() const { return run_.hub_quota; }
  const std::string& hub_account_quota() const { return run_.hub_account_quota; }

 protected:
  // The whole run as its state file records it, backend part included: for
  // the backend's own code only (LocalEnvironment, KindEnvironment make it
  // public); everything else asks the questions above.
  const RunState& state() const { return run_; }
  RunState run_;
};

}  // namespace mirrorgate
