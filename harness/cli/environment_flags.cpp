#include "backends/backends.h"
#include "cli/command.h"
#include "core/error.h"
#include "registry/docker_hub.h"
#include "registry/generations.h"

namespace mirrorgate {

void add_environment_flags(CLI::App& cmd, EnvironmentFlags& f) {
  auto& o = f.options;
  cmd.add_option("--kind-config", o.files.kind_config, "kind cluster config (nodes, containerdConfigPatches)")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd.add_option("--registry-config", o.files.registry_config, "distribution config kind-registry runs")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd.add_option("--hosts-toml", o.files.hosts_toml, "written to every node's /etc/containerd/certs.d/docker.io/hosts.toml")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd.add_option("--upstream", o.upstreams,
                 "cache this registry too, by a cache of its own (kind-registry-quay-io …), as registry/setup-registry.sh "
                 "--upstream does; repeat for each: --upstream quay.io --upstream ghcr.io --upstream registry.k8s.io "
                 "(the embedded lab's stand-in world serves these three besides Docker Hub)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("--certs-d", o.files.certs_d,
                 "each --upstream's hosts.toml, as DIR/HOST/hosts.toml, written to every node's "
                 "/etc/containerd/certs.d/HOST/hosts.toml")
      ->check(CLI::ExistingDirectory)->capture_default_str();
  cmd.add_option("--registry-start", f.registry_start,
                 "what kind-registry runs at start: the shipped kind-registry-start.sh, which serves the cache "
                 "read-only while Docker Hub is unreachable, or `none`: the image's own `registry serve` (the seed's "
                 "setup, which cannot start without Docker Hub)")
      ->capture_default_str();
  cmd.add_option("--test-images", o.files.images, "test images the Docker Hub stand-in serves (fixtures/images.yaml format)")
      ->check(CLI::ExistingFile)->capture_default_str();
  cmd.add_option("--image-cache", o.image_store, "where generated test images are kept between runs")->capture_default_str();
  cmd.add_option("--name", o.cluster_name,
                 "cluster name; nodes are NAME-control-plane, NAME-worker… (default: the config's name, else kind)");
  cmd.add_option("--subnet", o.local.subnet, "embedded lab: its subnet; must not overlap a route of this host")
      ->capture_default_str();
  cmd.add_option("--machines", o.local.machines,
                 "embedded lab: machines, each with its own kind-registry and nodes from the kind config; 2 or more "
                 "bring the team tier up between them and Docker Hub (team/: Ceph RGW as S3, Redis, two registry "
                 "replicas with their fronts, haproxy), and every machine's kind-registry caches through it")
      ->capture_default_str();
  cmd.add_flag("--per-machine-caches", o.local.per_machine_caches,
               "embedded lab, with --machines 2 or more: no team tier; every machine's kind-registry caches Docker Hub "
               "itself through a kind-registry-front of its own, as separate machines do without the team tier");
  cmd.add_option("--node-storage", o.local.node_storage,
                 "embedded lab: where each node's containerd keeps its images — memory (a tmpfs of its own), disk "
                 "(under --state), or auto: memory when the test images on every node fit in a quarter of the "
                 "available memory")
      ->check(CLI::IsMember({"auto", "memory", "disk"}))
      ->capture_default_str();
  cmd.add_option("--upstream-rate", o.upstream_rate,
                 "limit the Docker Hub stand-in's link with tc tbf, e.g. 100mbit (default: unlimited)");
  cmd.add_option("--start-timeout", f.start_timeout_s, "seconds each daemon gets to answer")->capture_default_str();
  cmd.add_option("--hub-quota", o.hub_quota,
                 "the Docker Hub stand-in's pull quota per address, PULLS/WINDOW (default: Docker's, " +
                     format_quota(kDockerHubAnonymous) + "; 0/6h: already spent)");
  cmd.add_option("--hub-account-quota", o.hub_account_quota,
                 "… per account (default: Docker's Personal, " + format_quota(kDockerHubPersonal) + ")");
  cmd.add_option("--containerd", o.containerd,
                 "embedded lab: the nodes' containerd generation — 1.6 (kind v0.19 and earlier), 1.7 (kind v0.20-v0.26), "
                 "2.1 (kind v0.27 and later) (default: what the kind config's node images ship, else the newest here)");
  cmd.add_option("--registry", o.registry,
                 "kind-registry's registry generation — 2.8 (registry:2, Debian's docker-registry), 3.1 (registry:3, "
                 "distribution v3.1.1; ci/build-registry.sh builds it) (default: what registry/setup-registry.sh runs, " +
                     shipped_registry_generation().name + ", else the newest here)");
  std::string backends_help;
  for (const auto* b : backends()) backends_help += (backends_help.empty() ? "" : "; ") + b->name() + ": " + b->summary();
  cmd.add_option("--backend", o.backend, backends_help)
      ->check(CLI::IsMember(backend_names()))
      ->capture_default_str();
  cmd.add_flag("--stand-in-hub", o.kind.stand_in_hub,
               "kind backend: serve registry-1.docker.io from a local container seeded with --images "
               "(no internet needed; what the Docker-backed tests use)");
  cmd.add_option("--node-image", o.kind.node_image, "kind backend: kind create cluster --image IMAGE");
  cmd.add_option("--registry-port", o.kind.registry_port, "kind backend: kind-registry's port on 127.0.0.1")
      ->capture_default_str();
  // A string, split in resolve: CLI11 2.1 lets a vector option swallow the
  // `--` that starts gate's command.
  cmd.add_option("--hosts-toml-nodes", f.hosts_toml_nodes,
                 "only these nodes (names or roles, comma-separated) get hosts.toml — reproduces a partly "
                 "configured cluster; REGISTRY=NODE for one registry's alone, e.g. quay.io=control-plane");
  cmd.add_option("--hosts-toml-path", o.hosts_toml_path, "where hosts.toml goes on a node")->capture_default_str();
}

EnvironmentOptions EnvironmentFlags::resolve(const GlobalOptions& global) const {
  EnvironmentOptions o = options;
  o.state_dir = global.state_dir;
  o.start_timeout = std::chrono::seconds(start_timeout_s);
  if (registry_start == "none") {
    o.files.registry_start.clear();
  } else if (!registry_start.empty()) {
    if (!std::filesystem::is_regular_file(registry_start)) {
      throw bad_flag("--registry-start " + registry_start, "no such file; give the start script, or none");
    }
    o.files.registry_start = std::filesystem::absolute(registry_start);
  }
  o.hosts_toml_nodes.clear();
  for (size_t start = 0; start < hosts_toml_nodes.size();) {
    const size_t comma = std::min(hosts_toml_nodes.find(',', start), hosts_toml_nodes.size());
    if (comma > start) o.hosts_toml_nodes.push_back(hosts_toml_nodes.substr(start, comma - start));
    start = comma + 1;
  }
  return o;
}

}  // namespace mirrorgate
