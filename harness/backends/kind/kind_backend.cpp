#include "backends/kind/kind_backend.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "backends/kind/docker.h"
#include "backends/kind/kind_environment.h"
#include "cluster/kind_config.h"
#include "containerd/generations.h"
#include "containerd/hosts_toml.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/paths.h"
#include "env/node_setup.h"
#include "hub/front.h"
#include "hub/stand_in.h"
#include "hub/worlds.h"
#include "images/test_images.h"
#include "registry/generations.h"
#include "registry/registry_config.h"
#include "registry/upstreams.h"

namespace mirrorgate::kind {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// With the stand-in, the run's own network and hub container, named after
// the cluster so that two test worlds never meet.
std::string own_network_name(const std::string& cluster) { return "mirrorgate-net-" + cluster; }
std::string hub_container_name(const std::string& cluster) { return "mirrorgate-hub-" + cluster; }

// "1.7.24" from `containerd --version` in the node.
std::string node_containerd_version(const std::string& node) {
  const auto out = docker_quiet({"exec", node, "containerd", "--version"}).out;
  // "containerd github.com/containerd/containerd[/v2] VERSION REVISION"
  std::istringstream words(out);
  std::string word, version;
  for (int i = 0; words >> word && i < 3; ++i) version = word;
  if (!version.empty() && version[0] == 'v') version.erase(0, 1);
  return version;
}
constexpr const char* kClusterLabel = "io.x-k8s.kind.cluster";
constexpr const char* kRoleLabel = "io.x-k8s.kind.role";

// `docker logs --since` takes RFC 3339.
std::string rfc3339_now() {
  char buf[40];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

struct Inputs {
  KindConfig kind;
  RegistryConfig registry;
  std::string hosts_toml;
  std::vector<RegistryHostsToml> upstream_hosts_tomls;  // kind/certs.d/HOST/hosts.toml of each --upstream
};

Inputs read_inputs(const EnvironmentOptions& o) {
  Inputs in;
  in.kind = load_kind_config(o.files.kind_config, o.cluster_name);
  in.registry = load_registry_config(o.files.registry_config);
  if (!in.registry.proxy_remote_url) {
    spdlog::warn("{} has no proxy section: kind-registry will not cache Docker Hub", o.files.registry_config.string());
  }
  auto hosts = read_file_if_exists(o.files.hosts_toml);
  if (!hosts) throw bad_input(o.files.hosts_toml.string(), 0, "hosts.toml not found");
  in.hosts_toml = *hosts;
  parse_hosts_toml(in.hosts_toml, o.files.hosts_toml.string());
  in.upstream_hosts_tomls = read_upstream_hosts_tomls(o.files.certs_d, o.upstreams);
  if (o.kind.stand_in_hub) load_test_image_list(o.files.images);
  return in;
}

std::unique_ptr<KindEnvironment> plan(const fs::path& state_dir, const EnvironmentOptions& o, const Inputs& in) {
  RunState run;
  run.start_timeout = o.start_timeout;
  run.backend = kBackendName;
  run.cluster = in.kind.name;
  run.state_dir = state_dir;
  run.created_at = utc_stamp();
  run.files = {fs::absolute(o.files.kind_config), fs::absolute(o.files.registry_config), fs::absolute(o.files.hosts_toml),
               fs::absolute(o.files.images),
               o.files.registry_start.empty() ? fs::path() : fs::absolute(o.files.registry_start),
               o.files.registry_front.empty() ? fs::path() : fs::absolute(o.files.registry_front),
               o.files.certs_d.empty() ? fs::path() : fs::absolute(o.files.certs_d)};
  run.image_store = fs::absolute(o.image_store);
  run.hosts_toml_nodes = o.hosts_toml_nodes;
  run.hosts_toml_path = o.hosts_toml_path;
  run.registry_data = state_dir / "registry-data";
  run.mirror_url = "http://127.0.0.1:" + std::to_string(o.kind.registry_port);
  run.platform = host_platform();
  KindState kind;
  kind.node_image = o.kind.node_image;
  if (o.kind.stand_in_hub) kind.network = own_network_name(run.cluster);
  for (const auto& registry : o.upstreams) kind.caches.push_back({registry, cache_host(registry), "", false});
  // Each look at kind-registry's log reads from this run's start, not the
  // container's whole history (it may be a long-lived cache).
  kind.logs_since = rfc3339_now();
  run.backend_state = kind;
  auto env = std::make_unique<KindEnvironment>(std::move(run));
  env->save();
  return env;
}

std::string state_label(const RunState& run) { return std::string(kStateLabel) + "=" + run.state_dir.string(); }

// kind creates it too; made first so the hub and kind-registry can join it.
// The stand-in's network is always made here (refuse_foreign_parts checked
// that none of its name exists); `kind` is reused when it exists.
void ensure_network(KindEnvironment& env) {
  auto& kind = env.kind();
  if (!network_id(kind.network).empty()) return;
  kind.network_created = true;  // recorded first: removed again if anything below fails
  env.save();
  kind.network_id = trim(docker({"network", "create", "--label", state_label(env.state()), kind.network}).out);
  env.save();
}

void start_stand_in_hub(KindEnvironment& env, const EnvironmentOptions& o) {
  auto& run = env.mutable_state();
  const auto pki = make_hub_pki(run.state_dir);
  run.ca_file = pki.ca_file;
  run.ca_bundle = pki.ca_bundle;
  const fs::path dir = run.state_dir / "hub";
  auto& kind = env.kind();
  run.hub_data = run.state_dir / "hub-data";
  TestImageStore store(run.image_store);
  const auto images = build_test_images(run.files.images, store);
  HubSeedCache seed_cache(store, images);
  seed_cache.restore_into(run.hub_data);
  fs::create_directories(run.hub_data);
  write_file_atomic(dir / "config.yml", hub_registry_config("/var/lib/registry", "/pki/token.crt"));
  ensure_hub_accounts(run.state_dir);
  run.hub_quota = o.hub_quota;
  run.hub_account_quota = o.hub_account_quota;
  kind.hub_container = hub_container_name(run.cluster);
  env.save();
  spdlog::info("starting the Docker Hub stand-in ({} as {} on the run's network {})", kind.hub_container,
               kDockerHubApiHost, kind.network);
  kind.hub_container_id =
      trim(docker({"run", "-d", "--name", kind.hub_container, "--label", state_label(run), "--network", kind.network,
                   "--network-alias", kDockerHubApiHost, "--network-alias", "docker.io", "--network-alias",
                   kDockerHubAuthHost, "--network-alias", kDockerHubBlobHost, "--network-alias", "quay.io",
                   "--network-alias", kQuayBlobHost, "--network-alias", "ghcr.io", "--network-alias", kGhcrBlobHost,
                   "--network-alias", "registry.k8s.io", "--network-alias", kK8sArtifactRegistryHost, "-v",
                   (dir / "config.yml").string() + ":/etc/docker/registry/config.yml:ro", "-v",
                   (run.state_dir / "pki").string() + ":/pki:ro", "-v", run.hub_data.string() + ":/var/lib/registry",
                   "registry:2"})
               .out);
  env.save();
  run.hub_address = address_on_network(kind.hub_container, kind.network);
  env.save();
  start_hub_front(env);
  run.seeded_images = seed_hub(env.upstream(), images, store, run.platform);
  seed_cache.keep(run.hub_data);
  if (!o.upstream_rate.empty()) {
    apply_hub_rate(env.kind(), o.upstream_rate);
    run.upstream_rate = o.upstream_rate;
  }
  env.save();
}

// Whether Docker's creation time of a container (RFC 3339, UTC) is at or
// after `started` (RFC 3339, UTC), a moment the run recorded: compared as
// text, to the second. Never, when nothing was recorded.
bool created_since(const std::string& created, const std::string& started) {
  return !started.empty() && created.substr(0, 19) >= started.substr(0, 19);
}

// What setup-registry.sh made, by ID: each container of the run's names that
// did not exist when it started and exists now, made since (by Docker's
// clock, to the second, as own_node reads a half-made cluster). Done after
// the script, or at down for a run killed while it ran.
void settle_registry_setup(KindState& kind) {
  if (kind.registry_setup_started.empty()) return;
  auto made = [&](const std::string& name, bool& created, std::string& id) {
    if (std::find(kind.registry_setup_absent.begin(), kind.registry_setup_absent.end(), name) ==
        kind.registry_setup_absent.end()) {
      return;
    }
    const auto r = docker_quiet({"container", "inspect", "-f", "{{.Id}}{{println}}{{.Created}}", name});
    const auto fields = lines_of(r.out);
    if (!r.ok() || fields.size() != 2 || !created_since(fields[1], kind.registry_setup_started)) return;
    created = true;
    id = fields[0];
  };
  made(kind.registry_container, kind.registry_created, kind.registry_container_id);
  made(kind.front_container, kind.front_created, kind.front_container_id);
  for (auto& c : kind.caches) made(c.container, c.created, c.container_id);
  kind.registry_setup_started.clear();
  kind.registry_setup_absent.clear();
}

void start_registry(KindEnvironment& env, const Inputs& in, const EnvironmentOptions& o) {
  auto& run = env.mutable_state();
  auto& kind = env.kind();
  const bool existed = container_exists(kind.registry_container);
  const bool front_existed = container_exists(kind.front_container);
  const auto& generation = registry_generation(o, RegistryRunsFrom::image, &run.registry_note);
  run.registry = generation.name;
  std::vector<std::string> argv{"bash", o.kind.setup_registry_script.string(), "--image", generation.image, "--port",
                                std::to_string(o.kind.registry_port), "--network", kind.network,
                                "--data-dir", run.registry_data.string(),
                                "--config", run.files.registry_config.string(), "--start",
                                run.files.registry_start.empty() ? "none" : run.files.registry_start.string()};
  if (run.has_stand_in_hub()) {
    argv.push_back("--ca-bundle");
    argv.push_back(run.ca_bundle.string());
  }
  kind.registry_setup_absent.clear();
  if (!existed) kind.registry_setup_absent.push_back(kind.registry_container);
  if (!front_existed) kind.registry_setup_absent.push_back(kind.front_container);
  for (const auto& c : kind.caches) {
    argv.push_back("--upstream");
    argv.push_back(c.registry);
    if (!container_exists(c.container)) kind.registry_setup_absent.push_back(c.container);
  }
  // Saved before the script runs: were this process killed while it runs,
  // down still knows which of its containers are the run's.
  kind.registry_setup_started = rfc3339_now();
  env.save();
  spdlog::info("running {}", join_argv(argv));
  auto r = mirrorgate::run(argv, {.timeout = 5min, .check = false});
  for (const auto& line : lines_of(r.out)) spdlog::info("  {}", line);
  // Recorded before a failure is reported: a container the script made is removed again.
  settle_registry_setup(kind);
  env.save();
  if (!r.ok()) {
    throw std::runtime_error(o.kind.setup_registry_script.string() + " failed (exit " + std::to_string(r.exit_code) +
                             "): " + trim(r.err));
  }
  run.mirror_address = address_on_network(kind.registry_container, kind.network);
  // Behind kind-registry-front, Docker Hub sees the front's address.
  if (proxies_through_front(in.registry)) {
    run.front_address = address_on_network(kind.front_container, kind.network);
  }
  run.caches.clear();
  for (const auto& c : kind.caches) {
    const auto address = address_on_network(c.container, kind.network);
    run.caches.push_back({c.registry, "http://" + address + ":5000", address, cache_data_dir(run.registry_data, c.registry)});
  }
  env.save();
  wait_answering("kind-registry (" + run.mirror_url + ")", env.mirror(), run.start_timeout);
  for (const auto& c : run.caches) wait_answering(cache_host(c.registry) + " (" + c.url + ")", env.mirror_of(c.registry), run.start_timeout);
}

bool cluster_exists(const std::string& cluster) {
  const auto clusters = lines_of(mirrorgate::run({"kind", "get", "clusters"}, {.timeout = 1min}).out);
  return std::find(clusters.begin(), clusters.end(), cluster) != clusters.end();
}

// The stand-in world is made of parts of its own, never of the host's:
// its CA goes only into nodes the run creates (and deletes again), its
// Docker Hub names live only on its own network, and a kind-registry that
// already caches real Docker Hub content must not take in test images.
// Checked before anything is created.
void refuse_foreign_parts(const std::string& cluster, const std::string& registry_container,
                          const std::string& front_container, const std::vector<std::string>& upstreams) {
  for (const auto& registry : upstreams) {
    if (const auto name = cache_host(registry); container_exists(name)) {
      throw bad_flag("--stand-in-hub", "a container named " + name + " exists and this run did not create it; with the "
                                       "stand-in it would cache test images as " + registry + "'s. Remove it first (its "
                                       "cache stays in its data directory): docker rm -f " + name);
    }
  }
  if (cluster_exists(cluster)) {
    throw bad_flag("--name " + cluster,
                   "a kind cluster of that name exists and this run did not create it; --stand-in-hub would put the lab "
                   "CA into its nodes' trust. Give another --name, or check your own cluster without changing it: "
                   "mirrorgate verify --live --backend kind --name " + cluster);
  }
  if (container_exists(registry_container)) {
    throw bad_flag("--stand-in-hub",
                   "a container named " + registry_container + " exists and this run did not create it; with the "
                   "stand-in it would cache test images as Docker Hub's. Stop and remove it first (its cache stays in "
                   "its data directory): docker rm -f " + registry_container + ", or check your own setup without "
                   "changing it: mirrorgate verify --live --backend kind --name CLUSTER");
  }
  if (container_exists(front_container)) {
    throw bad_flag("--stand-in-hub",
                   "a container named " + front_container + " exists and this run did not create it; kind-registry "
                   "would fetch the stand-in's test images through it. Remove it first (it keeps no data): docker rm -f " +
                       front_container);
  }
  if (const auto hub = hub_container_name(cluster); container_exists(hub)) {
    throw bad_flag("--name " + cluster, "a container named " + hub +
                                            " exists and this run did not create it (a run killed before its down?); "
                                            "remove it if it is no longer needed: docker rm -f " + hub);
  }
  if (!network_id(own_network_name(cluster)).empty()) {
    throw bad_flag("--name " + cluster, "a docker network named " + own_network_name(cluster) +
                                            " exists and this run did not create it; remove it if it is no longer "
                                            "needed: docker network rm " + own_network_name(cluster));
  }
}

void ensure_cluster(KindEnvironment& env) {
  const auto& run = env.state();
  if (cluster_exists(run.cluster)) {
    spdlog::info("reusing the existing kind cluster {}", run.cluster);
    return;
  }
  std::vector<std::string> argv{"kind", "create", "cluster", "--name", run.cluster, "--config",
                                run.files.kind_config.string()};
  if (!env.kind().node_image.empty()) {
    argv.push_back("--image");
    argv.push_back(env.kind().node_image);
  }
  std::map<std::string, std::string> environment;
  if (env.kind().network != kKindNetwork) {
    // kind's own switch for the nodes' network (pkg/cluster/internal/providers/docker).
    environment["KIND_EXPERIMENTAL_DOCKER_NETWORK"] = env.kind().network;
    spdlog::info("creating the cluster on the run's network: KIND_EXPERIMENTAL_DOCKER_NETWORK={} {}", env.kind().network,
                 join_argv(argv));
  } else {
    spdlog::info("creating the cluster: {}", join_argv(argv));
  }
  env.kind().cluster_created = true;  // recorded first: a half-made cluster is deleted too
  env.kind().cluster_create_started = rfc3339_now();
  env.save();
  // A Ctrl-C stops kind at once; the teardown then deletes the half-made cluster.
  auto r = mirrorgate::run(argv, {.timeout = 10min, .check = false, .extra_env = environment, .stop_on_interrupt = true});
  if (!r.ok()) throw std::runtime_error("kind create cluster failed: " + trim(r.err) + trim(r.out));
}

void read_nodes(KindEnvironment& env, const KindConfig& kind) {
  auto& run = env.mutable_state();
  const std::string& network = env.kind().network;
  run.nodes.clear();
  env.kind().node_ids.clear();
  for (const auto& name : lines_of(mirrorgate::run({"kind", "get", "nodes", "--name", run.cluster}, {.timeout = 1min}).out)) {
    // "ID ROLE" in one look.
    const auto fields = lines_of(
        docker({"inspect", "-f", std::string("{{.Id}}{{println}}{{index .Config.Labels \"") + kRoleLabel + "\"}}", name}).out);
    if (fields.empty()) throw std::runtime_error("docker inspect " + name + " printed nothing");
    const std::string role = fields.size() > 1 ? fields[1] : "";
    run.nodes.push_back({name, role, address_on_network(name, network)});
    if (env.kind().cluster_created) env.kind().node_ids.push_back(fields[0]);
  }
  if (run.nodes.empty()) throw std::runtime_error("kind get nodes --name " + run.cluster + " lists no node");
  run.containerd = generation_for_version(node_containerd_version(run.nodes.front().name));
  // In the kind config's order, as the local lab lists them.
  auto rank = [&](const std::string& name) {
    for (size_t i = 0; i < kind.nodes.size(); ++i) {
      if (kind.nodes[i].name == name) return i;
    }
    return kind.nodes.size();
  };
  std::stable_sort(run.nodes.begin(), run.nodes.end(),
                   [&](const NodeInfo& a, const NodeInfo& b) { return rank(a.name) < rank(b.name); });
  run.harness_address =
      trim(docker({"network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}} {{end}}", network}).out);
  if (auto space = run.harness_address.find(' '); space != std::string::npos) run.harness_address.resize(space);
  env.save();
}

// The nodes trust the stand-in's CA as nodes behind a corporate proxy trust
// its CA: in the system bundle, which Go reads on first use.
void trust_stand_in(KindEnvironment& env) {
  if (!env.has_stand_in_hub()) return;
  const std::string bundle = read_file(env.state().ca_bundle);
  for (const auto& n : env.nodes()) env.write_node_file(n.name, "/etc/ssl/certs/ca-certificates.crt", bundle);
}

void warn_without_config_path(const KindEnvironment& env) {
  for (const auto& n : env.nodes()) {
    if (env.node_registry_config(n.name).config_path.empty()) {
      spdlog::warn("node {}: containerd reports no registry config_path; hosts.toml files are ignored", n.name);
    }
  }
}

void collect_logs(const RunState& run, const KindState& kind) {
  const fs::path dir = run.run_dir();
  fs::create_directories(dir);
  auto save_logs = [&](const std::string& container, const std::string& file) {
    auto r = docker_quiet({"logs", container});
    if (r.ok()) {
      write_file_atomic(dir / (file + ".access.log"), r.out);
      write_file_atomic(dir / (file + ".log"), r.err);
    }
  };
  if (!kind.hub_container.empty()) save_logs(kind.hub_container, "hub");
  save_logs(kind.registry_container, "kind-registry");
  if (kind.front_created) save_logs(kind.front_container, "kind-registry-front");
  for (const auto& c : kind.caches) save_logs(c.container, c.container);
  for (const auto& n : run.nodes) {
    if (auto r = docker_quiet({"logs", n.name}); r.ok()) write_file_atomic(dir / (n.name + ".containerd.log"), r.out + r.err);
    if (auto config = docker_quiet({"exec", n.name, "cat", "/etc/containerd/config.toml"}); config.ok()) {
      write_file_atomic(dir / (n.name + ".config.toml"), config.out);
    }
    if (auto hosts = docker_quiet({"exec", n.name, "cat", run.hosts_toml_path}); hosts.ok()) {
      write_file_atomic(dir / (n.name + ".hosts.toml"), hosts.out);
    }
  }
}

// The cluster's nodes as Docker lists them now: ID and creation time (RFC 3339).
struct NodeContainer {
  std::string id, name, created;
};
std::vector<NodeContainer> node_containers(const std::string& cluster) {
  const auto filter = std::string("label=") + kClusterLabel + "=" + cluster;
  std::vector<NodeContainer> out;
  for (const auto& id : lines_of(docker_quiet({"ps", "-a", "--no-trunc", "--filter", filter, "--format", "{{.ID}}"}).out)) {
    const auto fields = lines_of(docker_quiet({"inspect", "-f", "{{.Name}}{{println}}{{.Created}}", id}).out);
    if (fields.size() == 2) out.push_back({id, fields[0].substr(fields[0].rfind('/') + 1), fields[1]});
  }
  return out;
}

// A node the run made: recorded by ID, or — for a cluster whose creation
// did not finish — made after `kind create cluster` started.
bool own_node(const NodeContainer& node, const KindState& kind) {
  if (!kind.node_ids.empty()) return std::find(kind.node_ids.begin(), kind.node_ids.end(), node.id) != kind.node_ids.end();
  return created_since(node.created, kind.cluster_create_started);
}

// Empty when every node of the cluster is the run's, else the first that is not.
std::string foreign_node(const RunState& run, const KindState& kind) {
  for (const auto& node : node_containers(run.cluster)) {
    if (!own_node(node, kind)) return node.name + " (" + node.id.substr(0, 12) + ", created " + node.created + ")";
  }
  return "";
}

// Still the container the run created: its name leads to the recorded ID.
bool own_container(const std::string& name, const std::string& recorded_id) {
  return !recorded_id.empty() && container_id(name) == recorded_id;
}

std::vector<std::string> teardown(const RunState& run, KindState kind, bool purge) {
  settle_registry_setup(kind);
  std::vector<std::string> problems;
  auto attempt = [&](const std::string& what, const std::vector<std::string>& argv) {
    auto r = mirrorgate::run(argv, {.timeout = 3min, .check = false});
    if (!r.ok()) problems.push_back(what + ": " + trim(r.err));
  };
  // A container under a recorded name that is not the recorded one was made
  // by someone else since: left alone, and said.
  auto remove_container = [&](const std::string& name, const std::string& id, const std::vector<std::string>& rm) {
    const auto current = container_id(name);
    if (current.empty()) return;
    if (id.empty() || current != id) {
      problems.push_back("container " + name + " is not the one this run created (" +
                         (id.empty() ? std::string("none recorded") : "recorded " + id.substr(0, 12)) + ", now " +
                         current.substr(0, 12) + "); left alone");
      return;
    }
    std::vector<std::string> argv{"docker", "rm", "-f"};
    argv.insert(argv.end(), rm.begin(), rm.end());
    argv.push_back(id);
    attempt("removing " + name, argv);
  };
  if (kind.cluster_created && !cluster_name_problem(run.cluster).empty()) {
    problems.push_back("the state file names cluster '" + run.cluster + "', which is not a kind cluster name; left alone");
  } else if (kind.cluster_created) {
    if (auto foreign = foreign_node(run, kind); !foreign.empty()) {
      problems.push_back("cluster " + run.cluster + " has a node this run did not create: " + foreign +
                         "; left alone (kind delete cluster --name " + run.cluster + " removes it)");
    } else {
      attempt("kind delete cluster --name " + run.cluster, {"kind", "delete", "cluster", "--name", run.cluster});
    }
  }
  if (kind.registry_created) remove_container(kind.registry_container, kind.registry_container_id, {});
  if (kind.front_created) remove_container(kind.front_container, kind.front_container_id, {});
  for (const auto& c : kind.caches) {
    if (c.created) remove_container(c.container, c.container_id, {});
  }
  if (!kind.hub_container.empty() && !stop_daemon(kind.hub_front)) {
    problems.push_back("the stand-in's front (pid " + std::to_string(kind.hub_front.pid) + ") did not stop");
  }
  if (!kind.hub_container.empty()) remove_container(kind.hub_container, kind.hub_container_id, {"-v"});
  if (const auto current = kind.network_created ? network_id(kind.network) : ""; !current.empty()) {
    if (kind.network_id.empty() || current != kind.network_id) {
      problems.push_back("docker network " + kind.network + " is not the one this run created; left alone");
    } else {
      attempt("removing the docker network " + kind.network, {"docker", "network", "rm", kind.network_id});
    }
  }
  if (purge) {
    // Only what lies inside the state directory: the cache and the stand-in's data this run made.
    auto remove = [&](const fs::path& path) {
      try {
        remove_owned_tree(path, run.state_dir);
      } catch (const std::exception& e) {
        problems.push_back(std::string("--purge: ") + e.what());
      }
    };
    if (kind.registry_created && !run.registry_data.empty()) {
      remove(run.registry_data);
      remove(fs::path(run.registry_data.string() + ".config.yml"));
    }
    for (const auto& c : kind.caches) {
      if (c.created && !run.registry_data.empty() && !upstream_problem(c.registry)) {
        remove(cache_data_dir(run.registry_data, c.registry));
      }
    }
    if (!run.hub_data.empty()) remove(run.hub_data);
  }
  return problems;
}

// What of the run is still there: only what it made (by recorded ID).
std::vector<std::string> leftovers_of(const RunState& run, KindState kind) {
  settle_registry_setup(kind);
  std::vector<std::string> out;
  if (kind.cluster_created) {
    for (const auto& node : node_containers(run.cluster)) {
      if (own_node(node, kind)) out.push_back("container " + node.name + " (node of cluster " + run.cluster + ")");
    }
  }
  if (kind.registry_created && own_container(kind.registry_container, kind.registry_container_id)) {
    out.push_back("container " + kind.registry_container);
  }
  if (kind.front_created && own_container(kind.front_container, kind.front_container_id)) {
    out.push_back("container " + kind.front_container);
  }
  for (const auto& c : kind.caches) {
    if (c.created && own_container(c.container, c.container_id)) out.push_back("container " + c.container);
  }
  if (!kind.hub_container.empty() && own_container(kind.hub_container, kind.hub_container_id)) {
    out.push_back("container " + kind.hub_container);
  }
  if (is_running(kind.hub_front)) out.push_back("process " + std::to_string(kind.hub_front.pid) + " (the stand-in's front)");
  if (kind.network_created && !kind.network_id.empty() && network_id(kind.network) == kind.network_id) {
    out.push_back("docker network " + kind.network);
  }
  return out;
}

// A complete, answering run of the same cluster is reused; anything else
// recorded in the state dir is taken down first.
std::unique_ptr<KindEnvironment> reuse_running(const fs::path& state_dir, const Inputs& in) {
  auto existing = load_state(state_dir);
  if (!existing) return nullptr;
  if (existing->backend != kBackendName) {
    throw std::runtime_error("a " + existing->backend + " run is up in " + state_dir.string() +
                             "; run `mirrorgate down --state " + state_dir.string() + "` first, or use another --state");
  }
  if (existing->complete && existing->cluster == in.kind.name) {
    auto env = std::make_unique<KindEnvironment>(*existing);
    auto health = env->health();
    if (std::all_of(health.begin(), health.end(), [](const ComponentHealth& h) { return h.answering; })) {
      spdlog::info("reusing the running cluster {} (state {})", existing->cluster, state_dir.string());
      return env;
    }
  }
  spdlog::info("taking down the cluster recorded in {} first", state_dir.string());
  auto report = backend().take_down(*existing, false);
  if (!report.leftovers.empty()) {
    throw std::runtime_error("could not take down the previous run in " + state_dir.string() + ": " + report.leftovers.front());
  }
  return nullptr;
}

// One cluster coming up: kind-registry through setup-registry.sh, the
// cluster through `kind create cluster`, hosts.toml onto its nodes.
class KindBringUp final : public BringUpOf<KindEnvironment> {
 public:
  explicit KindBringUp(const EnvironmentOptions& o) : o_(o), in_(read_inputs(o)) {}

  std::unique_ptr<Environment> reuse_running(const fs::path& state_dir) override {
    return kind::reuse_running(state_dir, in_);
  }

  void plan(const fs::path& state_dir) override {
    if (o_.kind.stand_in_hub) {
      refuse_foreign_parts(in_.kind.name, KindState{}.registry_container, KindState{}.front_container, o_.upstreams);
    }
    env_ = kind::plan(state_dir, o_, in_);
  }

  std::vector<BringUpStep> steps() override {
    auto& env = *env_;
    std::vector<BringUpStep> out{{"creating the docker network", [&] { ensure_network(env); }}};
    if (o_.kind.stand_in_hub) {
      out.push_back({"starting the Docker Hub stand-in", [&] { start_stand_in_hub(env, o_); }});
    }
    out.push_back({"starting kind-registry", [&] { start_registry(env, in_, o_); }});
    out.push_back({"creating the kind cluster", [&] { ensure_cluster(env); }});
    out.push_back({"configuring the nodes", [&] {
                     read_nodes(env, in_.kind);
                     shorten_connect_timeouts(env.kind(), env.nodes());
                     trust_stand_in(env);
                     install_hosts_toml(env, env.nodes(), in_.hosts_toml, env.files().hosts_toml.string(),
                                        hosts_toml_nodes_of(env.state().hosts_toml_nodes, kDockerIo),
                                        env.state().hosts_toml_path);
                     install_upstream_hosts_tomls(env, env.nodes(), in_.upstream_hosts_tomls,
                                                  env.state().hosts_toml_nodes);
                     warn_without_config_path(env);
                   }});
    return out;
  }

  std::vector<std::string> undo() override {
    collect_logs(env_->state(), env_->kind());
    return teardown(env_->state(), env_->kind(), false);
  }

 private:
  EnvironmentOptions o_;
  Inputs in_;
};

}  // namespace

void check_prerequisites() {
  for (const char* command : {"docker", "kind"}) {
    if (!on_path(command)) {
      throw missing_prerequisite(std::string(command) + " is not on PATH; the kind backend needs Docker and kind " +
                                 "(https://kind.sigs.k8s.io/docs/user/quick-start/), or use the embedded lab (--backend local)");
    }
  }
  auto info = run({"docker", "info", "--format", "{{.ServerVersion}}"}, {.timeout = 30s, .check = false});
  if (!info.ok()) {
    throw missing_prerequisite("the Docker daemon does not answer (" + trim(info.err) +
                               "); start it (systemctl start docker, or dockerd &), then run this again");
  }
  if (!on_path("kubectl")) spdlog::warn("kubectl is not on PATH: the pod-level pull scenario will be skipped");
  if (::geteuid() != 0) {
    spdlog::warn("not root: pulls go through `docker exec … crictl` (slower), and shaping or cutting the stand-in "
                 "hub's link (nsenter) will fail");
  }
}

namespace {

class KindBackend final : public Backend {
 public:
  std::string name() const override { return kBackendName; }
  std::string summary() const override { return "Docker + kind + registry/setup-registry.sh"; }

  void validate(const EnvironmentOptions& o) const override {
    if (o.kind.setup_registry_script.empty()) data_dir();  // throws, saying where the shipped files were looked for
    // The embedded lab's own flags: here the node image and Docker decide.
    if (!o.containerd.empty()) {
      throw bad_flag("--containerd", "selects the embedded lab's nodes; on the kind backend the node image decides "
                                     "(--node-image, e.g. mirrorgate/kind-node:containerd-" + o.containerd + ")");
    }
    if (o.local.subnet != EnvironmentOptions::Local{}.subnet) {
      throw bad_flag("--subnet", "the embedded lab's; on the kind backend Docker gives the kind network its addresses");
    }
    if (o.local.machines != 1) {
      throw bad_flag("--machines " + std::to_string(o.local.machines),
                     "the embedded lab's; on Docker each machine is a host of its own: run team/compose.yaml on the "
                     "team's server, then registry/setup-registry.sh --team-cache URL on each machine");
    }
    if (o.local.node_storage != EnvironmentOptions::Local{}.node_storage) {
      throw bad_flag("--node-storage", "the embedded lab's; a kind node keeps its images in its container's /var");
    }
    if (!o.upstream_rate.empty() && !o.kind.stand_in_hub) {
      throw bad_flag("--upstream-rate", "shapes the Docker Hub stand-in; on the kind backend add --stand-in-hub");
    }
  }

  void check_prerequisites() const override { kind::check_prerequisites(); }

  std::unique_ptr<BringUp> read_inputs(const EnvironmentOptions& o) const override {
    return std::make_unique<KindBringUp>(o);
  }

  std::vector<std::string> teardown(const RunState& run, bool purge) const override {
    const auto kind = run.backend_state.get<KindState>();
    collect_logs(run, kind);
    return kind::teardown(run, kind, purge);
  }

  std::vector<std::string> leftovers(const RunState& run) const override {
    return leftovers_of(run, run.backend_state.get<KindState>());
  }

  std::string removed_summary() const override {
    return "cluster removed: no container or network that up created is left";
  }

  std::unique_ptr<Environment> attach(RunState state) const override {
    return std::make_unique<KindEnvironment>(std::move(state));
  }

  std::unique_ptr<Environment> attach_live(const std::string& cluster) const override {
    return kind::attach_live(cluster.empty() ? "kind" : cluster, "kind-registry");
  }
};

}  // namespace

const Backend& backend() {
  static const KindBackend kind;
  return kind;
}

namespace {

// Where the host reaches the registry: its published port, else its address
// on the kind network.
std::string registry_url_from_host(const nlohmann::json& container) {
  const auto ports = container["NetworkSettings"].value("Ports", nlohmann::json::object());
  if (ports.contains("5000/tcp") && ports["5000/tcp"].is_array() && !ports["5000/tcp"].empty()) {
    const auto& binding = ports["5000/tcp"][0];
    std::string ip = binding.value("HostIp", "");
    if (ip.empty() || ip == "0.0.0.0") ip = "127.0.0.1";
    return "http://" + ip + ":" + binding.value("HostPort", "5000");
  }
  return "";
}

// The running containers setup-registry.sh labelled as caches, then (for
// caches it made before it labelled them) those named kind-registry-…; each
// name once.
std::vector<std::string> cache_containers() {
  auto names = lines_of(
      docker_quiet({"ps", "--filter", std::string("label=") + kMirrorgateRoleLabel + "=cache", "--format", "{{.Names}}"}).out);
  for (const auto& name : lines_of(docker_quiet({"ps", "--filter", "name=^kind-registry-", "--format", "{{.Names}}"}).out)) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

// The caches of other registries beside kind-registry, as setup-registry.sh
// --upstream starts them: running caches whose upstream
// (REGISTRY_PROXY_REMOTEURL) is https://HOST and whose name is HOST's.
void discover_caches(RunState& run, KindState& kind) {
  for (const auto& name : cache_containers()) {
    if (name == kind.front_container) continue;
    const auto inspected = nlohmann::json::parse(docker_quiet({"inspect", name}).out, nullptr, false);
    if (!inspected.is_array() || inspected.empty()) continue;
    const auto& c = inspected[0];
    std::string remote;
    for (const auto& e : c["Config"].value("Env", nlohmann::json::array())) {
      const std::string entry = e.is_string() ? e.get<std::string>() : "";
      if (entry.rfind("REGISTRY_PROXY_REMOTEURL=https://", 0) == 0) remote = entry.substr(33);
    }
    while (!remote.empty() && remote.back() == '/') remote.pop_back();
    if (remote.empty() || upstream_problem(remote) || cache_host(remote) != name) continue;
    RunCache cache{remote, registry_url_from_host(c), "", {}};
    const auto networks = c["NetworkSettings"].value("Networks", nlohmann::json::object());
    if (networks.contains(kind.network)) cache.address = networks[kind.network].value("IPAddress", "");
    if (cache.url.empty() && !cache.address.empty()) cache.url = "http://" + cache.address + ":5000";
    for (const auto& m : c.value("Mounts", nlohmann::json::array())) {
      if (m.value("Destination", "") == "/var/lib/registry") cache.data = m.value("Source", "");
    }
    run.caches.push_back(cache);
    kind.caches.push_back({remote, name, c.value("Id", ""), false});
  }
}

}  // namespace

std::unique_ptr<Environment> attach_live(const std::string& cluster, const std::string& registry_container) {
  if (!on_path("docker")) throw missing_prerequisite("docker is not on PATH; verify --live looks at a kind cluster on Docker");
  const auto filter = std::string("label=") + kClusterLabel + "=" + cluster;
  const auto names = lines_of(docker({"ps", "--filter", filter, "--format", "{{.Names}}"}).out);
  if (names.empty()) {
    throw std::runtime_error("no running node of a kind cluster named " + cluster + " (docker ps --filter " + filter +
                             "); see `kind get clusters`, and give --name");
  }
  RunState run;
  run.backend = kBackendName;
  run.cluster = cluster;
  run.created_at = utc_stamp();
  run.platform = host_platform();
  run.complete = true;
  // kind puts the nodes on `kind`, or on KIND_EXPERIMENTAL_DOCKER_NETWORK's network.
  KindState kind;
  kind.registry_container = registry_container;
  kind.read_only = true;
  const auto node_networks = networks_of(names.front());
  kind.network = std::find(node_networks.begin(), node_networks.end(), kKindNetwork) != node_networks.end() ||
                         node_networks.empty()
                     ? kKindNetwork
                     : node_networks.front();
  for (const auto& name : names) {
    const auto role = trim(docker({"inspect", "-f", std::string("{{index .Config.Labels \"") + kRoleLabel + "\"}}", name}).out);
    const auto address = current_address_on_network(name, kind.network);
    run.nodes.push_back({name, role, address});
  }
  std::sort(run.nodes.begin(), run.nodes.end(), [](const NodeInfo& a, const NodeInfo& b) {
    return std::make_pair(a.role != "control-plane", a.name) < std::make_pair(b.role != "control-plane", b.name);
  });
  const auto inspected = nlohmann::json::parse(docker_quiet({"inspect", registry_container}).out, nullptr, false);
  if (!inspected.is_array() || inspected.empty()) {
    throw std::runtime_error("no container named " + registry_container + "; start the cache with registry/setup-registry.sh");
  }
  const auto& registry = inspected[0];
  if (!registry["State"].value("Running", false)) {
    throw std::runtime_error(registry_container + " is not running (" + registry["State"].value("Status", "?") +
                             "); the nodes fall back to Docker Hub. Start it: docker start " + registry_container);
  }
  const auto networks = registry["NetworkSettings"].value("Networks", nlohmann::json::object());
  if (networks.contains(kind.network)) run.mirror_address = networks[kind.network].value("IPAddress", "");
  // Where the cache fetches through kind-registry-front, Docker Hub sees the front.
  run.front_address = current_address_on_network(kind.front_container, kind.network);
  run.containerd = generation_for_version(node_containerd_version(run.nodes.front().name));
  // The user's kind-registry: its image names the generation (registry:2 when unknown).
  const auto* generation = registry_generation_of_image(registry["Config"].value("Image", ""));
  run.registry = generation ? generation->name : registry_generations().front().name;
  run.mirror_url = registry_url_from_host(registry);
  if (run.mirror_url.empty() && !run.mirror_address.empty()) run.mirror_url = "http://" + run.mirror_address + ":5000";
  discover_caches(run, kind);
  kind.logs_since = rfc3339_now();
  run.backend_state = kind;
  return std::make_unique<KindEnvironment>(std::move(run));
}

}  // namespace mirrorgate::kind
