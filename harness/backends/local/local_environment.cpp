#include "backends/local/local_environment.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "backends/local/daemons.h"
#include "backends/local/node_storage.h"
#include "backends/local/team_tier.h"
#include "backends/local/topology.h"
#include "containerd/cri_client.h"
#include "containerd/generations.h"
#include "core/files.h"
#include "core/log.h"
#include "core/netns.h"
#include "env/node_cri.h"
#include "hub/stand_in.h"
#include "registry/generations.h"
#include "registry/registry_config.h"
#include "process/process.h"

namespace mirrorgate::local {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

LocalEnvironment::LocalEnvironment(RunState run) : Environment(std::move(run)) {
  lab_ = run_.backend_state.get<LabState>();
}

void LocalEnvironment::save() {
  run_.backend_state = lab_;
  run_.nodes.clear();
  for (const auto& n : lab_.nodes) run_.nodes.push_back({n.name, n.role, n.containerd.address, n.machine});
  save_state(run_);
}

const LabNode& LocalEnvironment::lab_node(const std::string& name) const {
  for (const auto& n : lab_.nodes) {
    if (n.name == name) return n;
  }
  throw std::invalid_argument("the lab has no node named " + name);
}

fs::path LocalEnvironment::node_path(const std::string& node, const std::string& path) const {
  // A node's own view of /etc is /etc/netns/NODE (see lab.h).
  if (path.rfind("/etc/", 0) != 0 || path.find("..") != std::string::npos) {
    throw std::invalid_argument("the local lab maps only a node's /etc; cannot reach " + path + " on " + node);
  }
  return lab_node(node).etc / path.substr(5);
}

std::optional<std::string> LocalEnvironment::read_node_file(const std::string& node, const std::string& path) const {
  return read_file_if_exists(node_path(node, path));
}

void LocalEnvironment::write_node_file(const std::string& node, const std::string& path, const std::string& content) {
  write_file_atomic(node_path(node, path), content);
}

std::vector<std::string> LocalEnvironment::list_node_files(const std::string& node, const std::string& dir) const {
  std::vector<std::string> out;
  const fs::path root = node_path(node, dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

PullResult LocalEnvironment::pull_image(const std::string& node, const std::string& image, std::chrono::milliseconds timeout) {
  DebugTimer timer(node + " pulled " + image);
  return timed_cri_pull(node, lab_node(node).socket.string(), image, timeout);
}

std::set<std::string> LocalEnvironment::image_ids(const std::string& node) const {
  return cri_image_ids(lab_node(node).socket.string());
}

std::optional<std::string> LocalEnvironment::image_id(const std::string& node, const std::string& image) const {
  return cri_image_id(lab_node(node).socket.string(), image);
}

WaitResult LocalEnvironment::remove_image(const std::string& node, const std::string& image,
                                          const std::vector<std::string>& blob_digests, std::chrono::milliseconds timeout) {
  DebugTimer timer(node + " removed " + image);
  const auto& n = lab_node(node);
  CriClient cri(n.socket.string());
  // The same content may be held under other names (a pull by digest makes
  // one): remove every image whose id is among the blobs, by id, which drops
  // all of its names.
  std::set<std::string> ids;
  if (auto id = image_id(node, image)) ids.insert(*id);
  for (const auto& held : cri.list_images()) {
    if (std::find(blob_digests.begin(), blob_digests.end(), held.id) != blob_digests.end()) ids.insert(held.id);
  }
  for (const auto& id : ids) cri.remove_image(id);
  // containerd deletes content in its garbage collector, after the image
  // record is gone; a pull before then would find the blobs locally.
  auto gone = [&](std::string& why) {
    for (const auto& d : blob_digests) {
      if (node_has_blob(node, d)) {
        why = d + " still in the content store";
        return false;
      }
    }
    return true;
  };
  if (auto quick = wait_for(gone, std::min<std::chrono::milliseconds>(timeout, 3s))) return quick;
  // A pull that failed or timed out leaves its content under a lease that
  // outlives it (CRI pulls hold one for a day); drop the leases so the
  // garbage collector can take that content too.
  const std::vector<std::string> ctr{(lab_.containerd_bin / "ctr").string(), "--address", n.socket.string(), "--namespace",
                                     "k8s.io", "leases"};
  auto with = [&](std::vector<std::string> tail) {
    auto argv = ctr;
    argv.insert(argv.end(), tail.begin(), tail.end());
    return argv;
  };
  std::istringstream lease_ids(run(with({"ls", "-q"}), {.check = false}).out);
  for (std::string id; std::getline(lease_ids, id);) {
    if (!id.empty()) run(with({"rm", "--sync", id}), {.check = false});
  }
  return wait_for(gone, timeout);
}

bool LocalEnvironment::node_has_blob(const std::string& node, const std::string& digest) const {
  return fs::exists(content_blob_path(lab_node(node).root / kContentStoreDir, digest));
}

std::uint64_t LocalEnvironment::node_content_bytes(const std::string& node) const {
  return content_store_bytes(lab_node(node).root / kContentStoreDir);
}

RegistryClient LocalEnvironment::mirror_of(const std::string& registry) const {
  if (registry == kDockerIo) return RegistryClient(run_.mirror_url);
  if (const auto* c = cache(registry)) return RegistryClient(c->url);
  throw std::invalid_argument("this run caches no " + registry + " (bring it up with --upstream " + registry + ")");
}

const LabProcess& LocalEnvironment::cache_process(const std::string& registry) const {
  if (registry == kDockerIo) return lab_.mirror;
  for (const auto& c : lab_.caches) {
    if (c.registry == registry) return c.process;
  }
  throw std::invalid_argument("this run caches no " + registry + " (bring it up with --upstream " + registry + ")");
}

RegistryClient LocalEnvironment::upstream() const { return hub_client(run_); }

RegistrySettings LocalEnvironment::node_registry_config(const std::string& node) const {
  // containerd 1.x reports its effective CRI config in CRI Status; 2.x does
  // not, and `containerd config dump` in the node (its /etc) is what it runs.
  if (auto settings = registry_settings_from_cri(node, lab_node(node).socket.string())) return *settings;
  auto dump = run({"ip", "netns", "exec", lab_node(node).containerd.namespace_name, (lab_.containerd_bin / "containerd").string(), "--config",
                   "/etc/containerd/config.toml", "config", "dump"},
                  {.check = false});
  if (!dump.ok()) throw std::runtime_error("node " + node + ": `containerd config dump` failed: " + dump.err);
  return with_generation_defaults(registry_settings_from_dump(node, dump.out), generation());
}

void LocalEnvironment::set_upstream(Upstream state) {
  DebugTimer timer(std::string("the hub set ") + to_string(state));
  switch (state) {
    case Upstream::reachable:
      run({"ip", "netns", "exec", lab_.hub.namespace_name, "ip", "link", "set", "eth0", "up"});
      if (!is_running(lab_.hub.daemon) || !is_running(lab_.hub_front.daemon)) start_hub(*this, run_.start_timeout);
      break;
    case Upstream::stopped:
      // Nothing listens on registry-1.docker.io:443 or auth.docker.io:443.
      if (!stop_daemon(lab_.hub_front.daemon)) throw std::runtime_error("the hub's front did not stop");
      break;
    case Upstream::link_down:
      // Restart the hub first: kind-registry keeps an HTTP/2 connection to
      // it, and a request on a connection whose packets vanish hangs until
      // TCP gives up (~15 min). The variant tested is the hub going dark
      // while idle: new connections time out.
      if (!stop_daemon(lab_.hub_front.daemon)) throw std::runtime_error("the hub's front did not stop");
      start_hub(*this, run_.start_timeout);
      run({"ip", "netns", "exec", lab_.hub.namespace_name, "ip", "link", "set", "eth0", "down"});
      break;
  }
}

void LocalEnvironment::set_upstream_rate(const std::string& rate) {
  apply_upstream_rate(lab_, rate);
  run_.upstream_rate = rate;
  save();
}

void LocalEnvironment::set_upstream_quota(const std::string& anonymous, const std::string& account) {
  run_.hub_quota = anonymous;
  run_.hub_account_quota = account;
  if (!stop_daemon(lab_.hub_front.daemon)) throw std::runtime_error("the hub's front did not stop");
  start_hub_front(*this, run_.start_timeout);
}

void LocalEnvironment::restart_mirror_of(const std::string& registry, const std::function<void()>& while_stopped) {
  const std::string name = cache_host(registry);
  DebugTimer timer(name + " restarted");
  if (!stop_daemon(cache_process(registry).daemon)) throw std::runtime_error(name + " did not stop");
  auto start = [&] {
    if (registry == kDockerIo) return start_mirror(*this, run_.start_timeout);
    for (auto& c : lab_.caches) {
      if (c.registry != registry) continue;
      launch_cache(*this, c);
      wait_for_cache(*this, c, run_.start_timeout);
    }
  };
  try {
    if (while_stopped) while_stopped();
  } catch (...) {
    start();  // a failed step leaves the cache serving, as it was
    throw;
  }
  start();
}

void LocalEnvironment::kill_mirror_of(const std::string& registry, const std::function<void()>& while_down) {
  const std::string name = cache_host(registry);
  if (!kill_daemon(cache_process(registry).daemon)) throw std::runtime_error(name + " did not die of SIGKILL");
  // Started again by restart_mirror_of, which finds it stopped.
  restart_mirror_of(registry, while_down);
}

std::string LocalEnvironment::mirror_log_of(const std::string& registry) const {
  return read_file_if_exists(cache_process(registry).log).value_or("");
}

std::optional<fs::path> LocalEnvironment::mirror_on_small_disk(std::uint64_t bytes, std::string& why) {
  (void)why;
  const fs::path disk = small_disk_dir(run_);
  restart_mirror_of(kDockerIo, [&] {
    mount_small_disk(disk, bytes);
    if (run_.registry_data_home.empty()) run_.registry_data_home = run_.registry_data;
    run_.registry_data = disk;
    save();
  });
  return disk;
}

void LocalEnvironment::restore_mirror_storage() {
  if (run_.registry_data_home.empty()) return;
  restart_mirror_of(kDockerIo, [&] {
    run_.registry_data = run_.registry_data_home;
    run_.registry_data_home.clear();
    save();
    unmount_small_disk(small_disk_dir(run_));
  });
}

bool LocalEnvironment::switch_mirror_generation(const std::string& generation, std::string& why) {
  const auto& g = registry_generation_named(generation);
  if (!registry_available(g)) {
    why = registry_missing_reason(g);
    return false;
  }
  restart_mirror_of(kDockerIo, [&] {
    run_.registry = g.name;
    save();
  });
  return true;
}

std::string LocalEnvironment::garbage_collect_of(const std::string& registry, const std::function<void()>& while_stopped) {
  // The binary the cache runs, over its storage, with the config it runs.
  std::string summary;
  restart_mirror_of(registry, [&] {
    if (while_stopped) while_stopped();
    summary = run_garbage_collect(registry_binary(registry_generation_named(run_.registry)),
                                  run_.files.registry_config, registry_data_of(registry), cache_host(registry));
  });
  return summary;
}

std::vector<AccessRecord> LocalEnvironment::mirror_access_log_of(const std::string& registry) const {
  return parse_access_log(read_file_if_exists(cache_process(registry).access_log).value_or(""));
}

std::vector<AccessRecord> LocalEnvironment::upstream_access_log() const {
  return parse_access_log(read_file_if_exists(lab_.hub_front.access_log).value_or(""));
}

MirrorView LocalEnvironment::mirror_view() const {
  // The shipped config runs unchanged; the data directory and the CA bundle
  // come through the environment (daemons.cpp).
  return {read_file_if_exists(run_.files.registry_config).value_or(""),
          run_.files.registry_config.string(),
          {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", run_.registry_data.string()},
           {"SSL_CERT_FILE", run_.ca_bundle.string()}},
          run_.registry_data,
          run_.ca_bundle,
          "",
          registry_command(run_)};
}

std::optional<NetworkView> LocalEnvironment::network_view(const std::string& component) const {
  if (::geteuid() != 0) return std::nullopt;
  std::string ns;
  if (component == kMirrorComponent) ns = lab_.mirror.namespace_name;
  for (const auto& c : lab_.caches) {
    if (component == cache_host(c.registry)) ns = c.process.namespace_name;
  }
  if (ns.empty()) ns = lab_node(component).containerd.namespace_name;
  const fs::path etc = fs::path("/etc/netns") / ns;
  return NetworkView{fs::path("/run/netns") / ns, etc / "hosts", etc / "resolv.conf"};
}

// Every daemon of the plan, asked as its probe says; a daemon with no entry
// of its own (the hub's registry) takes its host's first entry down with it.
std::vector<ComponentHealth> LocalEnvironment::health() const {
  std::vector<ComponentHealth> out;
  for (const auto& host : topology_of(run_, lab_).hosts) {
    const size_t first = out.size();
    std::string part_down;
    for (const auto& d : host.daemons) {
      if (d.probe == Probe::unwatched) continue;
      const LabProcess* p = record_of(lab_, host, d);
      const bool running = p && is_running(p->daemon);
      if (d.probe == Probe::part_of_host) {
        if (!running && part_down.empty()) part_down = d.name + " is not running";
        continue;
      }
      ComponentHealth h{d.health_name, d.health_role, p ? p->address : host.address, running, false, ""};
      if (!running) {
        h.detail = p ? "process " + std::to_string(p->daemon.pid) + " is not running" : "not started";
        out.push_back(h);
        continue;
      }
      try {
        switch (d.probe) {
          case Probe::registry:
          case Probe::hub: {
            const auto probe = d.probe == Probe::hub ? upstream().ping() : RegistryClient(d.url).ping();
            h.answering = probe.ok;
            h.detail = probe.reason;
            break;
          }
          case Probe::process:
            h.answering = true;
            h.detail = "running";
            break;
          case Probe::dns:
            // Asked as nginx asks it: by DNS only, from the host's namespace.
            if (::geteuid() != 0) {
              h.detail = "not asked: entering its namespace needs root";
            } else {
              const NetworkView by_dns{fs::path("/run/netns") / host.namespace_name, {},
                                       fs::path("/etc/netns") / host.namespace_name / "resolv.conf"};
              std::string why;
              run_in_netns(by_dns.netns, [&] { h.answering = resolve_as(by_dns, kDockerHubApiHost, &why).has_value(); });
              h.detail = h.answering ? std::string(kDockerHubApiHost) + " resolves" : why;
            }
            break;
          case Probe::cri:
            h.detail = cri_runtime(lab_node(host.key).socket.string(), 2s);
            h.answering = true;
            break;
          case Probe::part_of_host:
          case Probe::unwatched:
            break;
        }
      } catch (const std::exception& e) {
        h.detail = e.what();
      }
      out.push_back(h);
    }
    if (!part_down.empty() && out.size() > first) {
      out[first].running = false;
      out[first].detail = part_down;
    }
  }
  return out;
}

RuntimeVersions LocalEnvironment::versions() const {
  RuntimeVersions v;
  const auto binary = registry_binary(registry_generation_named(run_.registry));
  auto registry = run({binary.string(), "--version"}, {.check = false});
  v.registry = registry_version_line(run_.registry, registry.out);
  for (const auto& n : lab_.nodes) {
    try {
      v.containerd[n.name] = cri_runtime(n.socket.string());
    } catch (const std::exception& e) {
      v.containerd[n.name] = std::string("unknown: ") + e.what();
    }
  }
  return v;
}

namespace {

// What a node pulls a floor registry's images as: on its loopback, or by
// kind-registry's name (its /etc/hosts) on the floor's own port.
std::string floor_host(FloorPlace place) {
  const std::string port = std::to_string(kFloorRegistryPort);
  return place == FloorPlace::node_loopback ? "127.0.0.1:" + port : std::string(kMirrorHost) + ":" + port;
}

// The hosts.toml directory through which a node's containerd reaches the
// floor over plain HTTP (removed again with the registry).
std::string floor_hosts_dir(FloorPlace place) { return "/etc/containerd/certs.d/" + floor_host(place); }

}  // namespace

std::optional<FloorRegistry> LocalEnvironment::start_floor_registry(const std::string& node, FloorPlace place,
                                                                    std::string& why) {
  auto& process = floor_registry_process(lab_, place);
  // The loopback one runs in the node's namespace, recorded under its name.
  if (place == FloorPlace::node_loopback && !process.namespace_name.empty() && process.namespace_name != node &&
      is_running(process.daemon)) {
    why = "a registry already runs on " + process.namespace_name + "'s loopback";
    return std::nullopt;
  }
  if (process.namespace_name.empty() || !is_running(process.daemon)) {
    if (!process.namespace_name.empty()) stop_floor_registry(place);
    try {
      local::start_floor_registry(*this, place, node, run_.start_timeout);
      write_node_file(node, floor_hosts_dir(place) + "/hosts.toml", "server = \"http://" + floor_host(place) + "\"\n");
    } catch (const std::exception& e) {
      why = e.what();
      stop_floor_registry(place);
      return std::nullopt;
    }
  } else if (!read_node_file(node, floor_hosts_dir(place) + "/hosts.toml")) {
    write_node_file(node, floor_hosts_dir(place) + "/hosts.toml", "server = \"http://" + floor_host(place) + "\"\n");
  }
  return FloorRegistry{node, "http://" + process.address + ":" + std::to_string(kFloorRegistryPort), floor_host(place)};
}

void LocalEnvironment::stop_floor_registry(FloorPlace place) {
  auto& process = floor_registry_process(lab_, place);
  if (process.namespace_name.empty()) return;
  stop_daemon(process.daemon);
  for (const auto& n : lab_.nodes) remove_owned_tree(node_path(n.name, floor_hosts_dir(place)), n.etc);
  const std::string node = place == FloorPlace::node_loopback ? process.namespace_name : "";
  remove_owned_tree(floor_registry_dir(run_, place, node), run_.state_dir);
  process = {};
  save();
}

int LocalEnvironment::team_replicas() const {
  return lab_.team.enabled() ? static_cast<int>(lab_.team.replicas.size()) : 0;
}

namespace {

const LabProcess& machine_mirror(const LabState& lab, int machine) {
  if (machine == 1) return lab.mirror;
  for (const auto& m : lab.machines) {
    if (m.number == machine) return m.mirror;
  }
  throw std::invalid_argument("the lab has no machine " + std::to_string(machine));
}

const LabReplica& replica(const LabState& lab, int r) {
  if (!lab.team.enabled() || r < 1 || r > static_cast<int>(lab.team.replicas.size())) {
    throw std::invalid_argument("the lab has no team replica " + std::to_string(r));
  }
  return lab.team.replicas[static_cast<size_t>(r - 1)];
}

}  // namespace

std::string LocalEnvironment::machine_mirror_address(int machine) const { return local::machine_mirror(lab_, machine).address; }

std::vector<AccessRecord> LocalEnvironment::machine_mirror_access_log(int machine) const {
  return parse_access_log(read_file_if_exists(local::machine_mirror(lab_, machine).access_log).value_or(""));
}

std::vector<AccessRecord> LocalEnvironment::replica_access_log(int r) const {
  return parse_access_log(read_file_if_exists(replica(lab_, r).registry.access_log).value_or(""));
}

namespace {

// The REGISTRY_* variables a running daemon was started with.
std::map<std::string, std::string> registry_variables(const DaemonHandle& d) {
  std::map<std::string, std::string> out;
  if (!is_running(d)) return out;
  const auto text = read_file_if_exists("/proc/" + std::to_string(d.pid) + "/environ").value_or("");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    const std::string entry = text.substr(start, end - start);
    const auto eq = entry.find('=');
    if (entry.rfind("REGISTRY_", 0) == 0 && eq != std::string::npos) out[entry.substr(0, eq)] = entry.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

}  // namespace

namespace {

// A registry as it runs: its config file, and the REGISTRY_* variables over it.
MirrorView running_view(const fs::path& config, const DaemonHandle& daemon) {
  MirrorView v;
  v.config = read_file_if_exists(config).value_or("");
  v.config_source = config.string();
  v.environment = registry_variables(daemon);
  return v;
}

}  // namespace

MirrorView LocalEnvironment::machine_mirror_view(int machine) const {
  return running_view(run_.files.registry_config, local::machine_mirror(lab_, machine).daemon);
}

MirrorView LocalEnvironment::replica_view(int r) const {
  return running_view(run_.files.team / "registry-config.yml", replica(lab_, r).registry.daemon);
}

std::string LocalEnvironment::replica_upstream_address(int r) const { return replica(lab_, r).front.address; }

void LocalEnvironment::kill_replica(int r) {
  (void)replica(lab_, r);
  local::kill_replica(*this, r);
}

void LocalEnvironment::start_replica(int r) {
  (void)replica(lab_, r);
  local::start_replica(*this, r, run_.start_timeout);
}

void LocalEnvironment::cut_machine_from_team(int machine, bool cut) {
  if (!lab_.team.enabled()) throw std::logic_error("this run has no team tier (one machine)");
  // A partition as a machine sees one: the team cache never answers it (its
  // replies to the machine's kind-registry are dropped), so connects time
  // out and kept-alive connections hang, rather than being refused.
  const std::string to = local::machine_mirror(lab_, machine).address + "/32";
  const auto& ns = lab_.team.haproxy.namespace_name;
  if (cut) {
    run({"ip", "-n", ns, "route", "replace", "blackhole", to});
  } else {
    run({"ip", "-n", ns, "route", "del", "blackhole", to}, {.check = false});
  }
}

}  // namespace mirrorgate::local
