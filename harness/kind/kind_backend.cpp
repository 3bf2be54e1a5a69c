#include "kind/kind_backend.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "containerd/hosts_toml.h"
#include "containerd/node_config.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/wait.h"
#include "images/fixture_images.h"
#include "kind/kind_config.h"
#include "process/process.h"
#include "registry/http.h"
#include "registry/registry_config.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKindNetwork = "kind";
constexpr const char* kHubContainer = "mirrorgate-hub";
constexpr const char* kHubAlias = "registry-1.docker.io";
constexpr const char* kClusterLabel = "io.x-k8s.kind.cluster";
constexpr const char* kRoleLabel = "io.x-k8s.kind.role";
constexpr const char* kContentDir = "/var/lib/containerd/io.containerd.content.v1.content";
constexpr auto kDockerTimeout = 2min;
constexpr auto kAnswerTimeout = 60s;

RunResult docker(std::vector<std::string> args, RunOptions options = {.timeout = kDockerTimeout}) {
  args.insert(args.begin(), "docker");
  return run(args, options);
}

RunResult docker_quiet(std::vector<std::string> args) {
  return docker(std::move(args), {.timeout = kDockerTimeout, .check = false});
}

bool container_exists(const std::string& name) { return docker_quiet({"container", "inspect", name}).ok(); }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!trim(line).empty()) out.push_back(trim(line));
  }
  return out;
}

// Waits for it: right after `docker network connect` the address can still be empty.
std::string address_on_kind_network(const std::string& container) {
  std::string address;
  auto got = wait_for(
      [&](std::string& why) {
        address = trim(docker({"inspect", "-f",
                               "{{with index .NetworkSettings.Networks \"kind\"}}{{.IPAddress}}{{end}}", container})
                           .out);
        why = "no address on the kind network yet";
        return !address.empty();
      },
      10s, 100ms);
  if (!got) throw std::runtime_error("container " + container + " has no address on the kind network");
  return address;
}

bool on_path(const std::string& command) {
  return run({"sh", "-c", "command -v \"$0\"", command}, {.timeout = 10s, .check = false}).ok();
}

// The hub container's network namespace, entered from the host with the
// host's tc / ip / iptables: the registry image carries none of them.
std::vector<std::string> in_hub_netns(const LabState& s, std::vector<std::string> argv) {
  const std::string pid = trim(docker({"inspect", "-f", "{{.State.Pid}}", s.kind.hub_container}).out);
  argv.insert(argv.begin(), {"nsenter", "-t", pid, "-n"});
  return argv;
}

void apply_hub_rate(const LabState& s, const std::string& rate) {
  if (rate.empty()) {
    run(in_hub_netns(s, {"tc", "qdisc", "del", "dev", "eth0", "root"}), {.check = false});
    return;
  }
  // The same shaping as the local lab's hub link.
  run(in_hub_netns(s, {"tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate, "burst", "256kb",
                       "latency", "100ms"}));
}

void wait_answering(const std::string& what, const RegistryClient& client, std::chrono::seconds timeout) {
  auto ok = wait_for([&](std::string& why) { return client.ping(&why); }, timeout, 200ms);
  if (!ok) {
    throw std::runtime_error(what + " did not answer within " + std::to_string(timeout.count()) +
                             " s: " + ok.last_error);
  }
}

void start_stand_in_hub(LabState& s) {
  make_pki(s);
  const fs::path dir = s.state_dir / "hub";
  fs::create_directories(dir);
  s.hub_data = s.state_dir / "hub-data";
  fs::create_directories(s.hub_data);
  write_file_atomic(dir / "config.yml",
                    "# The Docker Hub stand-in of the kind backend, written by mirrorgate.\n"
                    "version: 0.1\nlog:\n  fields:\n    service: hub\n"
                    "storage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n  delete:\n    enabled: true\n"
                    "http:\n  addr: :443\n  tls:\n    certificate: /pki/hub.crt\n    key: /pki/hub.key\n");
  s.kind.hub_container = kHubContainer;
  save_state(s);
  if (!container_exists(kHubContainer)) {
    docker({"run", "-d", "--name", kHubContainer, "--network", kKindNetwork, "--network-alias", kHubAlias,
            "--network-alias", "docker.io", "-v", (dir / "config.yml").string() + ":/etc/docker/registry/config.yml:ro",
            "-v", (s.state_dir / "pki").string() + ":/pki:ro", "-v", s.hub_data.string() + ":/var/lib/registry",
            "registry:2"});
  } else {
    docker({"start", kHubContainer});
  }
  s.hub.address = address_on_kind_network(kHubContainer);
  s.hub.namespace_name = kHubContainer;
  save_state(s);
  wait_answering("the Docker Hub stand-in (" + std::string(kHubContainer) + ")",
                 RegistryClient(hub_url(), hub_http_options(s)), kAnswerTimeout);
}

void seed_stand_in_hub(LabState& s, const fs::path& images) {
  FixtureStore store(s.fixture_store);
  RegistryClient hub(hub_url(), hub_http_options(s));
  for (const auto& spec : load_fixture_list(images)) {
    auto image = store.build(spec);
    if (seed_fixture(hub, image, store)) spdlog::info("seeded the hub with {}", image.spec.ref.str());
    s.fixtures.push_back({image.spec.ref.str(), image.top.digest, image.top.media_type, image.bytes_for(s.platform)});
  }
  save_state(s);
}

void start_registry(LabState& s, const LabOptions& o) {
  const bool existed = container_exists(s.kind.registry_container);
  std::vector<std::string> argv{"bash", o.setup_registry_script.string(), "--port",
                                std::to_string(o.kind_registry_port), "--data-dir", s.registry_data.string(),
                                "--config", s.registry_config.string()};
  if (!s.kind.hub_container.empty()) {
    argv.push_back("--ca-bundle");
    argv.push_back(s.ca_bundle.string());
  }
  spdlog::info("running {}", join_argv(argv));
  auto r = run(argv, {.timeout = 5min, .check = false});
  for (const auto& line : lines_of(r.out)) spdlog::info("  {}", line);
  if (!r.ok()) {
    throw std::runtime_error(o.setup_registry_script.string() + " failed (exit " + std::to_string(r.exit_code) +
                             "): " + trim(r.err));
  }
  s.kind.registry_created = !existed;
  s.mirror.address = address_on_kind_network(s.kind.registry_container);
  s.mirror.namespace_name = s.kind.registry_container;
  save_state(s);
  wait_answering("kind-registry (" + s.mirror_url() + ")", RegistryClient(s.mirror_url()), kAnswerTimeout);
}

std::vector<std::string> kind_clusters() { return lines_of(run({"kind", "get", "clusters"}, {.timeout = 1min}).out); }

void read_nodes(LabState& s, const KindConfig& kind) {
  s.nodes.clear();
  for (const auto& name : lines_of(run({"kind", "get", "nodes", "--name", s.cluster}, {.timeout = 1min}).out)) {
    LabNode n;
    n.name = name;
    n.role = trim(docker({"inspect", "-f", std::string("{{index .Config.Labels \"") + kRoleLabel + "\"}}", name}).out);
    n.containerd.address = address_on_kind_network(name);
    n.containerd.namespace_name = name;
    s.nodes.push_back(n);
  }
  // In the kind config's order, as the local lab lists them.
  auto rank = [&](const std::string& name) {
    for (size_t i = 0; i < kind.nodes.size(); ++i) {
      if (kind.nodes[i].name == name) return i;
    }
    return kind.nodes.size();
  };
  std::stable_sort(s.nodes.begin(), s.nodes.end(),
                   [&](const LabNode& a, const LabNode& b) { return rank(a.name) < rank(b.name); });
}

void collect_logs(const LabState& s) {
  const fs::path dir = s.state_dir / "runs" / s.created_at;
  fs::create_directories(dir);
  auto save_logs = [&](const std::string& container, const std::string& file) {
    auto r = docker_quiet({"logs", container});
    if (r.ok()) {
      write_file_atomic(dir / (file + ".access.log"), r.out);
      write_file_atomic(dir / (file + ".log"), r.err);
    }
  };
  if (!s.kind.hub_container.empty()) save_logs(s.kind.hub_container, "hub");
  save_logs(s.kind.registry_container, "kind-registry");
  for (const auto& n : s.nodes) {
    if (auto r = docker_quiet({"logs", n.name}); r.ok()) write_file_atomic(dir / (n.name + ".containerd.log"), r.out + r.err);
    auto config = docker_quiet({"exec", n.name, "cat", "/etc/containerd/config.toml"});
    if (config.ok()) write_file_atomic(dir / (n.name + ".config.toml"), config.out);
    auto hosts = docker_quiet({"exec", n.name, "cat", s.hosts_toml_path});
    if (hosts.ok()) write_file_atomic(dir / (n.name + ".hosts.toml"), hosts.out);
  }
}

std::vector<std::string> teardown(const LabState& s, bool purge) {
  std::vector<std::string> problems;
  auto attempt = [&](const std::string& what, const std::vector<std::string>& argv) {
    auto r = run(argv, {.timeout = 3min, .check = false});
    if (!r.ok()) problems.push_back(what + ": " + trim(r.err));
  };
  if (s.kind.cluster_created && !s.cluster.empty()) {
    attempt("kind delete cluster --name " + s.cluster, {"kind", "delete", "cluster", "--name", s.cluster});
  }
  if (s.kind.registry_created && container_exists(s.kind.registry_container)) {
    attempt("removing " + s.kind.registry_container, {"docker", "rm", "-f", s.kind.registry_container});
  }
  if (!s.kind.hub_container.empty() && container_exists(s.kind.hub_container)) {
    attempt("removing " + s.kind.hub_container, {"docker", "rm", "-f", "-v", s.kind.hub_container});
  }
  if (s.kind.network_created && docker_quiet({"network", "inspect", kKindNetwork}).ok()) {
    attempt("removing the kind network", {"docker", "network", "rm", kKindNetwork});
  }
  if (purge) {
    std::error_code ec;
    if (s.kind.registry_created) fs::remove_all(s.registry_data, ec);
    fs::remove(fs::path(s.registry_data.string() + ".config.yml"), ec);
    if (!s.hub_data.empty()) fs::remove_all(s.hub_data, ec);
  }
  return problems;
}

std::vector<std::string> leftovers_of(const LabState& s) {
  std::vector<std::string> out;
  if (s.kind.cluster_created) {
    for (const auto& c : lines_of(docker_quiet({"ps", "-a", "--filter", std::string("label=") + kClusterLabel + "=" +
                                                                              s.cluster, "--format", "{{.Names}}"})
                                      .out)) {
      out.push_back("container " + c + " (node of cluster " + s.cluster + ")");
    }
  }
  if (s.kind.registry_created && container_exists(s.kind.registry_container)) {
    out.push_back("container " + s.kind.registry_container);
  }
  if (!s.kind.hub_container.empty() && container_exists(s.kind.hub_container)) {
    out.push_back("container " + s.kind.hub_container);
  }
  if (s.kind.network_created && docker_quiet({"network", "inspect", kKindNetwork}).ok()) {
    out.push_back("docker network kind");
  }
  return out;
}

// Ctrl-C during `up` stops at the next step and removes what exists.
void stop_if_interrupted() {
  if (g_interrupted) throw UserError(ExitCode::failure, "interrupted; removing what was created");
}

bool node_selected(const LabState& s, const LabNode& n) {
  const auto& only = s.hosts_toml_nodes;
  return only.empty() || std::find(only.begin(), only.end(), n.name) != only.end() ||
         std::find(only.begin(), only.end(), n.role) != only.end();
}

}  // namespace

void check_kind_prerequisites() {
  for (const char* command : {"docker", "kind"}) {
    if (!on_path(command)) {
      throw UserError(ExitCode::missing_prerequisite,
                      std::string(command) + " is not on PATH; the kind backend needs Docker and kind " +
                          "(https://kind.sigs.k8s.io/docs/user/quick-start/), or use the embedded lab (--backend local)");
    }
  }
  auto info = run({"docker", "info", "--format", "{{.ServerVersion}}"}, {.timeout = 30s, .check = false});
  if (!info.ok()) {
    throw UserError(ExitCode::missing_prerequisite,
                    "the Docker daemon does not answer (" + trim(info.err) +
                        "); start it (systemctl start docker, or dockerd &), then run this again");
  }
  if (!on_path("kubectl")) {
    spdlog::warn("kubectl is not on PATH: the pod-level pull scenario will be skipped");
  }
  if (::geteuid() != 0) {
    spdlog::warn("not root: shaping or cutting the stand-in hub's link (nsenter) will fail");
  }
}

LabState kind_up(const LabOptions& o) {
  KindConfig kind = load_kind_config(o.kind_config, o.cluster_name);
  RegistryConfig registry = load_registry_config(o.registry_config);
  if (!registry.proxy_remote_url) {
    spdlog::warn("{} has no proxy section: kind-registry will not cache Docker Hub", o.registry_config.string());
  }
  auto hosts_file = read_file_if_exists(o.hosts_toml);
  if (!hosts_file) throw UserError(ExitCode::bad_input, o.hosts_toml.string() + ": hosts.toml not found");
  parse_hosts_toml(*hosts_file, o.hosts_toml.string());
  if (o.kind_stand_in_hub) load_fixture_list(o.images);
  check_kind_prerequisites();

  fs::create_directories(o.state_dir);
  if (auto existing = load_state(o.state_dir)) {
    if (existing->backend == "kind" && existing->complete && existing->cluster == kind.name) {
      auto health = kind_health(*existing);
      if (std::all_of(health.begin(), health.end(), [](const ComponentHealth& h) { return h.answering; })) {
        spdlog::info("reusing the running cluster {} (state {})", existing->cluster, o.state_dir.string());
        return *existing;
      }
    }
    spdlog::info("taking down the cluster recorded in {} first", o.state_dir.string());
    auto report = existing->backend == "kind" ? kind_down(o.state_dir, false) : lab_down(o.state_dir, false);
    if (!report.leftovers.empty()) {
      throw std::runtime_error("could not take down the previous run in " + o.state_dir.string() + ": " +
                               report.leftovers.front());
    }
  }

  LabState s;
  s.backend = "kind";
  s.cluster = kind.name;
  s.state_dir = fs::absolute(o.state_dir);
  s.kind_config = fs::absolute(o.kind_config);
  s.registry_config = fs::absolute(o.registry_config);
  s.hosts_toml = fs::absolute(o.hosts_toml);
  s.images = fs::absolute(o.images);
  s.fixture_store = o.fixture_store;
  s.hosts_toml_nodes = o.hosts_toml_nodes;
  s.hosts_toml_path = o.hosts_toml_path;
  s.registry_data = s.state_dir / "registry-data";
  s.mirror_port = 5000;
  s.mirror_host_url = "http://127.0.0.1:" + std::to_string(o.kind_registry_port);
  s.platform = host_platform();
  s.created_at = utc_stamp();
  s.kind.node_image = o.kind_node_image;
  save_state(s);

  try {
    if (!docker_quiet({"network", "inspect", kKindNetwork}).ok()) {
      // kind creates it too; made first so the hub and kind-registry can join it.
      docker({"network", "create", kKindNetwork});
      s.kind.network_created = true;
      save_state(s);
    }
    stop_if_interrupted();
    if (o.kind_stand_in_hub) {
      spdlog::info("starting the Docker Hub stand-in ({} as {} on the kind network)", kHubContainer, kHubAlias);
      start_stand_in_hub(s);
      seed_stand_in_hub(s, o.images);
      if (!o.upstream_rate.empty()) {
        apply_hub_rate(s, o.upstream_rate);
        s.upstream_rate = o.upstream_rate;
      }
    } else if (!o.upstream_rate.empty()) {
      throw UserError(ExitCode::bad_input, "--upstream-rate shapes the Docker Hub stand-in; add --stand-in-hub");
    }
    stop_if_interrupted();
    start_registry(s, o);
    stop_if_interrupted();

    const auto clusters = kind_clusters();
    if (std::find(clusters.begin(), clusters.end(), s.cluster) != clusters.end()) {
      spdlog::info("reusing the existing kind cluster {}", s.cluster);
    } else {
      std::vector<std::string> argv{"kind", "create", "cluster", "--name", s.cluster, "--config", s.kind_config.string()};
      if (!o.kind_node_image.empty()) {
        argv.push_back("--image");
        argv.push_back(o.kind_node_image);
      }
      spdlog::info("creating the cluster: {}", join_argv(argv));
      s.kind.cluster_created = true;  // recorded first: a half-made cluster is deleted too
      save_state(s);
      auto r = run(argv, {.timeout = 10min, .check = false});
      if (!r.ok()) throw std::runtime_error("kind create cluster failed: " + trim(r.err) + trim(r.out));
    }
    stop_if_interrupted();
    read_nodes(s, kind);
    if (s.nodes.empty()) throw std::runtime_error("kind get nodes --name " + s.cluster + " lists no node");
    s.host_address = trim(docker({"network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}} {{end}}", kKindNetwork}).out);
    if (auto space = s.host_address.find(' '); space != std::string::npos) s.host_address.resize(space);
    save_state(s);

    KindEnvironment env(s);
    if (!s.kind.hub_container.empty()) {
      // Nodes trust the stand-in's CA as nodes behind a corporate proxy
      // trust its CA: in the system bundle, which Go reads on first use.
      const std::string bundle = read_file(s.ca_bundle);
      for (const auto& n : s.nodes) env.write_node_file(n.name, "/etc/ssl/certs/ca-certificates.crt", bundle);
    }
    for (const auto& n : s.nodes) {
      if (!node_selected(s, n)) continue;
      spdlog::info("writing {} into {}:{}", s.hosts_toml.string(), n.name, s.hosts_toml_path);
      install_docker_hub_hosts_toml(env, n.name, *hosts_file, s.hosts_toml.string(), s.hosts_toml_path);
    }
    for (const auto& n : s.nodes) {
      auto settings = env.node_registry_config(n.name);
      if (settings.config_path.empty()) {
        spdlog::warn("node {}: containerd reports no registry config_path; hosts.toml files are ignored", n.name);
      }
    }
    s.complete = true;
    save_state(s);
  } catch (...) {
    spdlog::error("bring-up failed; removing what it created");
    collect_logs(s);
    teardown(s, false);
    throw;
  }
  return s;
}

DownReport kind_down(const fs::path& state_dir, bool purge) {
  auto state = load_state(state_dir);
  if (!state) return {};
  collect_logs(*state);
  auto problems = teardown(*state, purge);
  return finish_down(*state, std::move(problems), leftovers_of(*state));
}

std::vector<ComponentHealth> kind_health(const LabState& s) {
  std::vector<ComponentHealth> out;
  auto running = [](const std::string& container) {
    return trim(docker_quiet({"inspect", "-f", "{{.State.Running}}", container}).out) == "true";
  };
  if (!s.kind.hub_container.empty()) {
    ComponentHealth h{"hub (" + s.kind.hub_container + ")", "hub", s.hub.address, running(s.kind.hub_container), false, ""};
    if (h.running) h.answering = RegistryClient(hub_url(), hub_http_options(s)).ping(&h.detail);
    out.push_back(h);
  }
  ComponentHealth m{s.kind.registry_container, "mirror", s.mirror.address, running(s.kind.registry_container), false, ""};
  if (m.running) m.answering = RegistryClient(s.mirror_url()).ping(&m.detail);
  out.push_back(m);
  for (const auto& n : s.nodes) {
    ComponentHealth h{n.name, "node", n.containerd.address, running(n.name), false, ""};
    if (h.running) {
      auto v = docker_quiet({"exec", n.name, "crictl", "version"});
      h.answering = v.ok();
      h.detail = trim(h.answering ? v.out : v.err);
    }
    out.push_back(h);
  }
  return out;
}

// ---- KindEnvironment ----

KindEnvironment::KindEnvironment(LabState state) : state_(std::move(state)) {}


std::optional<std::string> KindEnvironment::read_node_file(const std::string& node, const std::string& path) const {
  auto r = docker_quiet({"exec", node, "cat", path});
  if (!r.ok()) return std::nullopt;
  return r.out;
}

void KindEnvironment::write_node_file(const std::string& node, const std::string& path, const std::string& content) {
  docker({"exec", node, "mkdir", "-p", fs::path(path).parent_path().string()});
  const fs::path tmp = state_.state_dir / ("node-file-" + std::to_string(::getpid()) + ".tmp");
  write_file_atomic(tmp, content);
  auto r = docker({"cp", tmp.string(), node + ":" + path}, {.timeout = kDockerTimeout, .check = false});
  std::error_code ec;
  fs::remove(tmp, ec);
  if (!r.ok()) throw std::runtime_error("docker cp to " + node + ":" + path + " failed: " + trim(r.err));
}

std::vector<std::string> KindEnvironment::list_node_files(const std::string& node, const std::string& dir) const {
  std::vector<std::string> out;
  auto r = docker_quiet({"exec", node, "find", dir, "-type", "f"});
  if (!r.ok()) return out;
  const std::string prefix = dir.back() == '/' ? dir : dir + "/";
  for (const auto& line : lines_of(r.out)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

PullResult KindEnvironment::pull_image(const std::string& node, const std::string& image,
                                       std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = docker({"exec", node, "crictl", "pull", image}, {.timeout = timeout, .check = false});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (r.timed_out) throw std::runtime_error("crictl pull " + image + " on " + node + " timed out");
  if (!r.ok()) throw std::runtime_error("crictl pull " + image + " on " + node + " failed: " + trim(r.err));
  // "Image is up to date for sha256:…"
  const auto at = r.out.rfind("sha256:");
  if (at == std::string::npos) throw std::runtime_error("crictl pull printed no image id: " + trim(r.out));
  return {node, image, trim(r.out.substr(at)), seconds};
}

std::optional<std::string> KindEnvironment::image_id(const std::string& node, const std::string& image) const {
  auto r = docker_quiet({"exec", node, "crictl", "inspecti", image});
  if (!r.ok()) return std::nullopt;
  auto j = json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("status")) return std::nullopt;
  return j["status"].value("id", "");
}

bool KindEnvironment::remove_image(const std::string& node, const std::string& image,
                                   const std::vector<std::string>& blob_digests, std::chrono::milliseconds timeout) {
  // By id as well as by name: a pull by digest leaves another name for the same image.
  if (auto id = image_id(node, image)) docker_quiet({"exec", node, "crictl", "rmi", *id});
  for (const auto& d : blob_digests) docker_quiet({"exec", node, "crictl", "rmi", d});
  auto gone = [&](std::string& why) {
    for (const auto& d : blob_digests) {
      if (node_has_blob(node, d)) {
        why = d + " still in the content store";
        return false;
      }
    }
    return true;
  };
  if (wait_for(gone, std::min<std::chrono::milliseconds>(timeout, 3s), 100ms)) return true;
  // Content of a failed pull stays under its lease; drop the leases.
  auto leases = docker_quiet({"exec", node, "ctr", "--namespace", "k8s.io", "leases", "ls", "-q"});
  for (const auto& id : lines_of(leases.out)) {
    docker_quiet({"exec", node, "ctr", "--namespace", "k8s.io", "leases", "rm", "--sync", id});
  }
  return static_cast<bool>(wait_for(gone, timeout, 100ms));
}

bool KindEnvironment::node_has_blob(const std::string& node, const std::string& digest) const {
  const auto colon = digest.find(':');
  return docker_quiet({"exec", node, "test", "-e",
                       std::string(kContentDir) + "/blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1)})
      .ok();
}

std::uint64_t KindEnvironment::node_content_bytes(const std::string& node) const {
  auto r = docker_quiet({"exec", node, "du", "-sk", kContentDir});
  return r.ok() ? std::strtoull(r.out.c_str(), nullptr, 10) * 1024 : 0;
}

RegistryClient KindEnvironment::mirror() const { return RegistryClient(state_.mirror_url()); }

RegistryClient KindEnvironment::upstream() const {
  if (state_.kind.hub_container.empty()) return RegistryClient(hub_url());
  return RegistryClient(hub_url(), hub_http_options(state_));
}

RegistrySettings KindEnvironment::node_registry_config(const std::string& node) const {
  // containerd 1.x reports its effective CRI config in `crictl info`; 2.x
  // does not, and `containerd config dump` is what it runs.
  auto info = docker_quiet({"exec", node, "crictl", "info"});
  if (info.ok()) {
    auto j = json::parse(info.out, nullptr, false);
    if (!j.is_discarded() && j.contains("config")) return registry_settings_from_cri_info(j["config"].dump());
  }
  auto dump = docker_quiet({"exec", node, "containerd", "config", "dump"});
  if (!dump.ok()) {
    throw std::runtime_error("node " + node + ": neither `crictl info` nor `containerd config dump` answered: " +
                             trim(info.err) + " / " + trim(dump.err));
  }
  auto settings = registry_settings(dump.out);
  settings.source = node + ": containerd config dump";
  return settings;
}

void KindEnvironment::require_stand_in(const std::string& what) const {
  if (state_.kind.hub_container.empty()) {
    throw UserError(ExitCode::failure, what + " needs the Docker Hub stand-in (mirrorgate up --backend kind "
                                              "--stand-in-hub); the real Docker Hub cannot be switched off from here");
  }
}

void KindEnvironment::set_upstream(Upstream state) {
  require_stand_in("switching the upstream off");
  const std::vector<std::string> reject{"iptables", "INPUT", "-p", "tcp", "--dport", "443", "-j", "REJECT",
                                        "--reject-with", "tcp-reset"};
  auto rule = [&](const char* op) {
    std::vector<std::string> argv = reject;
    argv.insert(argv.begin() + 1, op);
    return in_hub_netns(state_, argv);
  };
  switch (state) {
    case Upstream::reachable:
      while (run(rule("-D"), {.check = false}).ok()) {
      }
      run(in_hub_netns(state_, {"ip", "link", "set", "eth0", "up"}));
      wait_answering("the Docker Hub stand-in", upstream(), kAnswerTimeout);
      break;
    case Upstream::stopped:
      // Connections are refused at once, as when nothing listens.
      run(rule("-I"));
      break;
    case Upstream::link_down:
      // Restarted first so kind-registry holds no connection to it (see the
      // local lab: a request on a connection whose packets vanish hangs).
      docker({"restart", state_.kind.hub_container});
      state_.hub.address = address_on_kind_network(state_.kind.hub_container);
      save_state(state_);
      wait_answering("the Docker Hub stand-in", upstream(), kAnswerTimeout);
      if (!state_.upstream_rate.empty()) apply_hub_rate(state_, state_.upstream_rate);
      run(in_hub_netns(state_, {"ip", "link", "set", "eth0", "down"}));
      break;
  }
}

void KindEnvironment::set_upstream_rate(const std::string& rate) {
  require_stand_in("shaping the upstream");
  apply_hub_rate(state_, rate);
  state_.upstream_rate = rate;
  save_state(state_);
}

void KindEnvironment::restart_mirror() {
  docker({"restart", state_.kind.registry_container});
  state_.mirror.address = address_on_kind_network(state_.kind.registry_container);
  save_state(state_);
  wait_answering("kind-registry", mirror(), kAnswerTimeout);
}

namespace {

// A container's stdout reaches `docker logs` through dockerd, a moment after
// the registry wrote it. A request of our own, logged after every request
// that finished before it, marks where the log is complete: wait for it.
std::string synced_access_log(const std::string& container, const std::string& base_url, const HttpOptions& options) {
  static std::atomic<int> counter{0};
  const std::string marker = "/v2/?mirrorgate-log-sync=" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  HttpOptions quick = options;  // an upstream switched off must not stall every look at its log
  quick.connect_timeout = 1s;
  quick.timeout = 5s;
  bool marked = true;
  try {
    HttpClient(quick).request("GET", base_url + marker);
  } catch (const std::exception& e) {
    spdlog::debug("{}: no log sync ({})", container, e.what());
    marked = false;  // not answering: the log as it is is all there is
  }
  std::string out;
  auto synced = wait_for(
      [&](std::string& why) {
        out = docker_quiet({"logs", container}).out;
        why = "the log does not show " + marker + " yet";
        return !marked || out.find(marker) != std::string::npos;
      },
      10s, 20ms);
  if (!synced) spdlog::warn("{}: {}", container, synced.last_error);
  // The markers are the harness's bookkeeping, not traffic of the cluster.
  std::string traffic;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.find("mirrorgate-log-sync=") == std::string::npos) traffic += line + "\n";
  }
  return traffic;
}

}  // namespace

std::vector<AccessRecord> KindEnvironment::mirror_access_log() const {
  return parse_access_log(synced_access_log(state_.kind.registry_container, state_.mirror_url(), HttpOptions{}));
}

std::vector<AccessRecord> KindEnvironment::upstream_access_log() const {
  if (state_.kind.hub_container.empty()) return {};
  return parse_access_log(synced_access_log(state_.kind.hub_container, hub_url(), hub_http_options(state_)));
}

}  // namespace mirrorgate
