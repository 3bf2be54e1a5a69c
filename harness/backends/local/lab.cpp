#include "backends/local/lab.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <spdlog/spdlog.h>

#include "backends/local/daemons.h"
#include "backends/local/local_environment.h"
#include "backends/local/network.h"
#include "backends/local/node_storage.h"
#include "backends/local/team_tier.h"
#include "backends/local/topology.h"
#include "cluster/kind_config.h"
#include "containerd/config_patch.h"
#include "containerd/hosts_toml.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/netns.h"
#include "env/node_setup.h"
#include "hub/front.h"
#include "hub/stand_in.h"
#include "hub/worlds.h"
#include "images/test_images.h"
#include "process/process.h"
#include "registry/registry_config.h"

namespace mirrorgate::local {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// containerd refuses unix socket paths over 104 bytes, and its ttrpc socket
// is the CRI socket's path + ".ttrpc".
constexpr size_t kMaxSocketPath = 104 - 6;

// Every input, read and checked before anything is created (and before
// asking for root: a user can check their files anywhere).
struct Inputs {
  KindConfig kind;
  const NodeGeneration* generation = nullptr;
  const RegistryGeneration* registry_generation = nullptr;
  std::string registry_note;  // why not the shipped generation; empty when it is
  RegistryConfig registry;
  std::string hosts_toml;
  std::vector<RegistryHostsToml> upstream_hosts_tomls;  // kind/certs.d/HOST/hosts.toml of each --upstream
  PatchedConfig node_config;
  Subnet subnet;
  NodeStorageChoice node_storage;
  int machines = 1;
  bool team = false;  // two or more machines, through the team tier
};

Inputs read_inputs(const EnvironmentOptions& o) {
  Inputs in;
  in.kind = load_kind_config(o.files.kind_config, o.cluster_name);
  std::string note;
  in.generation = &node_generation(o, in.kind, &note);
  if (!note.empty()) spdlog::info("{}", note);
  note.clear();
  in.registry_generation = &registry_generation(o, RegistryRunsFrom::this_machine, &in.registry_note);
  if (!in.registry_note.empty()) spdlog::info("{}", in.registry_note);
  in.registry = load_registry_config(o.files.registry_config);
  auto hosts = read_file_if_exists(o.files.hosts_toml);
  if (!hosts) throw bad_input(o.files.hosts_toml.string(), 0, "hosts.toml not found");
  in.hosts_toml = *hosts;
  parse_hosts_toml(in.hosts_toml, o.files.hosts_toml.string());
  in.upstream_hosts_tomls = read_upstream_hosts_tomls(o.files.certs_d, o.upstreams);
  const auto images = load_test_image_list(o.files.images);
  // Every machine's nodes hold the images (--machines N).
  const size_t nodes = in.kind.nodes.size() * static_cast<size_t>(std::max(1, o.local.machines));
  in.node_storage = choose_node_storage(o.local.node_storage, nodes, images, memory_available());
  in.node_config = apply_containerd_patches(kind_base_containerd_config(), in.kind.containerd_patches);
  for (const auto& skipped : in.node_config.skipped) spdlog::warn("{}", skipped);
  if (!in.registry.proxy_remote_url) {
    spdlog::warn("{} has no proxy section: kind-registry will not cache Docker Hub", o.files.registry_config.string());
  }
  in.subnet = parse_subnet(o.local.subnet);
  if (in.kind.nodes.size() + kFirstNodeIndex > in.subnet.capacity()) {
    throw bad_flag("--subnet " + o.local.subnet, "too small for " + std::to_string(in.kind.nodes.size()) + " nodes");
  }
  check_machines(o.local.machines, in.subnet, in.kind.nodes.size());
  in.machines = o.local.machines;
  in.team = in.machines > 1 && !o.local.per_machine_caches;
  if (in.team) check_team_prerequisites(o.files.team);
  return in;
}

InputFiles absolute_files(const EnvironmentOptions& o) {
  auto absolute = [](const fs::path& p) { return p.empty() ? fs::path() : fs::absolute(p); };
  InputFiles f;
  f.kind_config = fs::absolute(o.files.kind_config);
  f.registry_config = fs::absolute(o.files.registry_config);
  f.hosts_toml = fs::absolute(o.files.hosts_toml);
  f.images = fs::absolute(o.files.images);
  f.registry_start = absolute(o.files.registry_start);
  f.team = absolute(o.files.team);
  f.registry_front = fs::absolute(o.files.registry_front);
  f.certs_d = absolute(o.files.certs_d);
  return f;
}

// /etc/netns/NS/* is bind-mounted over /etc/* by `ip netns exec NS`.
void write_netns_etc(LabState& lab, const Topology& topology, const Host& host) {
  const fs::path dir = fs::path("/etc/netns") / host.namespace_name;
  if (std::find(lab.etc_dirs.begin(), lab.etc_dirs.end(), dir) == lab.etc_dirs.end()) lab.etc_dirs.push_back(dir);
  write_file_atomic(dir / "hosts", hosts_file(topology, host));
  if (host.resolves_by_dns) {
    // kind-registry-front's nginx resolves while it runs, through DNS only:
    // the lab's DNS, from the same names, where Docker's DNS answers a container.
    write_file_atomic(dir / "resolv.conf", "# written by mirrorgate: the lab's DNS answers from the lab's hosts file\n"
                                           "nameserver " + std::string(kLabDnsAddress) + "\n");
    return;
  }
  // No nameserver: names outside the lab fail at once inside the namespace.
  write_file_atomic(dir / "resolv.conf", "# written by mirrorgate: the lab has no DNS; names come from /etc/hosts\n");
}

// The run's state before anything exists: names, addresses, paths.
std::unique_ptr<LocalEnvironment> plan(const fs::path& state_dir, const EnvironmentOptions& o, const Inputs& in) {
  RunState run;
  run.backend = kBackendName;
  run.state_dir = state_dir;
  run.cluster = in.kind.name;
  run.created_at = utc_stamp();
  run.files = absolute_files(o);
  run.hosts_toml_nodes = o.hosts_toml_nodes;
  run.hosts_toml_path = o.hosts_toml_path;
  run.platform = host_platform();
  run.containerd = in.generation->name;
  run.registry = in.registry_generation->name;
  run.registry_note = in.registry_note;
  run.image_store = fs::absolute(o.image_store);
  run.registry_data = state_dir / "registry-data";
  run.node_storage = in.node_storage.in_memory ? "memory" : "disk";
  run.hub_data = state_dir / "hub" / "data";
  run.upstream_rate = o.upstream_rate;
  run.start_timeout = o.start_timeout;
  run.hub_quota = o.hub_quota;
  run.hub_account_quota = o.hub_account_quota;
  run.harness_address = in.subnet.address(kHostIndex);
  run.machines = in.machines;
  // Two or more machines cache through the team tier: every kind-registry's
  // upstream is the team cache (setup-registry.sh --team-cache), so none
  // runs a front of its own; the replicas do. Without it
  // (--per-machine-caches) each machine caches Docker Hub as one alone does.
  if (in.team) run.team_cache_url = team_cache_url();

  TopologyInputs t;
  t.instance = o.local.instance;
  t.subnet = in.subnet;
  t.state_dir = state_dir;
  t.registry_data = run.registry_data;
  t.hub_data = run.hub_data;
  t.cluster = in.kind.name;
  for (const auto& n : in.kind.nodes) t.node_roles.push_back(n.role);
  t.machines = in.machines;
  t.team = in.team;
  t.upstreams = o.upstreams;
  t.front = proxies_through_front(in.registry);
  t.mirror_port = in.registry.listen_port;
  const Topology topology = plan_topology(t);

  // The state's records, one for each host of the plan, with its logs.
  LabState lab;
  lab.instance = o.local.instance;
  lab.subnet = in.subnet.str();
  lab.mirror_port = in.registry.listen_port;
  lab.containerd_bin = generation_bin_dir(*in.generation);
  const fs::path logs = run.run_dir() / "logs";
  auto process = [&](const Host& h, const std::string& file, bool access_log) {
    return LabProcess{h.namespace_name, h.address, {}, logs / (file + ".log"),
                      access_log ? logs / (file + ".access.log") : fs::path()};
  };
  const auto names = lab_names(lab.instance);
  for (const auto& h : topology.hosts) {
    switch (h.role) {
      case HostRole::hub:
        run.hub_address = h.address;
        lab.hub = {h.namespace_name, h.address, {}, logs / "hub.log", logs / "hub-registry.access.log"};
        lab.hub_front = {h.namespace_name, h.address, {}, logs / "hub-front.log", logs / "hub.access.log"};
        break;
      case HostRole::mirror:
        if (h.machine == 1) {
          run.mirror_address = h.address;
          run.mirror_url = "http://" + h.address + ":" + std::to_string(in.registry.listen_port);
          lab.mirror = process(h, "kind-registry", true);
          if (h.resolves_by_dns) {
            lab.front = process(h, "kind-registry-front", true);
            lab.dns = {h.namespace_name, kLabDnsAddress, {}, logs / "lab-dns.log", {}};
            lab.nginx_bin = nginx_bin_dir();
          }
        } else {
          LabMachine m{h.machine, process(h, h.key, true), machine_data_dir(state_dir, h.machine), {}, {}, {}};
          if (h.resolves_by_dns) {
            const std::string prefix = LabNames::machine_prefix(h.machine);
            m.front = process(h, prefix + "kind-registry-front", true);
            m.dns = {h.namespace_name, kLabDnsAddress, {}, logs / (prefix + "lab-dns.log"), {}};
            m.front_run_dir = names.front_run_dir.parent_path() / (prefix + "kind-registry-front");
            lab.nginx_bin = nginx_bin_dir();
          }
          lab.machines.push_back(std::move(m));
        }
        break;
      case HostRole::cache:
        run.caches.push_back({h.registry, "http://" + h.address + ":" + std::to_string(in.registry.listen_port),
                              h.address, cache_data_dir(run.registry_data, h.registry)});
        lab.caches.push_back({h.registry, process(h, h.key, true)});
        break;
      case HostRole::team_store:
        lab.team.dir = team_dir(state_dir);
        lab.team.mon = {h.namespace_name, h.address, {}, logs / "team-store.mon.out.log", {}};
        lab.team.osd = {h.namespace_name, h.address, {}, logs / "team-store.osd.out.log", {}};
        lab.team.rgw = {h.namespace_name, h.address, {}, logs / "team-store.rgw.out.log", {}};
        break;
      case HostRole::team_redis:
        lab.team.redis = {h.namespace_name, h.address, {}, logs / "team-redis.log", logs / "team-redis.out.log"};
        break;
      case HostRole::team_replica: {
        LabReplica replica;
        replica.registry = process(h, h.key, true);
        replica.front = process(h, h.key + "-front", true);
        replica.dns = {h.namespace_name, kLabDnsAddress, {}, logs / (h.key + "-dns.log"), {}};
        replica.front_run_dir = names.front_run_dir.parent_path() / (h.key + "-front");
        lab.team.replicas.push_back(std::move(replica));
        lab.nginx_bin = nginx_bin_dir();  // the replicas' fronts
        break;
      }
      case HostRole::team_cache:
        lab.team.haproxy = process(h, "team-cache", true);
        break;
      case HostRole::node: {
        LabNode n;
        n.name = h.key;
        n.role = in.kind.nodes.at(static_cast<size_t>(h.ordinal)).role;
        n.machine = h.machine;
        n.containerd = {h.namespace_name, h.address, {}, logs / (n.name + ".containerd.log"), {}};
        const fs::path node_dir = h.data.front().path;
        n.root = node_dir / "root";
        n.root_in_memory = in.node_storage.in_memory;
        n.state = node_dir / "state";
        n.socket = node_dir / "containerd.sock";
        n.etc = fs::path("/etc/netns") / n.containerd.namespace_name;
        if (n.socket.string().size() > kMaxSocketPath) {
          throw bad_flag("--state " + state_dir.string(), "the CRI socket path " + n.socket.string() +
                                                              " is longer than a unix socket allows (" +
                                                              std::to_string(kMaxSocketPath) + "); use a shorter one");
        }
        lab.nodes.push_back(std::move(n));
        break;
      }
    }
  }
  run.backend_state = lab;
  auto env = std::make_unique<LocalEnvironment>(std::move(run));
  env->save();  // fills the node list; written again before the first resource
  return env;
}

// Every daemon of the plan the state holds a record of, in the order the
// plan lists them (each host's in start order), with what to call it.
struct NamedDaemon {
  std::string name;
  DaemonHandle daemon;
};

std::vector<NamedDaemon> daemons_of(const Topology& plan, const LabState& lab) {
  std::vector<NamedDaemon> out;
  for (const auto& h : plan.hosts) {
    for (const auto& d : h.daemons) {
      if (const auto* p = record_of(lab, h, d)) out.push_back({d.name, p->daemon});
    }
  }
  return out;
}

// True when not one daemon the state records still runs: what is left are the
// namespaces and links of a run that was killed (SIGKILL, a closed session).
bool only_remains(const RunState& run) {
  const auto& lab = run.backend_state.get<LabState>();
  const auto daemons = daemons_of(topology_of(run, lab), lab);
  return std::none_of(daemons.begin(), daemons.end(),
                      [](const NamedDaemon& d) { return d.daemon.pid > 0 && is_running(d.daemon); });
}

// Another state directory owns the lab's namespaces. Its remains, provably the
// lab's (its state file lists them), are taken down; a lab that runs is not.
void clear_other_lab(const fs::path& state_dir, const LabNames& names) {
  const auto owner = read_file_if_exists(names.owner_file);
  if (!owner || !netns_exists(names.switch_namespace) || fs::path(*owner) == state_dir) return;
  const auto other = load_state(*owner);
  if (!other || other->backend != kBackendName || !only_remains(*other)) {
    throw std::runtime_error("another lab is up, from " + *owner + "; only one lab runs at a time. Take it down with: "
                             "mirrorgate down --state " + *owner);
  }
  spdlog::warn("the lab in {} was left behind by a run that was killed (none of its daemons runs); taking down its "
               "namespaces and links first (its cache stays)", *owner);
  const auto report = backend().take_down(*other, false);
  if (!report.leftovers.empty()) {
    throw std::runtime_error("could not take down the remains of the lab in " + *owner + " (" + report.leftovers.front() +
                             "); see `mirrorgate status --state " + *owner + "`");
  }
}

// Refuses to touch namespaces, links or routes that are not the lab's.
void refuse_conflicts(const LocalEnvironment& env, const Subnet& subnet) {
  const auto& state_dir = env.state().state_dir;
  const auto names = lab_names(env.lab().instance);
  clear_other_lab(state_dir, names);
  for (const auto& ns : topology_of(env.state(), env.lab()).namespaces()) {
    if (netns_exists(ns)) {
      throw std::runtime_error("network namespace " + ns + " already exists and is not part of a lab in " +
                               state_dir.string() + "; another lab or tool uses it. Remove it with `ip netns del " + ns +
                               "` if it is stale, or use another --state/--name.");
    }
  }
  if (link_exists(names.host_link)) {
    throw std::runtime_error("link " + names.host_link + " already exists; another lab is up (see `mirrorgate "
                             "status`) or it is stale (`ip link del " + names.host_link + "`)");
  }
  if (auto route = conflicting_route(subnet, run({"ip", "-4", "route", "show"}).out)) {
    throw bad_flag("--subnet " + subnet.str(), "overlaps the host route '" + *route +
                                                   "'; choose a free one, e.g. --subnet 10.78.0.0/24");
  }
}

// The switch (a bridge in its own namespace), the host's link into it, and
// one namespace per host plugged into it.
void create_network(LocalEnvironment& env, const Subnet& subnet) {
  auto& lab = env.lab();
  const Topology topology = topology_of(env.state(), lab);
  spdlog::info("creating the lab network {} ({} namespaces)", lab.subnet, topology.namespaces().size());
  const auto names = lab_names(lab.instance);
  const std::string& sw = names.switch_namespace;
  lab.switch_namespace = sw;
  ip({"netns", "add", sw});
  lab.namespaces.push_back(sw);
  env.save();
  write_file_atomic(names.owner_file, env.state().state_dir.string());
  ip({"link", "add", "br0", "type", "bridge"}, sw);
  ip({"link", "set", "br0", "up"}, sw);
  ip({"link", "set", "lo", "up"}, sw);
  ip({"link", "add", names.host_link, "type", "veth", "peer", "name", "to-host", "netns", sw});
  lab.host_link = names.host_link;
  env.save();
  const std::string prefix = "/" + std::to_string(subnet.prefix);
  ip({"addr", "add", env.harness_address() + prefix, "dev", names.host_link});
  ip({"link", "set", names.host_link, "up"});
  ip({"link", "set", "to-host", "master", "br0", "up"}, sw);

  const auto& hosts = topology.hosts;
  // One `ip -batch` for each side rather than an `ip` a command (each
  // namespace took six, ~140 ms). Every namespace is recorded before it is
  // made: a failure part way is torn down from the state file.
  std::vector<std::string> add_namespaces, plug_in;
  int port_index = 0;
  for (const auto& h : hosts) {
    const std::string& ns = h.namespace_name;
    lab.namespaces.push_back(ns);
    add_namespaces.push_back("netns add " + ns);
    const std::string port = "port" + std::to_string(port_index++);
    plug_in.push_back("link add " + port + " type veth peer name eth0 netns " + ns);
    plug_in.push_back("link set " + port + " master br0 up");
  }
  env.save();
  throw_if_interrupted("creating the lab network");
  {
    DebugTimer timer(std::to_string(hosts.size()) + " namespaces made and plugged into the switch");
    ip_batch(add_namespaces);
    ip_batch(plug_in, sw);
    for (const auto& h : hosts) {
      ip_batch({"link set lo up", "addr add " + h.address + prefix + " dev eth0", "link set eth0 up"},
               h.namespace_name);
      write_netns_etc(lab, topology, h);
    }
  }
  env.save();
}

// With the upstream's link down, every connect to it waits for Go's dial
// timeout, 30 s: kind-registry's check of each tag before it serves its
// cached copy, and a node's fallback straight to the upstream. In the lab's
// namespaces the kernel gives up after one SYN retransmission instead
// (~3 s): the same timeout path in distribution and containerd, packets
// still dropped, without waiting it out on every pull. Only the lab's own
// namespaces change, never the host: each is written from a thread inside
// it, where /proc/sys/net is that namespace's. The hub connects to nothing.
void shorten_connect_timeouts(const RunState& run, const LabState& lab) {
  for (const auto& h : topology_of(run, lab).hosts) {
    if (h.role == HostRole::hub) continue;
    run_in_netns(fs::path("/run/netns") / h.namespace_name, [&] {
      std::ofstream out("/proc/sys/net/ipv4/tcp_syn_retries");
      out << "1\n" << std::flush;
      if (!out) throw std::runtime_error("cannot set net.ipv4.tcp_syn_retries in network namespace " + h.namespace_name);
    });
  }
}

// What kind writes into the node (its base config and the kind config's
// patches), plus what the lab alone needs because its nodes share one host:
// a socket path of their own for containerd's NRI (2.x enables it and every
// node would bind /var/run/nri/nri.sock). Nothing of the registry settings.
std::string node_config_toml(const Inputs& in, const LabNode& n) {
  auto patches = in.kind.containerd_patches;
  patches.push_back({"[plugins.\"io.containerd.nri.v1.nri\"]\n  socket_path = \"" + (n.state / "nri.sock").string() + "\"\n",
                     "the lab's own NRI socket for " + n.name});
  return apply_containerd_patches(kind_base_containerd_config(), patches).toml;
}

// Every node's containerd, configured as kind configures it, with hosts.toml
// written first: containerd reads certs.d on each pull, kind writes it once.
// Started, not waited for (wait_for_node).
void launch_nodes(LocalEnvironment& env, const Inputs& in) {
  spdlog::info("{}", in.node_storage.why);
  for (const auto& n : env.lab().nodes) {
    env.write_node_file(n.name, "/etc/containerd/config.toml", node_config_toml(in, n));
  }
  install_hosts_toml(env, env.nodes(), in.hosts_toml, env.files().hosts_toml.string(),
                     hosts_toml_nodes_of(env.state().hosts_toml_nodes, kDockerIo), env.state().hosts_toml_path);
  install_upstream_hosts_tomls(env, env.nodes(), in.upstream_hosts_tomls, env.state().hosts_toml_nodes);
  for (auto& n : env.lab().nodes) {
    throw_if_interrupted("starting the nodes");
    spdlog::info("starting node {} ({}, containerd {} at {})", n.name, n.role, env.generation(), n.containerd.address);
    start_node(env, n);
  }
}

// The namespaces a state file may name: those of the plan of what in it
// the lab can trust (topology_of). Anything else it lists is not the lab's,
// whatever the file says, and is left alone.
bool is_own_namespace(const Topology& plan, const std::string& ns) {
  return ns == plan.switch_namespace || plan.host_in(ns) != nullptr;
}

// /etc/netns/NAME for one of the lab's own namespace names.
bool is_own_etc_dir(const Topology& plan, const fs::path& dir) {
  const auto name = dir.filename().string();
  return dir == fs::path("/etc/netns") / name && is_own_namespace(plan, name);
}

void collect_logs(const RunState& run, const LabState& lab, const Topology& plan) {
  const fs::path dir = run.run_dir();
  fs::create_directories(dir);
  std::error_code ec;
  fs::copy_file(state_file(run.state_dir), dir / "state.json", fs::copy_options::overwrite_existing, ec);
  for (const auto& n : lab.nodes) {
    // From the lab's names, not from the path the file lists.
    const auto ns = lab_names(lab.instance).node(n.name);
    if (!is_own_namespace(plan, ns)) continue;  // not a node the lab makes; no path of it
    std::vector<std::string> files{"containerd/config.toml", "containerd/certs.d/docker.io/hosts.toml"};
    for (const auto& c : lab.caches) files.push_back(hosts_toml_path_of(c.registry).substr(5));  // under /etc/
    for (const auto& rel : files) {
      if (rel.find("..") != std::string::npos) continue;
      const fs::path src = fs::path("/etc/netns") / ns / rel;
      if (!fs::exists(src)) continue;
      const fs::path dst = dir / "nodes" / n.name / rel;
      fs::create_directories(dst.parent_path());
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    }
  }
}

// In reverse order of start: the nodes first, the hub last.
void stop_daemons(const Topology& plan, const LabState& lab, std::vector<std::string>& problems) {
  const auto daemons = daemons_of(plan, lab);
  for (auto d = daemons.rbegin(); d != daemons.rend(); ++d) {
    if (!stop_daemon(d->daemon)) problems.push_back(d->name + " (pid " + std::to_string(d->daemon.pid) + ") did not stop");
  }
}

// Whether the plan runs a kind-registry-front (beside a kind-registry or a
// team replica): their run directories live under the lab instance's.
bool runs_fronts(const Topology& plan) {
  return std::any_of(plan.hosts.begin(), plan.hosts.end(), [](const Host& h) { return h.resolves_by_dns; });
}

// A teardown step: its failure becomes a problem to report, never an exception.
void attempt_step(std::vector<std::string>& problems, const std::string& what, const std::function<void()>& step) {
  try {
    step();
  } catch (const std::exception& e) {
    problems.push_back(what + ": " + e.what());
  }
}

void left_alone(std::vector<std::string>& problems, const std::string& what) {
  problems.push_back("the state file names " + what + ", which is not the lab's; left alone");
}

// The host link, the namespaces and their /etc/netns directories, each only
// under a name the lab gives.
void remove_network(const LabState& lab, const Topology& plan, std::vector<std::string>& problems) {
  auto attempt = [&](const std::string& what, const std::function<void()>& step) { attempt_step(problems, what, step); };
  auto foreign = [&](const std::string& what) { left_alone(problems, what); };
  if (!lab.host_link.empty() && lab.host_link != lab_names(lab.instance).host_link) {
    foreign("link " + lab.host_link);
  } else if (!lab.host_link.empty() && link_exists(lab.host_link)) {
    attempt("deleting link " + lab.host_link, [&] { ip({"link", "del", lab.host_link}); });
  }
  for (auto it = lab.namespaces.rbegin(); it != lab.namespaces.rend(); ++it) {
    if (!is_own_namespace(plan, *it)) {
      foreign("network namespace " + *it);
    } else if (netns_exists(*it)) {
      attempt("deleting namespace " + *it, [&] { ip({"netns", "del", *it}); });
    }
  }
  for (const auto& dir : lab.etc_dirs) {
    if (!is_own_etc_dir(plan, dir)) {
      foreign("directory " + dir.string());
      continue;
    }
    attempt("removing " + dir.string(), [&] { remove_owned_tree(dir, "/etc/netns"); });
  }
}

// Tears down whatever the state records, in reverse order of creation, and
// only what the lab can prove it made: its own namespace and link names,
// /etc/netns/<those names>, directories inside the state directory, daemons
// whose start time and executable match. Never throws; returns what could
// not be removed and what the file named that is not the lab's.
std::vector<std::string> teardown(const RunState& run, const LabState& lab, bool purge) {
  std::vector<std::string> problems;
  auto attempt = [&](const std::string& what, const std::function<void()>& step) { attempt_step(problems, what, step); };
  auto foreign = [&](const std::string& what) { left_alone(problems, what); };
  // The plan of what the file may name, made once: every step below acts on it.
  const Topology plan = topology_of(run, lab);
  attempt("collecting logs", [&] { collect_logs(run, lab, plan); });
  stop_daemons(plan, lab, problems);
  // The lab's network names are fixed: while another state directory owns
  // them (LabNames::owner_file), they are that run's, whatever this file lists.
  const auto owner_file = lab_names(lab.instance).owner_file;
  const auto owner = read_file_if_exists(owner_file);
  if (owner && fs::path(*owner) != run.state_dir) {
    problems.push_back("the lab's network belongs to the run in " + *owner + "; left alone");
  } else {
    remove_network(lab, plan, problems);
    if (runs_fronts(plan)) {
      // Its name is the lab instance's, and the owner file says the instance is this run's.
      const fs::path instance_dir = front_run_dir(lab).parent_path();
      attempt("removing kind-registry-front's run directory " + instance_dir.string(),
              [&] { remove_owned_tree(instance_dir, kLabRunBase); });
    }
    std::error_code ec;
    if (owner) fs::remove(owner_file, ec);
  }
  for (const auto& n : lab.nodes) {
    if (!is_own_namespace(plan, lab_names(lab.instance).node(n.name))) foreign("node " + n.name);
  }
  // Each host's data, from the plan (the state directory and the lab's
  // names), not from the paths the file lists. What goes with its host (a
  // node's disk, as with `kind delete cluster`) goes now; a cache or a
  // store only with --purge.
  for (const auto& h : plan.hosts) {
    for (const auto& d : h.data) {
      if (d.path.empty() || (d.rule == DataRule::kept_until_purge && !purge)) continue;
      // A node's root may be a tmpfs of its own (node_storage.h): only that is unmounted.
      if (h.role == HostRole::node) {
        attempt("unmounting " + (d.path / "root").string(), [&] { unmount_node_root(d.path / "root"); });
      }
      attempt("removing " + d.path.string(), [&] { remove_owned_tree(d.path, run.state_dir); });
    }
  }
  if (purge) {
    // A team store or other machines' caches that an earlier lab of other
    // machines left in this state directory (up --machines 3, then
    // --per-machine-caches): under the lab's names, inside the state directory.
    for (const auto& dir : {team_dir(run.state_dir), run.state_dir / "machines"}) {
      attempt("removing " + dir.string(), [&] { remove_owned_tree(dir, run.state_dir); });
    }
  }
  // Images the scenarios made up for one run.
  attempt("removing unique test images", [&] { remove_owned_tree(run.state_dir / "unique-images", run.state_dir); });
  // A scenario's small disk, when it did not take it back: the cache's own
  // storage is the one before it.
  attempt("unmounting the small disk", [&] { unmount_small_disk(small_disk_dir(run)); });
  attempt("removing the small disk", [&] { remove_owned_tree(small_disk_dir(run), run.state_dir); });
  return problems;
}

std::vector<std::string> mounts_of(const RunState& run, const LabState& lab) {
  std::vector<std::string> out;
  for (const auto& target : mount_points()) {
    bool ours = is_strictly_under(target, run.state_dir);
    for (const auto& ns : lab.namespaces) ours = ours || target == fs::path("/run/netns") / ns;
    if (ours) out.push_back("mount " + target.string());
  }
  return out;
}

// What is still there of the lab; names the file lists that are not the
// lab's are reported by teardown as left alone, not here.
std::vector<std::string> leftovers_of(const RunState& run, const LabState& lab) {
  const Topology plan = topology_of(run, lab);
  std::vector<std::string> out;
  for (const auto& ns : lab.namespaces) {
    if (is_own_namespace(plan, ns) && netns_exists(ns)) out.push_back("network namespace " + ns);
  }
  if (lab.host_link == lab_names(lab.instance).host_link && link_exists(lab.host_link)) {
    out.push_back("link " + lab.host_link);
  }
  for (const auto& d : daemons_of(plan, lab)) {
    if (is_running(d.daemon)) out.push_back("process " + std::to_string(d.daemon.pid) + " (" + d.name + ")");
  }
  for (auto& m : mounts_of(run, lab)) out.push_back(std::move(m));
  if (runs_fronts(plan) && fs::exists(front_run_dir(lab).parent_path())) {
    const auto owner = read_file_if_exists(lab_names(lab.instance).owner_file);
    if (!owner || fs::path(*owner) == run.state_dir) {
      out.push_back("directory " + front_run_dir(lab).parent_path().string());
    }
  }
  for (const auto& dir : lab.etc_dirs) {
    if (is_own_etc_dir(plan, dir) && fs::exists(dir)) out.push_back("directory " + dir.string());
  }
  return out;
}

bool is_healthy(const RunState& run) {
  if (!run.complete) return false;
  for (const auto& h : LocalEnvironment(run).health()) {
    if (!h.running || !h.answering) return false;
  }
  return true;
}

bool same_inputs(const RunState& run, const EnvironmentOptions& o) {
  const auto files = absolute_files(o);
  return run.files.kind_config == files.kind_config && run.files.registry_config == files.registry_config &&
         run.files.hosts_toml == files.hosts_toml && run.files.images == files.images &&
         run.files.registry_start == files.registry_start && run.files.registry_front == files.registry_front &&
         run.files.certs_d == files.certs_d && run.caches.size() == o.upstreams.size() &&
         run.machines == o.local.machines &&
         (run.team_cache_url.empty() == (o.local.machines < 2 || o.local.per_machine_caches)) &&
         std::equal(o.upstreams.begin(), o.upstreams.end(), run.caches.begin(),
                    [](const std::string& u, const RunCache& c) { return u == c.registry; }) &&
         run.hosts_toml_nodes == o.hosts_toml_nodes && run.hosts_toml_path == o.hosts_toml_path &&
         (o.containerd.empty() || run.containerd == o.containerd) && (o.registry.empty() || run.registry == o.registry);
}

// A healthy lab from the same files is reused (with the rate asked for); a
// lab from other files is in the way; a broken one is taken down first.
std::unique_ptr<LocalEnvironment> reuse_running(const fs::path& state_dir, const EnvironmentOptions& o) {
  auto existing = load_state(state_dir);
  if (!existing) return nullptr;
  if (existing->backend != kBackendName) {
    throw std::runtime_error("a " + existing->backend + " run is up in " + state_dir.string() + "; run `mirrorgate down --state " +
                             state_dir.string() + "` first, or use another --state");
  }
  if (!is_healthy(*existing)) {
    spdlog::warn("a lab in {} is not healthy (interrupted or crashed); tearing down its remains first (cached data stays)",
                 state_dir.string());
    (void)backend().take_down(*existing, false);
    return nullptr;
  }
  if (!same_inputs(*existing, o)) {
    throw std::runtime_error("a lab from other files is already up in " + state_dir.string() +
                             "; run `mirrorgate down --state " + state_dir.string() + "` first");
  }
  spdlog::info("a lab is already up from the same files in {}; reusing it", state_dir.string());
  auto env = std::make_unique<LocalEnvironment>(std::move(*existing));
  if (env->upstream_rate() != o.upstream_rate) {
    spdlog::info("upstream rate: {} -> {}", env->upstream_rate().empty() ? "unlimited" : env->upstream_rate(),
                 o.upstream_rate.empty() ? "unlimited" : o.upstream_rate);
    env->set_upstream_rate(o.upstream_rate);
  }
  return env;
}

// One lab coming up. Every resource is recorded in the state file before it
// is created, so a failure or Ctrl-C tears down exactly what exists.
class LabBringUp final : public BringUpOf<LocalEnvironment> {
 public:
  explicit LabBringUp(const EnvironmentOptions& o) : o_(o), in_(read_inputs(o)) {}

  std::unique_ptr<Environment> reuse_running(const fs::path& state_dir) override {
    return local::reuse_running(state_dir, o_);
  }

  void plan(const fs::path& state_dir) override {
    env_ = local::plan(state_dir, o_, in_);
    try {
      refuse_conflicts(*env_, in_.subnet);
    } catch (...) {
      std::error_code ec;  // nothing was created: no state either
      fs::remove(state_file(state_dir), ec);
      throw;
    }
    env_->save();
  }

  std::vector<BringUpStep> steps() override {
    auto& env = *env_;
    std::vector<BringUpStep> out{
        {"making the test images and the hub's certificates",
         [&] {
           store_.emplace(env.image_store());
           images_ = build_test_images(env.files().images, *store_);
           const auto pki = make_hub_pki(env.state_dir());
           env.mutable_state().ca_file = pki.ca_file;
           env.mutable_state().ca_bundle = pki.ca_bundle;
         }},
        {"creating the lab network",
         [&] {
           create_network(env, in_.subnet);
           shorten_connect_timeouts(env.state(), env.lab());
           if (!env.upstream_rate().empty()) {
             spdlog::info("shaping the hub's link to {}", env.upstream_rate());
             apply_upstream_rate(env.lab(), env.upstream_rate());
           }
         }},
        // What waits for nothing starts at once (the hub, kind-registry-front
        // and the nodes' containerd), and is waited for after; kind-registry
        // asks its upstream as it starts, so it comes once the hub and the
        // front answer.
        {"starting the hub, kind-registry-front and the nodes",
         [&] {
           HubSeedCache seed_cache(*store_, images_);
           seed_cache.restore_into(env.state().hub_data);
           spdlog::info("starting the hub ({} at {})", kDockerHubApiHost, env.lab().hub.address);
           launch_hub(env);
           const bool front = !env.lab().front.namespace_name.empty();
           if (front) {
             spdlog::info("starting kind-registry-front from {} (nginx {})", env.files().registry_front.string(),
                          env.lab().nginx_bin.string());
             launch_front(env);
           }
           for (auto& m : env.lab().machines) {
             if (m.front.namespace_name.empty()) continue;
             spdlog::info("starting machine {}'s kind-registry-front ({})", m.number, m.front.address);
             launch_front_at(env, m.front, m.dns, m.front_run_dir);
           }
           launch_nodes(env, in_);
           wait_for_hub(env, o_.start_timeout);
           env.mutable_state().seeded_images = seed_hub(env.upstream(), images_, *store_, env.platform(),
                                                                env.state().hub_data);
           seed_cache.keep(env.state().hub_data);
           if (front) wait_for_front(env, o_.start_timeout);
           for (const auto& m : env.lab().machines) {
             if (!m.front.namespace_name.empty()) wait_for_front_at(m.front, m.dns, o_.start_timeout);
           }
         }},
        {env.lab().caches.empty() ? "starting kind-registry" : "starting kind-registry and the other caches",
         [&] {
           if (env.lab().team.enabled()) start_team(env, o_.start_timeout);
           spdlog::info("starting kind-registry from {} ({})", env.files().registry_config.string(),
                        env.state().mirror_url);
           launch_mirror(env);
           for (auto& c : env.lab().caches) {
             spdlog::info("starting {} for {} ({}:5000)", cache_host(c.registry), c.registry, c.process.address);
             launch_cache(env, c);
           }
           for (auto& m : env.lab().machines) {
             spdlog::info("starting machine {}'s kind-registry ({}), {}", m.number, m.mirror.address,
                          env.lab().team.enabled() ? "through the team cache" : "caching Docker Hub itself");
             launch_registry(env, m.mirror, m.data, env.state().team_cache_url);
           }
           wait_for_mirror(env, o_.start_timeout);
           for (const auto& m : env.lab().machines) {
             wait_until("machine " + std::to_string(m.number) + "'s kind-registry",
                        answers(RegistryClient("http://" + m.mirror.address + ":" + std::to_string(env.lab().mirror_port))),
                        m.mirror, o_.start_timeout);
           }
           for (const auto& c : env.lab().caches) wait_for_cache(env, c, o_.start_timeout);
         }},
        {"waiting for the nodes",
         [&] {
           for (const auto& n : env.lab().nodes) wait_for_node(n, o_.start_timeout);
         }},
    };
    return out;
  }

  std::vector<std::string> undo() override { return teardown(env_->state(), env_->lab(), false); }

 private:
  EnvironmentOptions o_;
  Inputs in_;
  std::optional<TestImageStore> store_;
  std::vector<TestImage> images_;
};

}  // namespace

std::string missing_commands(const std::vector<std::string>& commands) {
  std::string list;
  for (const auto& cmd : commands) {
    if (!run({"sh", "-c", "command -v \"$0\"", cmd}, {.check = false}).ok()) list += (list.empty() ? "" : ", ") + cmd;
  }
  return list;
}

void check_prerequisites() {
  if (::geteuid() != 0) {
    throw missing_prerequisite(
        "the embedded lab creates network namespaces and runs containerd: run it as root (sudo mirrorgate …)");
  }
  const auto missing = missing_commands({"ip", "tc", "docker-registry", "containerd", "ctr", "openssl", "busybox"});
  if (!missing.empty()) {
    throw missing_prerequisite("missing commands: " + missing +
                               ". Install them with: ci/setup.sh (or apt-get install iproute2 docker-registry "
                               "containerd openssl busybox-static)");
  }
  // `ip netns exec` can only bind /etc/netns/NODE/containerd over an existing /etc/containerd.
  if (!fs::is_directory("/etc/containerd")) {
    throw missing_prerequisite("/etc/containerd does not exist; it comes with Debian's containerd package: "
                               "apt-get install --reinstall containerd");
  }
}

namespace {

class LabBackend final : public Backend {
 public:
  std::string name() const override { return kBackendName; }
  std::string summary() const override { return "the embedded lab (no Docker)"; }

  void validate(const EnvironmentOptions& o) const override {
    // The kind backend's own flags: on the lab they would do nothing.
    std::vector<std::string> kind_only;
    if (!o.kind.node_image.empty()) kind_only.push_back("--node-image");
    if (o.kind.registry_port != EnvironmentOptions::Kind{}.registry_port) kind_only.push_back("--registry-port");
    if (o.kind.stand_in_hub) kind_only.push_back("--stand-in-hub");
    const auto registries = stand_in_registries();
    for (const auto& u : o.upstreams) {
      if (std::find(registries.begin(), registries.end(), u) == registries.end()) {
        std::string known;
        for (const auto& r : registries) known += (known.empty() ? "" : ", ") + r;
        throw bad_flag("--upstream " + u, "the embedded lab's stand-in world has no " + u + "; it serves docker.io, " +
                                              known + " (on your own cluster, registry/setup-registry.sh --upstream " +
                                              u + " caches it)");
      }
    }
    if (o.upstreams.size() > kMaxUpstreams) {
      throw bad_flag("--upstream", "the lab caches at most " + std::to_string(kMaxUpstreams) + " registries besides docker.io");
    }
    if (!kind_only.empty()) {
      std::string flags;
      for (const auto& f : kind_only) flags += (flags.empty() ? "" : ", ") + f;
      throw bad_flag(flags, "the kind backend's; the embedded lab has no node image, publishes no port and always "
                            "runs the Docker Hub stand-in (add --backend kind, or leave it out)");
    }
  }

  void check_prerequisites() const override { local::check_prerequisites(); }

  std::unique_ptr<BringUp> read_inputs(const EnvironmentOptions& o) const override {
    return std::make_unique<LabBringUp>(o);
  }

  std::vector<std::string> teardown(const RunState& run, bool purge) const override {
    local::check_prerequisites();
    return local::teardown(run, run.backend_state.get<LabState>(), purge);
  }

  std::vector<std::string> leftovers(const RunState& run) const override {
    return leftovers_of(run, run.backend_state.get<LabState>());
  }

  std::string removed_summary() const override {
    return "lab removed: no namespace, link, process or mount of it is left";
  }

  std::unique_ptr<Environment> attach(RunState state) const override {
    return std::make_unique<LocalEnvironment>(std::move(state));
  }

  // Lab k beside lab 0: names of its own (lab_names), the k-th subnet after
  // lab 0's, its own state directory (its own cache, kept as lab 0's is).
  std::optional<EnvironmentOptions> beside(const EnvironmentOptions& o, int k) const override {
    if (k < 1 || k > kMaxLabInstance || o.local.instance != 0) return std::nullopt;
    auto side = o;
    side.local.instance = k;
    side.state_dir = beside_state_dir(o.state_dir, k);
    Subnet subnet = parse_subnet(o.local.subnet);
    if (subnet.prefix < 8) return std::nullopt;
    subnet.network += static_cast<uint32_t>(k) << (32 - subnet.prefix);
    side.local.subnet = subnet.str();
    return side;
  }

  std::unique_ptr<Environment> attach_live(const std::string&) const override {
    throw bad_flag("--live", "looks at a running kind cluster and its kind-registry; add --backend kind --name CLUSTER "
                             "(the embedded lab is checked by verify without --live)");
  }
};

}  // namespace

const Backend& backend() {
  static const LabBackend lab;
  return lab;
}

}  // namespace mirrorgate::local
