#include "backends/kind/kind_environment.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <set>

#include <nlohmann/json.hpp>

#include "backends/kind/docker.h"
#include "containerd/cri_client.h"
#include "containerd/generations.h"
#include "core/error.h"
#include "core/files.h"
#include "env/node_cri.h"
#include "hub/stand_in.h"
#include "registry/generations.h"
#include "registry/registry_config.h"

namespace mirrorgate::kind {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kContentDir = std::string("var/lib/containerd/") + kContentStoreDir;
constexpr const char* kSocket = "run/containerd/containerd.sock";
}  // namespace

void wait_answering(const std::string& what, const RegistryClient& client, std::chrono::seconds timeout) {
  auto ok = wait_for(
      [&](std::string& why) {
        auto probe = client.ping();
        why = probe.reason;
        return probe.ok;
      },
      timeout, 200ms);
  if (!ok) {
    throw std::runtime_error(what + " did not answer within " + std::to_string(timeout.count()) + " s: " + ok.last_error);
  }
}

std::vector<std::string> in_hub_netns(const KindState& kind, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"nsenter", "-t", std::to_string(container_pid(kind.hub_container)), "-n"});
  return argv;
}

void apply_hub_rate(const KindState& kind, const std::string& rate) {
  if (rate.empty()) {
    run(in_hub_netns(kind, {"tc", "qdisc", "del", "dev", "eth0", "root"}), {.check = false});
    return;
  }
  // The same shaping as the local lab's hub link.
  run(in_hub_netns(kind, {"tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate, "burst", "256kb",
                          "latency", "100ms"}));
}

void shorten_connect_timeouts(const KindState& kind, const std::vector<NodeInfo>& nodes) {
  if (kind.hub_container.empty() || ::geteuid() != 0) return;  // never in front of the real Docker Hub
  std::vector<std::string> containers;
  if (kind.registry_created) containers.push_back(kind.registry_container);
  for (const auto& c : kind.caches) {
    if (c.created) containers.push_back(c.container);
  }
  if (kind.cluster_created) {
    for (const auto& n : nodes) containers.push_back(n.name);
  }
  for (const auto& c : containers) {
    run({"nsenter", "-t", std::to_string(container_pid(c)), "-n", "sysctl", "-q", "-w", "net.ipv4.tcp_syn_retries=1"});
  }
}

void start_hub_front(KindEnvironment& env) {
  auto& kind = env.kind();
  stop_daemon(kind.hub_front);
  const fs::path logs = env.state().run_dir() / "logs";
  fs::create_directories(logs);
  kind.hub_front_log = logs / "hub-front.log";
  kind.hub_access_log = logs / "hub.access.log";
  auto argv = hub_front_argv(env.state(), "0.0.0.0:443");
  const std::string front = argv.front();
  argv.insert(argv.begin(), {"nsenter", "-t", std::to_string(container_pid(kind.hub_container)), "-n"});
  kind.hub_front = start_daemon({argv, kind.hub_access_log, kind.hub_front_log, {}, {front}});
  env.save();
  wait_answering("the Docker Hub stand-in's front", env.upstream(), env.state().start_timeout);
}

KindEnvironment::KindEnvironment(RunState run) : Environment(std::move(run)), direct_(::geteuid() == 0) {
  kind_ = run_.backend_state.get<KindState>();
}

void KindEnvironment::save() {
  if (kind_.read_only) return;  // a live look at a user's cluster has no state file
  run_.backend_state = kind_;
  save_state(run_);
}

fs::path KindEnvironment::node_root(const std::string& node) const {
  std::lock_guard lock(pids_mutex_);
  auto it = pids_.find(node);
  if (it == pids_.end() || !fs::exists("/proc/" + std::to_string(it->second) + "/root")) {
    const int pid = container_pid(node);
    if (pid <= 0) throw std::runtime_error("node " + node + " is not running (docker inspect shows no process)");
    it = pids_.insert_or_assign(node, pid).first;
  }
  return fs::path("/proc") / std::to_string(it->second) / "root";
}

std::string KindEnvironment::node_socket(const std::string& node) const { return (node_root(node) / kSocket).string(); }

std::optional<std::string> KindEnvironment::read_node_file(const std::string& node, const std::string& path) const {
  auto r = docker_quiet({"exec", node, "cat", path});
  if (!r.ok()) return std::nullopt;
  return r.out;
}

void KindEnvironment::require_writable(const std::string& what) const {
  if (kind_.read_only) throw std::logic_error(what + ": a live look at a cluster changes nothing in it");
}

void KindEnvironment::write_node_file(const std::string& node, const std::string& path, const std::string& content) {
  require_writable("writing " + path + " on " + node);
  docker({"exec", node, "mkdir", "-p", fs::path(path).parent_path().string()});
  const fs::path tmp = run_.state_dir / ("node-file-" + std::to_string(::getpid()) + ".tmp");
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
  if (!direct_) {
    const auto start = std::chrono::steady_clock::now();
    auto r = docker({"exec", node, "crictl", "pull", image}, {.timeout = timeout, .check = false});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.timed_out) throw std::runtime_error("crictl pull " + image + " on " + node + " timed out");
    if (!r.ok()) throw std::runtime_error("crictl pull " + image + " on " + node + " failed: " + trim(r.err));
    const auto at = r.out.rfind("sha256:");  // "Image is up to date for sha256:…"
    if (at == std::string::npos) throw std::runtime_error("crictl pull printed no image id: " + trim(r.out));
    return {node, image, trim(r.out.substr(at)), seconds};
  }
  return timed_cri_pull(node, node_socket(node), image, timeout);
}

std::set<std::string> KindEnvironment::image_ids(const std::string& node) const {
  if (direct_) return cri_image_ids(node_socket(node));
  std::set<std::string> ids;
  const auto listed = json::parse(docker({"exec", node, "crictl", "images", "-o", "json"}).out, nullptr, false);
  if (listed.is_object() && listed.contains("images")) {
    for (const auto& image : listed["images"]) ids.insert(image.value("id", ""));
  }
  return ids;
}

std::optional<std::string> KindEnvironment::image_id(const std::string& node, const std::string& image) const {
  if (!direct_) {
    auto r = docker_quiet({"exec", node, "crictl", "inspecti", image});
    if (!r.ok()) return std::nullopt;
    auto j = json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("status")) return std::nullopt;
    return j["status"].value("id", "");
  }
  return cri_image_id(node_socket(node), image);
}

WaitResult KindEnvironment::remove_image(const std::string& node, const std::string& image,
                                         const std::vector<std::string>& blob_digests, std::chrono::milliseconds timeout) {
  // By id, which drops every name: a pull by digest leaves another name for the same image.
  std::set<std::string> ids;
  if (auto id = image_id(node, image)) ids.insert(*id);
  if (direct_) {
    CriClient cri(node_socket(node));
    for (const auto& held : cri.list_images()) {
      if (std::find(blob_digests.begin(), blob_digests.end(), held.id) != blob_digests.end()) ids.insert(held.id);
    }
    for (const auto& id : ids) cri.remove_image(id);
  } else {
    ids.insert(blob_digests.begin(), blob_digests.end());
    for (const auto& id : ids) docker_quiet({"exec", node, "crictl", "rmi", id});
  }
  auto gone = [&](std::string& why) {
    for (const auto& d : blob_digests) {
      if (node_has_blob(node, d)) {
        why = d + " still in the content store";
        return false;
      }
    }
    return true;
  };
  if (auto quick = wait_for(gone, std::min<std::chrono::milliseconds>(timeout, 3s), 20ms)) return quick;
  // Content of a failed pull stays under its lease; drop the leases — never
  // on a user's live cluster, where a lease may guard kubelet's own pull.
  if (kind_.read_only) return wait_for(gone, timeout, 50ms);
  auto leases = docker_quiet({"exec", node, "ctr", "--namespace", "k8s.io", "leases", "ls", "-q"});
  for (const auto& id : lines_of(leases.out)) {
    docker_quiet({"exec", node, "ctr", "--namespace", "k8s.io", "leases", "rm", "--sync", id});
  }
  return wait_for(gone, timeout, 50ms);
}

bool KindEnvironment::node_has_blob(const std::string& node, const std::string& digest) const {
  const auto path = content_blob_path(fs::path("/") / kContentDir, digest);
  if (!direct_) return docker_quiet({"exec", node, "test", "-e", path.string()}).ok();
  return fs::exists(node_root(node) / path.relative_path());
}

std::uint64_t KindEnvironment::node_content_bytes(const std::string& node) const {
  if (!direct_) {
    auto r = docker_quiet({"exec", node, "du", "-sk", std::string("/") + kContentDir});
    return r.ok() ? std::strtoull(r.out.c_str(), nullptr, 10) * 1024 : 0;
  }
  return content_store_bytes(node_root(node) / kContentDir);
}

RegistryClient KindEnvironment::mirror_of(const std::string& registry) const {
  if (registry == kDockerIo) return RegistryClient(run_.mirror_url);
  if (const auto* c = cache(registry)) return RegistryClient(c->url);
  throw std::invalid_argument("this run caches no " + registry + " (bring it up with --upstream " + registry + ")");
}

RegistryClient KindEnvironment::upstream() const { return hub_client(run_); }

RegistrySettings KindEnvironment::node_registry_config(const std::string& node) const {
  // containerd 1.x reports its effective CRI config in CRI Status (what
  // `crictl info` prints); 2.x does not, and `containerd config dump` is
  // what it runs.
  try {
    if (!direct_) throw std::runtime_error("not root: no CRI socket");
    if (auto settings = registry_settings_from_cri(node, node_socket(node))) return *settings;
  } catch (const std::exception&) {
    // fall through to the config dump
  }
  auto dump = docker_quiet({"exec", node, "containerd", "config", "dump"});
  if (!dump.ok()) {
    throw std::runtime_error("node " + node + ": neither CRI Status nor `containerd config dump` showed its config: " +
                             trim(dump.err));
  }
  return with_generation_defaults(registry_settings_from_dump(node, dump.out), generation());
}

void KindEnvironment::require_stand_in(const std::string& what) const {
  if (kind_.hub_container.empty()) {
    throw std::runtime_error(what + " needs the Docker Hub stand-in (mirrorgate up --backend kind --stand-in-hub); "
                             "the real Docker Hub cannot be switched off from here");
  }
}

void KindEnvironment::set_upstream(Upstream state) {
  require_writable("switching the upstream off");
  require_stand_in("switching the upstream off");
  const std::vector<std::string> reject{"iptables", "INPUT", "-p", "tcp", "--dport", "443", "-j", "REJECT",
                                        "--reject-with", "tcp-reset"};
  auto rule = [&](const char* op) {
    std::vector<std::string> argv = reject;
    argv.insert(argv.begin() + 1, op);
    return in_hub_netns(kind_, argv);
  };
  switch (state) {
    case Upstream::reachable:
      while (run(rule("-D"), {.check = false}).ok()) {
      }
      run(in_hub_netns(kind_, {"ip", "link", "set", "eth0", "up"}));
      if (!is_running(kind_.hub_front)) start_hub_front(*this);
      wait_answering("the Docker Hub stand-in", upstream(), run_.start_timeout);
      break;
    case Upstream::stopped:
      // Nothing listens on :443: connections are refused at once.
      if (!stop_daemon(kind_.hub_front)) throw std::runtime_error("the stand-in's front did not stop");
      break;
    case Upstream::link_down:
      // Restarted first so kind-registry holds no connection to it (see the
      // local lab: a request on a connection whose packets vanish hangs). A
      // restarted container has a new network namespace: so has its front.
      stop_daemon(kind_.hub_front);
      docker({"restart", kind_.hub_container});
      run_.hub_address = address_on_network(kind_.hub_container, kind_.network);
      start_hub_front(*this);
      if (!run_.upstream_rate.empty()) apply_hub_rate(kind_, run_.upstream_rate);
      run(in_hub_netns(kind_, {"ip", "link", "set", "eth0", "down"}));
      break;
  }
}

void KindEnvironment::set_upstream_rate(const std::string& rate) {
  require_writable("shaping the upstream");
  require_stand_in("shaping the upstream");
  apply_hub_rate(kind_, rate);
  run_.upstream_rate = rate;
  save();
}

void KindEnvironment::set_upstream_quota(const std::string& anonymous, const std::string& account) {
  require_writable("setting the stand-in's quota");
  require_stand_in("setting the upstream's quota");
  run_.hub_quota = anonymous;
  run_.hub_account_quota = account;
  start_hub_front(*this);
}

const std::string& KindEnvironment::cache_container(const std::string& registry) const {
  if (registry == kDockerIo) return kind_.registry_container;
  for (const auto& c : kind_.caches) {
    if (c.registry == registry) return c.container;
  }
  throw std::invalid_argument("this run caches no " + registry + " (bring it up with --upstream " + registry + ")");
}

void KindEnvironment::restart_mirror_of(const std::string& registry, const std::function<void()>& while_stopped) {
  const std::string& container = cache_container(registry);
  require_writable("restarting " + container);
  // docker restart, with a step between the stop and the start. A failed
  // step leaves the cache serving, as it was: started, and answering, before
  // the step's error goes on.
  std::exception_ptr failed;
  if (!while_stopped) {
    docker({"restart", container});
  } else {
    docker({"stop", container});
    try {
      while_stopped();
    } catch (...) {
      failed = std::current_exception();
    }
    docker({"start", container});
  }
  if (registry != kDockerIo) {
    shorten_connect_timeouts(kind_, {});
    auto& cache = run_.caches;
    for (auto& c : cache) {
      if (c.registry == registry) c.address = address_on_network(container, kind_.network), c.url = "http://" + c.address + ":5000";
    }
    save();
    wait_answering(container, mirror_of(registry), run_.start_timeout);
    if (failed) std::rethrow_exception(failed);
    return;
  }
  // A restarted container gets a new network namespace; a container that
  // exits at start (and that its restart policy starts again and again) has
  // none to enter: say that, with the end of its log.
  try {
    shorten_connect_timeouts(kind_, {});
  } catch (const std::exception& e) {
    const auto state = docker({"inspect", "-f", "running={{.State.Running}} restarting={{.State.Restarting}} "
                                                "exit code={{.State.ExitCode}} restarts={{.RestartCount}}",
                               kind_.registry_container},
                              {.timeout = 30s, .check = false});
    const auto logs = docker({"logs", "--tail", "60", kind_.registry_container}, {.timeout = 30s, .check = false});
    // Go's panic line says why; the stack under it does not.
    std::string why;
    for (const auto& line : lines_of(logs.out + logs.err)) {
      if (line.rfind("panic: ", 0) == 0 || line.find("kind-registry-start:") != std::string::npos) why = line;
    }
    throw std::runtime_error("kind-registry exited during start-up (" + trim(state.out) + "): " +
                             (why.empty() ? "see `docker logs " + kind_.registry_container + "`" : why));
  }
  run_.mirror_address = address_on_network(kind_.registry_container, kind_.network);
  save();
  wait_answering("kind-registry", mirror(), run_.start_timeout);
  if (failed) std::rethrow_exception(failed);
}

void KindEnvironment::kill_mirror_of(const std::string& registry, const std::function<void()>& while_down) {
  const std::string& container = cache_container(registry);
  require_writable("killing " + container);
  docker({"kill", "--signal", "KILL", container});
  // docker stop on the killed container is a no-op; the rest is a restart.
  restart_mirror_of(registry, while_down ? while_down : [] {});
}

std::string KindEnvironment::mirror_log_of(const std::string& registry) const {
  const auto r = docker({"logs", "--tail", "2000", cache_container(registry)}, {.timeout = std::chrono::seconds(30), .check = false});
  return r.out + r.err;
}

std::string KindEnvironment::garbage_collect_of(const std::string& registry, const std::function<void()>& while_stopped) {
  const std::string& container = cache_container(registry);
  require_writable("garbage-collecting " + container);
  // The container's own image, config mount and REGISTRY_* environment, in
  // a container of its own over the same volumes while the cache is stopped.
  const auto inspected = json::parse(docker({"inspect", container}).out, nullptr, false);
  if (!inspected.is_array() || inspected.empty()) throw std::runtime_error("docker inspect " + container + " gave no container");
  const auto& c = inspected[0];
  const std::string image = c["Config"].value("Image", "");
  std::string config_path = registry_generation_named(run_.registry).config_path;
  std::vector<std::string> args = {"run", "--rm", "--volumes-from", container, "--entrypoint", "registry"};
  if (c.contains("Mounts") && c["Mounts"].is_array()) {
    for (const auto& m : c["Mounts"]) {
      for (const auto& g : registry_generations()) {
        if (m.value("Destination", "") == g.config_path) config_path = g.config_path;
      }
    }
  }
  if (c["Config"].contains("Env") && c["Config"]["Env"].is_array()) {
    for (const auto& e : c["Config"]["Env"]) {
      if (e.is_string() && e.get<std::string>().rfind("REGISTRY_", 0) == 0) args.insert(args.end(), {"-e", e.get<std::string>()});
    }
  }
  args.insert(args.end(), {image, "garbage-collect", config_path});
  std::string summary;
  restart_mirror_of(registry, [&] {
    if (while_stopped) while_stopped();
    const auto r = docker(args, {.timeout = std::chrono::minutes(30), .check = false});
    summary = garbage_collect_summary(r.out + r.err);
    if (!r.ok()) {
      throw std::runtime_error(container + ": `docker " + join_argv(args) + "` failed (exit " +
                               std::to_string(r.exit_code) + "): " + garbage_collect_summary(r.err + r.out, 6));
    }
  });
  return summary;
}

std::vector<AccessRecord> KindEnvironment::mirror_access_log_of(const std::string& registry) const {
  const std::string url = registry == kDockerIo ? run_.mirror_url : mirror_of(registry).base_url();
  return parse_access_log(synced_access_log(cache_container(registry), url, HttpOptions{}, kind_.logs_since));
}

std::vector<AccessRecord> KindEnvironment::upstream_access_log() const {
  if (kind_.hub_container.empty()) return {};
  // The front writes its own log file on the host: complete when read.
  return parse_access_log(read_file_if_exists(kind_.hub_access_log).value_or(""));
}

MirrorView KindEnvironment::mirror_view() const {
  MirrorView view;
  view.nodes_network = kind_.network;
  const std::string& name = kind_.registry_container;
  const auto inspected = json::parse(docker({"inspect", name}).out, nullptr, false);
  if (!inspected.is_array() || inspected.empty()) throw std::runtime_error("docker inspect " + name + " gave no container");
  const auto& c = inspected[0];
  // docker inspect writes null, not [], for an empty list.
  auto list = [](const json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_array() ? object[key] : json::array();
  };
  for (const auto& e : list(c["Config"], "Env")) {
    const std::string entry = e.is_string() ? e.get<std::string>() : "";
    const auto eq = entry.find('=');
    const std::string key = entry.substr(0, eq);
    if (key.rfind("REGISTRY_", 0) == 0 || key == "SSL_CERT_FILE") view.environment[key] = entry.substr(eq + 1);
  }
  // Where the image reads its config (registry:3 moved it): the mount over
  // either place, else the place of the run's generation (read from the
  // image when the run attached to a user's kind-registry).
  std::string config_path = registry_generation_named(run_.registry).config_path;
  for (const auto& m : list(c, "Mounts")) {
    for (const auto& g : registry_generations()) {
      if (m.value("Destination", "") == g.config_path) config_path = g.config_path;
    }
  }
  view.config_source = name + ":" + config_path;
  // The process the container started: its entrypoint and command.
  if (c.contains("Path") && c["Path"].is_string()) view.command.push_back(c["Path"].get<std::string>());
  for (const auto& a : list(c, "Args")) {
    if (a.is_string()) view.command.push_back(a.get<std::string>());
  }
  const int pid = c["State"].value("Pid", 0);
  const fs::path root = fs::path("/proc") / std::to_string(pid) / "root";
  if (direct_ && pid > 0) {
    view.config = read_file_if_exists(root / config_path.substr(1)).value_or("");
  } else {
    view.config = docker_quiet({"exec", name, "cat", config_path}).out;
  }
  // Its storage as the host sees it: the mount over the root directory.
  std::string storage_root = "/var/lib/registry";
  if (auto it = view.environment.find("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY"); it != view.environment.end()) {
    storage_root = it->second;
  }
  for (const auto& m : list(c, "Mounts")) {
    if (m.value("Destination", "") == storage_root) view.storage = m.value("Source", "");
  }
  if (auto it = view.environment.find("SSL_CERT_FILE"); it != view.environment.end() && direct_ && pid > 0) {
    view.ca_file = root / it->second.substr(it->second.find_first_not_of('/'));
  }
  return view;
}

std::optional<NetworkView> KindEnvironment::network_view(const std::string& component) const {
  if (!direct_) return std::nullopt;
  std::string container = component == kMirrorComponent ? kind_.registry_container : component;
  const int pid = container_pid(container);
  if (pid <= 0) return std::nullopt;
  const fs::path proc = fs::path("/proc") / std::to_string(pid);
  return NetworkView{proc / "ns" / "net", proc / "root" / "etc" / "hosts", proc / "root" / "etc" / "resolv.conf"};
}

std::vector<ComponentHealth> KindEnvironment::health() const {
  std::vector<ComponentHealth> out;
  auto registry = [&](const std::string& name, const std::string& role, const std::string& container,
                      const std::string& address, const RegistryClient& client) {
    ComponentHealth h{name, role, address, container_running(container), false, ""};
    if (h.running) {
      auto probe = client.ping();
      h.answering = probe.ok;
      h.detail = probe.reason;
    } else {
      h.detail = "container " + container + " is not running";
    }
    out.push_back(h);
  };
  if (!kind_.hub_container.empty()) {
    registry("hub (" + kind_.hub_container + ")", "hub", kind_.hub_container, run_.hub_address, upstream());
    if (!is_running(kind_.hub_front)) {
      out.back().answering = false;
      out.back().detail = "its front (pid " + std::to_string(kind_.hub_front.pid) + ") is not running";
    }
  }
  if (!run_.front_address.empty()) {
    // Not published on the host; the host reaches it on the docker network.
    registry(kind_.front_container, "front", kind_.front_container, run_.front_address,
             RegistryClient(registry_front_url(run_.front_address)));
  }
  registry(kind_.registry_container, "mirror", kind_.registry_container, run_.mirror_address, mirror());
  for (const auto& c : run_.caches) {
    const auto& container = cache_container(c.registry);
    registry(container + " (" + c.registry + ")", "mirror", container, c.address, mirror_of(c.registry));
  }
  for (const auto& n : run_.nodes) {
    ComponentHealth h{n.name, "node", n.address, container_running(n.name), false, ""};
    if (h.running) {
      try {
        h.detail = direct_ ? cri_runtime(node_socket(n.name), 2s)
                           : trim(docker({"exec", n.name, "crictl", "version"}).out);
        h.answering = true;
      } catch (const std::exception& e) {
        h.detail = e.what();
      }
    }
    out.push_back(h);
  }
  return out;
}

RuntimeVersions KindEnvironment::versions() const {
  RuntimeVersions v;
  auto registry = docker_quiet({"exec", kind_.registry_container, "registry", "--version"});
  v.registry = registry.ok() ? registry_version_line(run_.registry, registry.out) : "unknown: " + trim(registry.err);
  for (const auto& n : run_.nodes) {
    try {
      v.containerd[n.name] = direct_ ? cri_runtime(node_socket(n.name))
                                     : trim(docker({"exec", n.name, "crictl", "version"}).out);
    } catch (const std::exception& e) {
      v.containerd[n.name] = std::string("unknown: ") + e.what();
    }
  }
  return v;
}

}  // namespace mirrorgate::kind
