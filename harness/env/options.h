// What `up` (and verify, gate, bench) is asked to bring up, with every
// default, and the one validation of it that runs before anything is created.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cluster/kind_config.h"
#include "containerd/generations.h"
#include "containerd/hosts_toml.h"
#include "registry/generations.h"
#include "env/state.h"

namespace mirrorgate {

struct EnvironmentOptions {
  std::string backend = "local";          // a name in the backends' table (backends/backends.h); "local": the lab
  std::filesystem::path state_dir;        // required: state file, logs, caches
  InputFiles files;                       // default: the shipped files (see default_options)
  std::string cluster_name;               // default: the kind config's name, else "kind"
  std::string upstream_rate;              // tc tbf rate on the stand-in hub's link ("100mbit"); empty: unlimited
  std::string hub_quota;                  // the stand-in's pull quota per address, "N/WINDOW"; empty: Docker's
  std::string hub_account_quota;          // … per account; empty: Docker's
  // Registries cached besides docker.io, each by a cache of its own
  // (kind-registry-quay-io …), as registry/setup-registry.sh --upstream HOST
  // runs them: "quay.io", "ghcr.io", "registry.k8s.io". Empty: docker.io only.
  std::vector<std::string> upstreams;
  std::chrono::seconds start_timeout{30};  // per daemon or container, until it answers
  // Generated test images; shared by every run on the machine, kept by down.
  std::filesystem::path image_store = "/var/cache/mirrorgate/test-images";
  // To reproduce a partly or wrongly configured cluster: the nodes (names or
  // roles) that get hosts.toml (empty: every node), and where on the node.
  // An entry REGISTRY=NODE selects for that registry's hosts.toml alone
  // ("quay.io=control-plane"); a plain one for docker.io's.
  std::vector<std::string> hosts_toml_nodes;
  std::string hosts_toml_path = kDockerHubHostsPath;
  // The containerd generation of the lab's nodes ("1.6", "1.7", "2.1");
  // empty: what the kind config's node images ship, else the newest here.
  std::string containerd;
  // The registry generation kind-registry runs ("2.8": registry:2, "3.1":
  // registry:3); empty: the shipped default (shipped_registry_generation),
  // else, where that is not built here, the newest there is.
  std::string registry;

  struct Local {
    std::string subnet = "10.77.0.0/24";  // lab addresses; must not overlap a host route
    // Which lab's names (backends/local/lab_state.h): 0, production's names,
    // unless verify runs this lab beside another.
    int instance = 0;
    // Where each node's containerd root (content store, snapshots) lives:
    // "memory" (a tmpfs of its own, gone with the node), "disk" (the state
    // directory's filesystem), or "auto": memory when what the nodes may
    // hold fits in a quarter of the memory available (lab.h).
    std::string node_storage = "auto";
    // Machines, each with its own kind-registry and nodes (the kind
    // config's); 2 or more cache through the team tier between them and
    // Docker Hub (Ceph RGW, Redis, two replicas with their fronts, haproxy).
    int machines = 1;
    // With 2 or more machines: no team tier; every machine's kind-registry
    // caches Docker Hub itself, through a front of its own, as separate
    // machines do today (what the team tier is measured against).
    bool per_machine_caches = false;
  } local;

  struct Kind {
    std::filesystem::path setup_registry_script;  // default: the shipped registry/setup-registry.sh
    int registry_port = 5001;                      // kind-registry on 127.0.0.1
    // Serve registry-1.docker.io from a container seeded with files.images
    // instead of reaching Docker Hub (tests; machines without internet).
    bool stand_in_hub = false;
    std::string node_image;  // `kind create cluster --image`; empty: kind's default
  } kind;
};

// The options with the shipped files filled in (kind/kind-config-x86.yaml,
// registry/registry-config.yml, kind/hosts.toml, fixtures/images.yaml,
// registry/setup-registry.sh).
EnvironmentOptions default_options();

// The rules every backend shares, checked without touching the machine: the
// rate's shape, where hosts.toml goes, the registry port, the generations'
// names. Throws UserError(bad_input) naming the flag. Each backend adds its
// own (Backend::validate); `validated` (backends/backends.h) runs both.
void validate(const EnvironmentOptions& options);

// Options that passed validate() and their backend's rules, as bring-up
// takes them: a command validates its options once (`validated`, in
// backends/backends.h), and nothing brings an environment up from options
// nobody checked.
class ValidatedOptions {
 public:
  const EnvironmentOptions& operator*() const { return options_; }
  const EnvironmentOptions* operator->() const { return &options_; }

 private:
  explicit ValidatedOptions(EnvironmentOptions options) : options_(std::move(options)) {}
  friend ValidatedOptions validated(EnvironmentOptions options);
  friend std::optional<ValidatedOptions> beside(const ValidatedOptions& options, int k);
  friend ValidatedOptions with_one_machine(const ValidatedOptions& options);
  EnvironmentOptions options_;
};

// The same checked options with one machine (--machines 1): verify's labs
// beside its team lab. Fewer machines than were checked: not checked again.
ValidatedOptions with_one_machine(const ValidatedOptions& options);

// The generation the lab's nodes run: --containerd; else the one the kind
// config's node images stand for (all nodes must agree; an unknown image is
// bad input naming the choices); else the newest available. `note` says
// which was chosen and why, when it is not the exact version asked for.
const NodeGeneration& node_generation(const EnvironmentOptions& options, const KindConfig& kind, std::string* note);

// Where kind-registry's registry comes from: a binary of this machine (the
// lab; it must be built here) or an image Docker pulls or builds.
enum class RegistryRunsFrom { this_machine, image };

// The registry generation kind-registry runs: --registry, else the shipped
// default where it is there, else the newest there is (`note` says so).
// From an image, the image decides: registry:2 or registry:3.
const RegistryGeneration& registry_generation(const EnvironmentOptions& options, RegistryRunsFrom from, std::string* note);

// Whether `node` (by name or role) is one that gets hosts.toml.
bool gets_hosts_toml(const EnvironmentOptions& options, const NodeInfo& node);
bool gets_hosts_toml(const std::vector<std::string>& only, const NodeInfo& node);
// The --hosts-toml-nodes entries that select for `registry`'s hosts.toml
// (plain ones for docker.io, REGISTRY=NODE ones for REGISTRY); empty: every node.
std::vector<std::string> hosts_toml_nodes_of(const std::vector<std::string>& entries, const std::string& registry);

}  // namespace mirrorgate
