#include "env/options.h"

#include <algorithm>

#include "cluster/kind_config.h"
#include "core/error.h"
#include "core/paths.h"
#include "images/reference.h"
#include "registry/docker_hub.h"
#include "registry/upstreams.h"

namespace mirrorgate {

EnvironmentOptions default_options() {
  EnvironmentOptions o;
  o.state_dir = default_state_dir();
  // Without the shipped files every path must be given; validate says so.
  if (auto data = find_data_dir()) {
    o.files.kind_config = *data / "kind/kind-config-x86.yaml";
    o.files.registry_config = *data / "registry/registry-config.yml";
    o.files.hosts_toml = *data / "kind/hosts.toml";
    o.files.images = *data / "fixtures/images.yaml";
    o.files.registry_start = *data / "registry/kind-registry-start.sh";
    o.files.registry_front = *data / "registry/kind-registry-front.conf";
    o.files.certs_d = *data / "kind/certs.d";
    o.files.team = *data / "team";
    o.kind.setup_registry_script = *data / "registry/setup-registry.sh";
  }
  return o;
}

void validate(const EnvironmentOptions& o) {
  if (o.state_dir.empty()) throw bad_flag("--state", "a state directory is required");
  if (!o.cluster_name.empty()) {
    if (const auto problem = cluster_name_problem(o.cluster_name); !problem.empty()) {
      throw bad_flag("--name " + o.cluster_name, problem);
    }
  }
  const auto& f = o.files;
  if (f.kind_config.empty() || f.registry_config.empty() || f.hosts_toml.empty() || f.images.empty()) {
    data_dir();  // throws, saying where the shipped files were looked for
  }
  if (!o.upstream_rate.empty() && (o.upstream_rate.find_first_not_of("0123456789.kmgbitKMGBIT") != std::string::npos ||
                                   o.upstream_rate.find_first_of("0123456789") != 0)) {
    throw bad_flag("--upstream-rate " + o.upstream_rate, "expected a tc rate like 100mbit");
  }
  // containerd 2.x also reads /etc/docker/certs.d when its config_path names it.
  if ((o.hosts_toml_path.rfind("/etc/containerd/", 0) != 0 && o.hosts_toml_path.rfind("/etc/docker/certs.d/", 0) != 0) ||
      o.hosts_toml_path.find("..") != std::string::npos) {
    throw bad_flag("--hosts-toml-path " + o.hosts_toml_path, "must be under /etc/containerd/ or /etc/docker/certs.d/");
  }
  if (!o.containerd.empty()) (void)generation_named(o.containerd);
  if (!o.registry.empty()) (void)registry_generation_named(o.registry);
  if (o.kind.registry_port < 1 || o.kind.registry_port > 65535) {
    throw bad_flag("--registry-port " + std::to_string(o.kind.registry_port), "expected a port from 1 to 65535");
  }
  if (o.local.machines < 1) {
    throw bad_flag("--machines " + std::to_string(o.local.machines), "expected 1 or more machines");
  }
  if (o.local.per_machine_caches && o.local.machines < 2) {
    throw bad_flag("--per-machine-caches", "compares machines without the team tier; give --machines 2 or more");
  }
  if (o.start_timeout.count() < 1) throw bad_flag("--start-timeout", "must be at least 1 second");
  if (!o.hub_quota.empty()) (void)parse_quota(o.hub_quota, "--hub-quota");
  if (!o.hub_account_quota.empty()) (void)parse_quota(o.hub_account_quota, "--hub-account-quota");
  for (size_t i = 0; i < o.upstreams.size(); ++i) {
    if (const auto problem = upstream_problem(o.upstreams[i])) throw bad_flag("--upstream " + o.upstreams[i], *problem);
    if (std::find(o.upstreams.begin(), o.upstreams.begin() + static_cast<long>(i), o.upstreams[i]) !=
        o.upstreams.begin() + static_cast<long>(i)) {
      throw bad_flag("--upstream " + o.upstreams[i], "given twice; each registry has one cache");
    }
  }
  for (const auto& entry : o.hosts_toml_nodes) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string registry = entry.substr(0, eq);
    if (registry != kDockerIo && std::find(o.upstreams.begin(), o.upstreams.end(), registry) == o.upstreams.end()) {
      throw bad_flag("--hosts-toml-nodes " + entry, registry + " is not cached by this run (docker.io, or an --upstream)");
    }
  }
}

const NodeGeneration& node_generation(const EnvironmentOptions& o, const KindConfig& kind, std::string* note) {
  const NodeGeneration* chosen = nullptr;
  if (!o.containerd.empty()) {
    chosen = &generation_named(o.containerd);
  } else {
    std::optional<NodeImageMatch> match;
    for (const auto& n : kind.nodes) {
      if (n.image.empty()) continue;
      auto m = generation_of_node_image(n.image);
      if (!m) {
        std::string choices;
        for (const auto& g : node_generations()) choices += (choices.empty() ? "" : ", ") + g.name;
        throw bad_input(kind.file.string(), n.image_line,
                        "no known containerd for node image " + n.image + " (known: the default node images of kind "
                        "v0.27.0 and v0.33.0); give --containerd " + choices);
      }
      if (match && match->generation != m->generation) {
        throw bad_input(kind.file.string(), n.image_line, "nodes run different containerd generations (" +
                                                              match->generation + " and " + m->generation +
                                                              "); the lab runs one per cluster");
      }
      match = m;
    }
    if (match) {
      chosen = &generation_named(match->generation);
      if (note) {
        *note = "the kind config's node images are kind " + match->kind_release + "'s (containerd " + match->containerd +
                "); the lab's nodes run containerd " + chosen->version + " (" + chosen->origin + ") instead";
      }
    } else {
      chosen = &newest_available_generation();
    }
  }
  if (!generation_available(*chosen)) {
    throw missing_prerequisite("containerd " + chosen->name + " is not in " + generation_bin_dir(*chosen).string() +
                               "; put it there with " + chosen->obtain + " (" + chosen->origin + ")");
  }
  return *chosen;
}

const RegistryGeneration& registry_generation(const EnvironmentOptions& o, RegistryRunsFrom from, std::string* note) {
  // From an image, it is pulled or built by Docker, not a binary of this machine.
  const bool here = from == RegistryRunsFrom::this_machine;
  if (!o.registry.empty()) {
    const auto& g = registry_generation_named(o.registry);
    if (here && !registry_available(g)) throw missing_prerequisite(registry_missing_reason(g));
    if (note && &g != &shipped_registry_generation()) {
      *note = "--registry " + g.name + " asked for it";
    }
    return g;
  }
  const auto& shipped = shipped_registry_generation();
  if (!here || registry_available(shipped)) return shipped;
  const auto* newest = newest_available_registry();
  if (!newest) throw missing_prerequisite(registry_missing_reason(shipped));
  if (note) *note = registry_missing_reason(shipped) + "; kind-registry runs registry " + newest->name + " instead";
  return *newest;
}

bool gets_hosts_toml(const std::vector<std::string>& only, const NodeInfo& node) {
  return only.empty() || std::find(only.begin(), only.end(), node.name) != only.end() ||
         std::find(only.begin(), only.end(), node.role) != only.end();
}

bool gets_hosts_toml(const EnvironmentOptions& options, const NodeInfo& node) {
  return gets_hosts_toml(hosts_toml_nodes_of(options.hosts_toml_nodes, kDockerIo), node);
}

std::vector<std::string> hosts_toml_nodes_of(const std::vector<std::string>& entries, const std::string& registry) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    const auto eq = e.find('=');
    if (eq == std::string::npos) {
      if (registry == kDockerIo) out.push_back(e);
    } else if (e.compare(0, eq, registry) == 0 && eq == registry.size()) {
      out.push_back(e.substr(eq + 1));
    }
  }
  return out;
}

ValidatedOptions with_one_machine(const ValidatedOptions& options) {
  auto one = *options;
  one.local.machines = 1;
  return ValidatedOptions(std::move(one));
}

}  // namespace mirrorgate
