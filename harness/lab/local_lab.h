// The embedded lab: production's mirror topology on one machine, with no
// Docker, kind or internet. One network namespace each for the Docker Hub
// stand-in (hub, Debian's docker-registry over HTTPS as registry-1.docker.io),
// kind-registry (docker-registry running registry/registry-config.yml byte
// for byte) and every node of the kind config (a containerd each, configured
// as kind configures it). `ip netns exec` bind-mounts /etc/netns/NAME/* over
// /etc, so each namespace gets its own /etc/hosts and each node its own
// /etc/containerd, and the shipped paths work unchanged.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "env/environment.h"
#include "env/lab_state.h"
#include "images/fixture_images.h"

namespace mirrorgate {

struct LabOptions {
  std::filesystem::path state_dir;        // required; holds the state file, logs and caches
  std::filesystem::path kind_config;      // default: kind/kind-config-x86.yaml
  std::filesystem::path registry_config;  // default: registry/registry-config.yml
  std::filesystem::path hosts_toml;       // default: kind/hosts.toml
  std::filesystem::path images;           // default: fixtures/images.yaml
  // Generated fixture blobs; shared by every lab on the machine, kept by down.
  std::filesystem::path fixture_store = "/var/cache/mirrorgate/fixtures";
  std::string cluster_name;               // default: the kind config's name, else "kind"
  std::string subnet = "10.77.0.0/24";    // lab addresses; must not overlap a host route
  std::string upstream_rate;              // tc tbf rate on the hub's link ("100mbit"); empty: unlimited
  std::chrono::seconds start_timeout{30};  // per daemon, until it answers
  // To reproduce a partly or wrongly configured cluster: the nodes (names or
  // roles) that get hosts.toml (empty: every node), and where on the node it
  // is written.
  std::vector<std::string> hosts_toml_nodes;
  std::string hosts_toml_path = "/etc/containerd/certs.d/docker.io/hosts.toml";

  // Which backend: "local" (this lab) or "kind" (Docker + kind, harness/kind/kind_backend.h).
  std::string backend = "local";
  // kind backend: the shipped script that starts kind-registry
  // (default: registry/setup-registry.sh of the source tree).
  std::filesystem::path setup_registry_script;
  int kind_registry_port = 5001;  // kind-registry on 127.0.0.1
  // Serve registry-1.docker.io from a local container seeded with `images`
  // instead of reaching Docker Hub (tests; machines without internet).
  bool kind_stand_in_hub = false;
  std::string kind_node_image;  // `kind create cluster --image`; empty: kind's default
};

// Set by SIGINT/SIGTERM; long steps check it and unwind (tearing down what
// they started).
extern std::atomic<bool> g_interrupted;
void install_interrupt_handlers();

// Checks that the lab can run here: root, the commands it needs. Throws
// UserError(missing_prerequisite) with the command to run.
void check_lab_prerequisites();

// Brings the lab up and returns its state. When a healthy lab already runs
// from the same state dir it is reused; a half-started one is torn down first.
LabState lab_up(const LabOptions& options);

// Stops everything the state file names, after copying configs and logs into
// the run's log directory. Keeps the mirror's cache (registry-data), the hub's
// data and the fixture store unless purge.
DownReport lab_down(const std::filesystem::path& state_dir, bool purge);

struct ComponentHealth {
  std::string name;
  std::string kind;  // "hub", "mirror", "node"
  std::string address;
  bool running = false;
  bool answering = false;
  std::string detail;
};

std::vector<ComponentHealth> lab_health(const LabState& state);

// Shared with the kind backend's Docker Hub stand-in: the lab CA and a
// certificate for registry-1.docker.io under STATE/pki (made once), and how
// the harness reaches that hub at s.hub.address.
void make_pki(LabState& s);
// Pushes a fixture image to the hub unless it is there, with progress (bytes
// uploaded) for big ones; true when it was pushed now.
bool seed_fixture(const RegistryClient& hub, const FixtureImage& image, const FixtureStore& store);
HttpOptions hub_http_options(const LabState& s);
std::string hub_url();

// Attaches to a running lab through its state file.
class LocalEnvironment : public Environment {
 public:
  explicit LocalEnvironment(LabState state);

  const LabState& state() const { return state_; }

  std::string backend() const override { return "local"; }
  std::vector<NodeInfo> nodes() const override { return node_infos(state_); }
  std::optional<std::string> read_node_file(const std::string& node, const std::string& path) const override;
  void write_node_file(const std::string& node, const std::string& path, const std::string& content) override;
  std::vector<std::string> list_node_files(const std::string& node, const std::string& dir) const override;
  PullResult pull_image(const std::string& node, const std::string& image, std::chrono::milliseconds timeout) override;
  std::optional<std::string> image_id(const std::string& node, const std::string& image) const override;
  bool remove_image(const std::string& node, const std::string& image, const std::vector<std::string>& blob_digests,
                    std::chrono::milliseconds timeout) override;
  bool node_has_blob(const std::string& node, const std::string& digest) const override;
  std::uint64_t node_content_bytes(const std::string& node) const override;
  RegistryClient mirror() const override;
  std::string mirror_address() const override { return state_.mirror.address; }
  RegistryClient upstream() const override;
  RegistrySettings node_registry_config(const std::string& node) const override;
  void set_upstream(Upstream state) override;
  void set_upstream_rate(const std::string& rate) override;
  std::string upstream_rate() const override { return state_.upstream_rate; }
  void restart_mirror() override;
  std::vector<AccessRecord> mirror_access_log() const override;
  std::vector<AccessRecord> upstream_access_log() const override;

 private:
  const LabNode& lab_node(const std::string& name) const;
  std::filesystem::path node_path(const std::string& node, const std::string& path) const;
  LabState state_;
};

}  // namespace mirrorgate
