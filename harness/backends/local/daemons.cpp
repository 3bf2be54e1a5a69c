#include "backends/local/daemons.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "backends/local/node_storage.h"
#include "containerd/cri_client.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/paths.h"
#include "core/wait.h"
#include "hub/stand_in.h"
#include "registry/generations.h"
#include "registry/registry_config.h"

namespace mirrorgate::local {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `execs`: what the program may exec into in turn (a start script's `exec`).
DaemonHandle start_in_namespace(const std::string& ns, std::vector<std::string> argv, LabProcess& p,
                                const std::map<std::string, std::string>& env, std::vector<std::string> execs) {
  execs.insert(execs.begin(), argv.front());
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  spdlog::debug("starting in {}: {}", ns, join_argv(argv));
  p.daemon = start_daemon({argv, p.access_log.empty() ? p.log : p.access_log, p.log, env, execs});
  return p.daemon;
}

std::string log_tail(const fs::path& log, size_t limit) {
  std::string tail = read_file_if_exists(log).value_or("");
  return tail.size() > limit ? tail.substr(tail.size() - limit) : tail;
}

// Waits until `ready` holds while the daemon runs; throws with its log when
// it exits or does not answer in time.
void wait_until(const std::string& what, const std::function<bool(std::string&)>& ready, const LabProcess& p,
                std::chrono::seconds timeout) {
  auto result = wait_for(
      [&](std::string& why) {
        throw_if_interrupted("starting " + what);
        if (!is_running(p.daemon)) {
          why = "the process exited";
          return true;
        }
        return ready(why);
      },
      timeout);
  if (!is_running(p.daemon)) {
    throw std::runtime_error(what + " exited during start-up; its log " + p.log.string() + " ends with:\n" + log_tail(p.log));
  }
  if (!result) {
    throw std::runtime_error(what + " did not answer within " + std::to_string(timeout.count()) +
                             " s: " + result.last_error + " (log: " + p.log.string() + ")");
  }
  spdlog::debug("{} ready after {} ms", what, result.waited.count());
}

std::function<bool(std::string&)> answers(const RegistryClient& client) {
  return [client](std::string& why) {
    auto probe = client.ping();
    why = probe.reason;
    return probe.ok;
  };
}

namespace {

// The line of containerd's log that says why its CRI plugin did not load.
std::string cri_plugin_failure(const fs::path& log) {
  std::string reason;
  std::istringstream lines(read_file_if_exists(log).value_or(""));
  for (std::string line; std::getline(lines, line);) {
    // 1.x: msg="failed to load plugin io.containerd.grpc.v1.cri" error=…;
    // 2.x: msg="failed to load plugin" error=… id=io.containerd.cri.v1.images
    if (line.find("failed to load plugin") != std::string::npos &&
        (line.find("io.containerd.grpc.v1.cri") != std::string::npos ||
         line.find("io.containerd.cri.v1") != std::string::npos)) {
      reason = line;
    }
  }
  return reason;
}

}  // namespace

namespace {

// Another hub front still listening where this one is to listen: a process
// running the front's binary, with the same --listen, in this lab's hub
// namespace (the lab's own: its name is the lab instance's). Seen about once
// in ten verify runs, when the scenarios restart the front for a new quota:
// the tracked front was taken for gone while it still listened, and the new
// one died of "bind: Address already in use". Stopped (TERM, then KILL).
void stop_stray_fronts(const LabProcess& front, const std::vector<std::string>& argv) {
  struct stat ns {};
  if (::stat(("/run/netns/" + front.namespace_name).c_str(), &ns) != 0) return;
  std::error_code ec;
  const auto binary = fs::canonical(argv.front(), ec);
  if (ec) return;
  const std::string listen = argv.size() > 2 ? argv[2] : "";
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    std::error_code e;
    auto exe = fs::read_symlink(it->path() / "exe", e).string();
    if (e || exe.rfind(binary.string(), 0) != 0) continue;  // also "PATH (deleted)"
    struct stat their {};
    if (::stat((it->path() / "ns/net").c_str(), &their) != 0 || their.st_ino != ns.st_ino || their.st_dev != ns.st_dev) continue;
    const auto cmdline = read_file_if_exists(it->path() / "cmdline").value_or("");
    if (cmdline.find(std::string("--listen") + '\0' + listen + '\0') == std::string::npos) continue;
    spdlog::warn("a hub front (pid {}) still listens on {} in the lab's namespace {}; stopping it", pid, listen,
                 front.namespace_name);
    // Alive while it has a start time (a zombie reads 0: its socket is closed).
    const auto started = process_start_time(pid);
    auto alive = [&] { return started != 0 && process_start_time(pid) == started; };
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 50 && alive(); ++i) std::this_thread::sleep_for(100ms);
    if (alive()) ::kill(pid, SIGKILL);
    for (int i = 0; i < 50 && alive(); ++i) std::this_thread::sleep_for(100ms);
  }
}

void launch_hub_front(LocalEnvironment& env) {
  auto& lab = env.lab();
  stop_stray_fronts(lab.hub_front, hub_front_argv(env.state(), lab.hub_front.address + ":443"));
  start_in_namespace(lab.hub_front.namespace_name, hub_front_argv(env.state(), lab.hub_front.address + ":443"), lab.hub_front);
  env.save();
}

}  // namespace

void wait_for_hub(LocalEnvironment& env, std::chrono::seconds timeout) {
  wait_until("the hub's front (registry-1.docker.io, auth.docker.io)", answers(env.upstream()), env.lab().hub_front,
             timeout);
}

void start_hub_front(LocalEnvironment& env, std::chrono::seconds timeout) {
  launch_hub_front(env);
  wait_for_hub(env, timeout);
}

void launch_hub(LocalEnvironment& env) {
  auto& run = env.mutable_state();
  auto& lab = env.lab();
  fs::create_directories(run.hub_data);
  const fs::path config = run.state_dir / "hub" / "config.yml";
  write_file_atomic(config, hub_registry_config(run.hub_data.string(), (run.state_dir / "pki" / "token.crt").string()));
  ensure_hub_accounts(run.state_dir);
  if (!is_running(lab.hub.daemon)) {
    start_in_namespace(lab.hub.namespace_name, {"docker-registry", "serve", config.string()}, lab.hub);
    env.save();
  }
  launch_hub_front(env);
}

void start_hub(LocalEnvironment& env, std::chrono::seconds timeout) {
  launch_hub(env);
  wait_for_hub(env, timeout);
}

// The image's command name for kind-registry's start script: `registry` is
// distribution's binary in registry:2 and registry:3 (Debian names 2.8's
// docker-registry). The script runs in busybox's sh, as in the image
// (Alpine's busybox underneath).
fs::path mirror_bin_dir(const RunState& run, const fs::path& registry) {
  const fs::path dir = run.state_dir / "kind-registry-bin";
  fs::create_directories(dir);
  std::error_code ec;
  fs::remove(dir / "registry", ec);
  fs::create_symlink(registry, dir / "registry");
  return dir;
}

std::vector<std::string> registry_command(const RunState& run) {
  if (!run.files.registry_start.empty()) {
    return {"busybox", "sh", run.files.registry_start.string(), run.files.registry_config.string()};
  }
  return {registry_binary(registry_generation_named(run.registry)).string(), "serve",
          run.files.registry_config.string()};
}

namespace {

// kind-registry, or an --upstream's cache: the shipped config and start
// script, byte for byte; only the data directory, the CA bundle and, for a
// cache, its upstream come through the environment, as setup-registry.sh
// passes them. Without a start script: the image's own command.
}  // namespace

void launch_registry(LocalEnvironment& env, LabProcess& p, const fs::path& data, const std::string& remote_url) {
  auto& run = env.mutable_state();
  fs::create_directories(data);
  std::map<std::string, std::string> environment{{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", data.string()},
                                                 {"SSL_CERT_FILE", run.ca_bundle.string()},
                                                 // registry:3's image sets it (distribution's v3 Dockerfile):
                                                 // without it v3 exports traces to localhost:4318 every 5 s.
                                                 {"OTEL_TRACES_EXPORTER", "none"}};
  if (!remote_url.empty()) environment["REGISTRY_PROXY_REMOTEURL"] = remote_url;
  const fs::path registry = registry_binary(registry_generation_named(run.registry));
  const auto argv = registry_command(run);
  std::vector<std::string> execs;
  if (!run.files.registry_start.empty()) {
    environment["PATH"] = mirror_bin_dir(run, registry).string() + ":/usr/sbin:/usr/bin:/sbin:/bin";
    execs = {registry.string()};  // the script execs it when the config has no upstream
  }
  start_in_namespace(p.namespace_name, argv, p, environment, execs);
  env.save();
}

void launch_mirror(LocalEnvironment& env) {
  launch_registry(env, env.lab().mirror, env.state().registry_data, env.state().team_cache_url);
}

void wait_for_mirror(LocalEnvironment& env, std::chrono::seconds timeout) {
  wait_until("kind-registry", answers(env.mirror()), env.lab().mirror, timeout);
}

void start_mirror(LocalEnvironment& env, std::chrono::seconds timeout) {
  launch_mirror(env);
  wait_for_mirror(env, timeout);
}

void launch_cache(LocalEnvironment& env, LabCache& cache) {
  launch_registry(env, cache.process, env.registry_data_of(cache.registry), upstream_url(cache.registry));
}

void wait_for_cache(LocalEnvironment& env, const LabCache& cache, std::chrono::seconds timeout) {
  wait_until(cache_host(cache.registry), answers(env.mirror_of(cache.registry)), cache.process, timeout);
}

fs::path nginx_bin_dir() {
  const char* cache = std::getenv("MIRRORGATE_NGINX_CACHE");
  const fs::path unpacked = fs::path(cache && *cache ? cache : "/var/cache/mirrorgate/nginx") / "usr/sbin";
  if (fs::exists(unpacked / "nginx")) return unpacked;
  try {
    return program_path("nginx").parent_path();
  } catch (const std::exception&) {
    throw missing_prerequisite("nginx, for kind-registry-front: neither " + (unpacked / "nginx").string() +
                               " nor nginx on PATH; run ci/setup.sh (it unpacks Debian's nginx there)");
  }
}

fs::path front_run_dir(const LabState& lab) { return lab_names(lab.instance).front_run_dir; }

namespace {

// The lab's DNS, for a front's nginx, which asks it only once it serves;
// kept while the front restarts.
void launch_dns(LocalEnvironment& env, LabProcess& dns) {
  if (is_running(dns.daemon)) return;
  start_in_namespace(dns.namespace_name,
                     {libexec_file("mirrorgate_lab_dns").string(), "--listen", dns.address + ":53"}, dns);
  env.save();
}

void wait_for_dns(const LabProcess& dns, std::chrono::seconds timeout) {
  wait_until(
      "the lab's DNS in " + dns.namespace_name,
      [&](std::string& why) {
        why = "it has not said it listens";
        return read_file_if_exists(dns.log).value_or("").find("lab DNS on ") != std::string::npos;
      },
      dns, timeout);
}

}  // namespace

void launch_front_at(LocalEnvironment& env, LabProcess& front, LabProcess& dns, const fs::path& run_dir) {
  auto& run = env.mutable_state();
  auto& lab = env.lab();
  launch_dns(env, dns);
  const fs::path start_script = run.files.registry_front.parent_path() / "kind-registry-front-start.sh";
  // nginx's workers drop root (to nobody or www-data) and must enter the run directory.
  make_traversable_dir(run_dir, "kind-registry-front's nginx workers (an unprivileged user)");
  // The shipped start script and config; only the CA bundle comes through
  // the environment, as setup-registry.sh passes a --ca-bundle.
  start_in_namespace(front.namespace_name,
                     {"sh", start_script.string(), run.files.registry_front.string(), run_dir.string()}, front,
                     {{"SSL_CERT_FILE", run.ca_bundle.string()},
                      {"PATH", lab.nginx_bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin"}},
                     {(lab.nginx_bin / "nginx").string()});
  env.save();
}

void wait_for_front_at(const LabProcess& front, const LabProcess& dns, std::chrono::seconds timeout) {
  wait_for_dns(dns, timeout);
  RegistryClient client(registry_front_url(front.address));
  wait_until("kind-registry-front in " + front.namespace_name, answers(client), front, timeout);
}

void launch_front(LocalEnvironment& env) {
  auto& lab = env.lab();
  launch_front_at(env, lab.front, lab.dns, front_run_dir(lab));
}

void wait_for_front(LocalEnvironment& env, std::chrono::seconds timeout) {
  wait_for_front_at(env.lab().front, env.lab().dns, timeout);
}

void start_front(LocalEnvironment& env, std::chrono::seconds timeout) {
  launch_front(env);
  wait_for_front(env, timeout);
}

void start_node(LocalEnvironment& env, LabNode& n) {
  fs::create_directories(n.root);
  // The state file already says so (plan): a teardown after a failure here unmounts it.
  if (n.root_in_memory && mount_type_at(n.root) != "tmpfs") mount_node_root(n.root);
  fs::create_directories(n.state);
  const auto bin = env.lab().containerd_bin;
  start_in_namespace(n.containerd.namespace_name,
                     {(bin / "containerd").string(), "--config", "/etc/containerd/config.toml", "--root", n.root.string(),
                      "--state", n.state.string(), "--address", n.socket.string()},
                     n.containerd,
                     // The nodes trust the hub as real nodes trust Docker Hub,
                     // so a silent fallback to the upstream works — as in production.
                     // PATH: containerd finds its shim beside itself.
                     {{"SSL_CERT_FILE", env.mutable_state().ca_bundle.string()},
                      {"PATH", bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin"}});
  env.save();
}

void wait_for_node(const LabNode& n, std::chrono::seconds timeout) {
  auto cri_answers = [&](std::string& why) {
    if (!fs::exists(n.socket)) {
      why = n.socket.string() + " does not exist yet";
      return false;
    }
    try {
      // A fresh channel each try: a channel that once failed to connect
      // waits out gRPC's reconnect backoff.
      CriClient(n.socket.string()).version(1s);
      return true;
    } catch (const std::exception& e) {
      why = e.what();
      if (why.find("unknown service runtime.v1") == std::string::npos) return false;
      // containerd serves, but without its CRI plugin: waiting will not help.
      const std::string reason = cri_plugin_failure(n.containerd.log);
      throw std::runtime_error("containerd of " + n.name + " runs without its CRI plugin, so kubelet could not "
                               "pull anything on this node" + (reason.empty() ? "" : ":\n  " + reason) +
                               "\n  (log: " + n.containerd.log.string() + ")");
    }
  };
  wait_until("containerd of " + n.name, cri_answers, n.containerd, timeout);
}

fs::path floor_registry_dir(const RunState& run, FloorPlace place, const std::string& node) {
  if (place == FloorPlace::node_loopback) return node_dir(run.state_dir, node) / "local-registry";
  return same_path_floor_dir(run.state_dir);
}

LabProcess& floor_registry_process(LabState& lab, FloorPlace place) {
  return place == FloorPlace::node_loopback ? lab.node_registry : lab.same_path_registry;
}

void start_floor_registry(LocalEnvironment& env, FloorPlace place, const std::string& node,
                          std::chrono::seconds timeout) {
  const auto& run = env.state();
  auto& lab = env.lab();
  const fs::path dir = floor_registry_dir(run, place, node);
  fs::create_directories(dir / "data");
  const std::string port = std::to_string(kFloorRegistryPort);
  write_file_atomic(dir / "config.yml", "# A plain registry on " + to_string(place) +
                                            ", for the floor benchmarks; written by mirrorgate.\n"
                                            "version: 0.1\n"
                                            "storage:\n  filesystem:\n    rootdirectory: " + (dir / "data").string() +
                                            "\n  delete:\n    enabled: true\n"
                                            "http:\n  addr: 0.0.0.0:" + port + "\n");
  auto& process = floor_registry_process(lab, place);
  std::string ns;
  if (place == FloorPlace::node_loopback) {
    // Recorded under the node's name (LabState::node_registry); it runs in the node's namespace.
    process = {node, env.node(node).address, {}, dir / "registry.log", dir / "access.log"};
    ns = node;
    for (const auto& n : lab.nodes) {
      if (n.name == node) ns = n.containerd.namespace_name;
    }
  } else {
    process = {lab.mirror.namespace_name, lab.mirror.address, {}, dir / "registry.log", dir / "access.log"};
    ns = lab.mirror.namespace_name;
  }
  const fs::path registry = registry_binary(registry_generation_named(run.registry));
  start_in_namespace(ns, {registry.string(), "serve", (dir / "config.yml").string()}, process,
                     {{"OTEL_TRACES_EXPORTER", "none"}});
  env.save();
  wait_until("the floor registry on " + to_string(place),
             answers(RegistryClient("http://" + process.address + ":" + port)), process, timeout);
}

void apply_upstream_rate(const LabState& lab, const std::string& rate) {
  const std::string& hub = lab.hub.namespace_name;
  if (rate.empty()) {
    run({"ip", "netns", "exec", hub, "tc", "qdisc", "del", "dev", "eth0", "root"}, {.check = false});
    return;
  }
  run({"ip", "netns", "exec", hub, "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate,
       "burst", "256kb", "latency", "100ms"});
}

}  // namespace mirrorgate::local
