#include "lab/local_lab.h"

#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "containerd/config_patch.h"
#include "containerd/cri_client.h"
#include "containerd/hosts_toml.h"
#include "containerd/node_config.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/wait.h"
#include "images/fixture_images.h"
#include "kind/kind_config.h"
#include "lab/network.h"
#include "process/process.h"
#include "registry/registry_config.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::atomic<bool> g_interrupted{false};

namespace {

constexpr const char* kHubNamespace = "hub";
constexpr const char* kMirrorNamespace = "kind-registry";
constexpr const char* kSwitchNamespace = "mirrorgate-switch";
constexpr const char* kHostLink = "mg-lab";
constexpr const char* kHubHost = "registry-1.docker.io";
// Names the state dir of the lab that owns the namespaces above, so another
// `up` can say which lab is in the way.
constexpr const char* kOwnerFile = "/run/mirrorgate-lab";
constexpr uint32_t kHostIndex = 1, kHubIndex = 2, kMirrorIndex = 3, kFirstNodeIndex = 10;
// containerd refuses unix socket paths over 104 bytes, and its ttrpc socket
// is the CRI socket's path + ".ttrpc".
constexpr size_t kMaxSocketPath = 104 - 6;

void on_signal(int) { g_interrupted = true; }

void throw_if_interrupted() {
  if (g_interrupted) throw UserError(ExitCode::failure, "interrupted");
}

fs::path run_dir(const LabState& s) { return s.state_dir / "runs" / s.created_at; }

std::string etc_hosts(const LabState& s) {
  std::ostringstream out;
  out << "# written by mirrorgate: the lab resolves production names to lab addresses\n"
      << "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
      << s.hub.address << "\t" << kHubHost << "\n"
      << s.mirror.address << "\t" << kMirrorNamespace << "\n";
  for (const auto& n : s.nodes) out << n.containerd.address << "\t" << n.name << "\n";
  return out.str();
}

// /etc/netns/NS/* is bind-mounted over /etc/* by `ip netns exec NS`.
void write_netns_etc(LabState& s, const std::string& ns) {
  fs::path dir = fs::path("/etc/netns") / ns;
  if (std::find(s.etc_dirs.begin(), s.etc_dirs.end(), dir) == s.etc_dirs.end()) s.etc_dirs.push_back(dir);
  write_file_atomic(dir / "hosts", etc_hosts(s));
  // No nameserver: names outside the lab fail at once inside the namespace.
  write_file_atomic(dir / "resolv.conf", "# written by mirrorgate: the lab has no DNS; names come from /etc/hosts\n");
}

}  // namespace

void make_pki(LabState& s) {
  fs::path pki = s.state_dir / "pki";
  fs::create_directories(pki);
  s.ca_file = pki / "ca.crt";
  s.ca_bundle = pki / "ca-bundle.crt";
  fs::path ca_key = pki / "ca.key", hub_key = pki / "hub.key", hub_crt = pki / "hub.crt";
  if (!fs::exists(s.ca_file) || !fs::exists(hub_crt)) {
    spdlog::info("creating the lab CA and a certificate for {}", kHubHost);
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650",
         "-subj", "/CN=mirrorgate lab CA", "-keyout", ca_key.string(), "-out", s.ca_file.string()});
    write_file_atomic(pki / "hub.ext", std::string("subjectAltName=DNS:") + kHubHost + ",DNS:docker.io,DNS:hub\n" +
                                           "extendedKeyUsage=serverAuth\n");
    run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
         std::string("/CN=") + kHubHost, "-keyout", hub_key.string(), "-out", (pki / "hub.csr").string()});
    run({"openssl", "x509", "-req", "-in", (pki / "hub.csr").string(), "-CA", s.ca_file.string(), "-CAkey",
         ca_key.string(), "-CAcreateserial", "-days", "825", "-extfile", (pki / "hub.ext").string(), "-out",
         hub_crt.string()});
  }
  // Go reads SSL_CERT_FILE instead of the system store: keep the system's CAs
  // and add the lab's, as a corporate CA would be added.
  std::string bundle = read_file_if_exists("/etc/ssl/certs/ca-certificates.crt").value_or("");
  write_file_atomic(s.ca_bundle, bundle + "\n" + read_file(s.ca_file));
}

namespace {

fs::path hub_config(const LabState& s) {
  fs::path pki = s.state_dir / "pki";
  fs::path file = s.state_dir / "hub" / "config.yml";
  std::ostringstream y;
  y << "# The lab's Docker Hub stand-in, written by mirrorgate.\n"
    << "version: 0.1\n"
    << "log:\n  fields:\n    service: hub\n"
    << "storage:\n  filesystem:\n    rootdirectory: " << s.hub_data.string() << "\n  delete:\n    enabled: true\n"
    << "http:\n  addr: " << s.hub.address << ":443\n"
    << "  tls:\n    certificate: " << (pki / "hub.crt").string() << "\n    key: " << (pki / "hub.key").string() << "\n";
  write_file_atomic(file, y.str());
  return file;
}

DaemonHandle start_in_namespace(const std::string& ns, std::vector<std::string> argv, LabProcess& p,
                                const std::map<std::string, std::string>& env = {}) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  spdlog::debug("starting in {}: {}", ns, join_argv(argv));
  p.daemon = start_daemon({argv, p.access_log.empty() ? p.log : p.access_log, p.log, env});
  return p.daemon;
}

void wait_until(const std::string& what, const std::function<bool(std::string&)>& ready, const LabProcess& p,
                std::chrono::seconds timeout) {
  auto result = wait_for(
      [&](std::string& why) {
        throw_if_interrupted();
        if (!is_running(p.daemon)) {
          why = "the process exited";
          return true;
        }
        return ready(why);
      },
      timeout);
  if (!is_running(p.daemon)) {
    std::string tail = read_file_if_exists(p.log).value_or("");
    if (tail.size() > 1500) tail = tail.substr(tail.size() - 1500);
    throw std::runtime_error(what + " exited during start-up; its log " + p.log.string() + " ends with:\n" + tail);
  }
  if (!result) {
    throw std::runtime_error(what + " did not answer within " + std::to_string(timeout.count()) +
                             " s: " + result.last_error + " (log: " + p.log.string() + ")");
  }
  spdlog::debug("{} ready after {} ms", what, result.waited.count());
}

}  // namespace

bool seed_fixture(const RegistryClient& hub, const FixtureImage& image, const FixtureStore& store) {
  std::atomic<long long> sent{0};
  std::uint64_t total = 0;
  for (const auto& p : image.platforms) {
    total += p.config.size;
    for (const auto& l : p.layers) total += l.size;
  }
  Progress progress("seeding the hub: " + image.spec.ref.str(), [&] { return static_cast<std::uint64_t>(sent.load()); },
                    total);
  return push_fixture_image(hub, image, store, &sent);
}

HttpOptions hub_http_options(const LabState& s) {
  HttpOptions o;
  o.ca_file = s.ca_file;
  o.resolve = {std::string(kHubHost) + ":443:" + s.hub.address};
  o.timeout = 10min;
  return o;
}

std::string hub_url() { return std::string("https://") + kHubHost; }

namespace {

void seed_hub(LabState& s, const std::vector<FixtureImage>& images, const FixtureStore& store) {
  RegistryClient hub(hub_url(), hub_http_options(s));
  int pushed = 0;
  for (const auto& image : images) {
    throw_if_interrupted();
    if (seed_fixture(hub, image, store)) {
      spdlog::info("seeded the hub with {}", image.spec.ref.str());
      ++pushed;
    }
  }
  spdlog::info("hub holds {} fixture images ({} pushed now)", images.size(), pushed);
}

// Each start_* starts one daemon, records it in the state file, and waits
// until it answers.
void start_hub(LabState& s, std::chrono::seconds timeout) {
  fs::create_directories(s.hub_data);
  start_in_namespace(kHubNamespace, {"docker-registry", "serve", hub_config(s).string()}, s.hub);
  save_state(s);
  RegistryClient hub(hub_url(), hub_http_options(s));
  wait_until("the hub", [&](std::string& why) { return hub.ping(&why); }, s.hub, timeout);
}

void start_mirror(LabState& s, std::chrono::seconds timeout) {
  fs::create_directories(s.registry_data);
  // The shipped config, byte for byte; only the data directory and the CA
  // bundle differ from production, through the environment.
  start_in_namespace(kMirrorNamespace, {"docker-registry", "serve", s.registry_config.string()}, s.mirror,
                     {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", s.registry_data.string()},
                      {"SSL_CERT_FILE", s.ca_bundle.string()}});
  save_state(s);
  RegistryClient mirror(s.mirror_url());
  wait_until("kind-registry", [&](std::string& why) { return mirror.ping(&why); }, s.mirror, timeout);
}

void start_node(LabState& s, LabNode& n) {
  fs::create_directories(n.root);
  fs::create_directories(n.state);
  start_in_namespace(n.name,
                     {"containerd", "--config", "/etc/containerd/config.toml", "--root", n.root.string(), "--state",
                      n.state.string(), "--address", n.socket.string()},
                     n.containerd,
                     // The nodes trust the hub as real nodes trust Docker Hub,
                     // so a silent fallback to the upstream works — as in production.
                     {{"SSL_CERT_FILE", s.ca_bundle.string()}});
  save_state(s);
}

void wait_for_node(const LabNode& n, std::chrono::seconds timeout) {
  wait_until("containerd of " + n.name,
             [&](std::string& why) {
               if (!fs::exists(n.socket)) {
                 why = n.socket.string() + " does not exist yet";
                 return false;
               }
               try {
                 // A fresh channel each try: a channel that once failed to
                 // connect waits out gRPC's reconnect backoff.
                 CriClient(n.socket.string()).version(1s);
                 return true;
               } catch (const std::exception& e) {
                 why = e.what();
                 if (why.find("unknown service runtime.v1") == std::string::npos) return false;
                 // containerd serves, but without its CRI plugin: waiting will
                 // not help. Its log says why (e.g. `mirrors` with config_path).
                 std::string reason;
                 std::istringstream log(read_file_if_exists(n.containerd.log).value_or(""));
                 for (std::string line; std::getline(log, line);) {
                   if (line.find("failed to load plugin io.containerd.grpc.v1.cri") != std::string::npos) reason = line;
                 }
                 throw std::runtime_error("containerd of " + n.name + " runs without its CRI plugin, so kubelet could not "
                                          "pull anything on this node" + (reason.empty() ? "" : ":\n  " + reason) +
                                          "\n  (log: " + n.containerd.log.string() + ")");
               }
             },
             n.containerd, timeout);
}

void apply_upstream_rate(const std::string& rate) {
  if (rate.empty()) {
    run({"ip", "netns", "exec", kHubNamespace, "tc", "qdisc", "del", "dev", "eth0", "root"}, {.check = false});
    return;
  }
  run({"ip", "netns", "exec", kHubNamespace, "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate,
       "burst", "256kb", "latency", "100ms"});
}

void collect_logs(const LabState& s) {
  fs::path dir = run_dir(s);
  fs::create_directories(dir);
  std::error_code ec;
  fs::copy_file(state_file(s.state_dir), dir / "lab.json", fs::copy_options::overwrite_existing, ec);
  for (const auto& n : s.nodes) {
    for (const char* rel : {"containerd/config.toml", "containerd/certs.d/docker.io/hosts.toml"}) {
      fs::path src = n.etc / rel;
      if (!fs::exists(src)) continue;
      fs::path dst = dir / "nodes" / n.name / rel;
      fs::create_directories(dst.parent_path());
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    }
  }
}

// Tears down whatever `s` records, in reverse order of creation. Never throws;
// returns what could not be removed.
std::vector<std::string> teardown(const LabState& s, bool purge) {
  std::vector<std::string> problems;
  auto attempt = [&](const std::string& what, const std::function<void()>& step) {
    try {
      step();
    } catch (const std::exception& e) {
      problems.push_back(what + ": " + e.what());
    }
  };
  attempt("collecting logs", [&] { collect_logs(s); });
  for (const auto& n : s.nodes) {
    if (!stop_daemon(n.containerd.daemon)) problems.push_back("containerd of " + n.name + " (pid " + std::to_string(n.containerd.daemon.pid) + ") did not stop");
  }
  for (const auto* p : {&s.mirror, &s.hub}) {
    if (!stop_daemon(p->daemon)) problems.push_back(p->namespace_name + " (pid " + std::to_string(p->daemon.pid) + ") did not stop");
  }
  if (!s.host_link.empty() && link_exists(s.host_link)) attempt("deleting link " + s.host_link, [&] { ip({"link", "del", s.host_link}); });
  for (auto it = s.namespaces.rbegin(); it != s.namespaces.rend(); ++it) {
    if (netns_exists(*it)) attempt("deleting namespace " + *it, [&] { ip({"netns", "del", *it}); });
  }
  if (read_file_if_exists(kOwnerFile) == s.state_dir.string()) {
    std::error_code ec;
    fs::remove(kOwnerFile, ec);
  }
  for (const auto& dir : s.etc_dirs) {
    // Only directories under /etc/netns that the lab created.
    if (dir.parent_path() == "/etc/netns") attempt("removing " + dir.string(), [&] { fs::remove_all(dir); });
  }
  // A node's containerd root is the node's disk: gone with the node, as with
  // `kind delete cluster`. The mirror's cache is not.
  for (const auto& n : s.nodes) {
    attempt("removing " + n.root.string(), [&] { fs::remove_all(n.root.parent_path()); });
  }
  // Images the scenarios made up for one run.
  attempt("removing unique test images", [&] { fs::remove_all(s.state_dir / "unique-images"); });
  if (purge) {
    for (const auto& dir : {s.registry_data, s.hub_data}) {
      if (!dir.empty()) attempt("removing " + dir.string(), [&] { fs::remove_all(dir); });
    }
  }
  return problems;
}

std::vector<std::string> leftovers_of(const LabState& s) {
  std::vector<std::string> out;
  for (const auto& ns : s.namespaces) {
    if (netns_exists(ns)) out.push_back("network namespace " + ns);
  }
  if (!s.host_link.empty() && link_exists(s.host_link)) out.push_back("link " + s.host_link);
  for (const auto* p : {&s.hub, &s.mirror}) {
    if (is_running(p->daemon)) out.push_back("process " + std::to_string(p->daemon.pid) + " (" + p->namespace_name + ")");
  }
  for (const auto& n : s.nodes) {
    if (is_running(n.containerd.daemon)) out.push_back("process " + std::to_string(n.containerd.daemon.pid) + " (containerd of " + n.name + ")");
  }
  std::string mounts = read_file_if_exists("/proc/self/mounts").value_or("");
  std::istringstream lines(mounts);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string dev, target;
    words >> dev >> target;
    bool ours = target.rfind(s.state_dir.string() + "/", 0) == 0;
    for (const auto& ns : s.namespaces) ours = ours || target == "/run/netns/" + ns;
    if (ours) out.push_back("mount " + target);
  }
  for (const auto& dir : s.etc_dirs) {
    if (fs::exists(dir)) out.push_back("directory " + dir.string());
  }
  return out;
}

bool lab_is_healthy(const LabState& s) {
  if (!s.complete) return false;
  for (const auto& h : lab_health(s)) {
    if (!h.running || !h.answering) return false;
  }
  return true;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void check_lab_prerequisites() {
  if (::geteuid() != 0) {
    throw missing_prerequisite(
        "the embedded lab creates network namespaces and runs containerd: run it as root (sudo mirrorgate …)");
  }
  std::vector<std::string> missing;
  for (const char* cmd : {"ip", "tc", "docker-registry", "containerd", "openssl"}) {
    if (run({"sh", "-c", std::string("command -v ") + cmd}, {.check = false}).exit_code != 0) missing.push_back(cmd);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw missing_prerequisite("missing commands: " + list +
                               ". Install them with: sudo ci/setup.sh (or apt-get install iproute2 docker-registry "
                               "containerd openssl)");
  }
  // `ip netns exec` can only bind /etc/netns/NODE/containerd over an existing /etc/containerd.
  if (!fs::is_directory("/etc/containerd")) {
    throw missing_prerequisite("/etc/containerd does not exist; it comes with Debian's containerd package: "
                               "apt-get install --reinstall containerd");
  }
}

LabState lab_up(const LabOptions& o) {
  // Read and check every input before anything is created (and before asking
  // for root: a user can check their files anywhere).
  KindConfig kind = load_kind_config(o.kind_config, o.cluster_name);
  RegistryConfig registry = load_registry_config(o.registry_config);
  auto hosts_file = read_file_if_exists(o.hosts_toml);
  if (!hosts_file) throw bad_input(o.hosts_toml.string(), 0, "hosts.toml not found");
  const std::string hosts_text = *hosts_file;
  parse_hosts_toml(hosts_text, o.hosts_toml.string());
  auto fixture_specs = load_fixture_list(o.images);
  PatchedConfig node_config = apply_containerd_patches(kind_base_containerd_config(), kind.containerd_patches);
  for (const auto& skipped : node_config.skipped) spdlog::warn("{}", skipped);
  if (!registry.proxy_remote_url) {
    spdlog::warn("{} has no proxy section: kind-registry will not cache Docker Hub", o.registry_config.string());
  }
  Subnet subnet = parse_subnet(o.subnet);
  if (kind.nodes.size() + kFirstNodeIndex > subnet.capacity()) {
    throw UserError(ExitCode::bad_input, "--subnet " + o.subnet + " is too small for " +
                                             std::to_string(kind.nodes.size()) + " nodes");
  }
  if (!o.upstream_rate.empty() && o.upstream_rate.find_first_not_of("0123456789.kmgbitKMGBIT") != std::string::npos) {
    throw UserError(ExitCode::bad_input, "--upstream-rate " + o.upstream_rate + ": expected a tc rate like 100mbit");
  }
  if (o.hosts_toml_path.rfind("/etc/containerd/", 0) != 0 || o.hosts_toml_path.find("..") != std::string::npos) {
    throw UserError(ExitCode::bad_input, "--hosts-toml-path " + o.hosts_toml_path + ": must be under /etc/containerd/");
  }
  check_lab_prerequisites();

  fs::create_directories(o.state_dir);
  const fs::path state_dir = fs::canonical(o.state_dir);
  if (auto existing = load_state(state_dir)) {
    if (lab_is_healthy(*existing)) {
      if (existing->kind_config == fs::absolute(o.kind_config) && existing->registry_config == fs::absolute(o.registry_config) &&
          existing->hosts_toml == fs::absolute(o.hosts_toml) && existing->hosts_toml_nodes == o.hosts_toml_nodes &&
          existing->hosts_toml_path == o.hosts_toml_path && existing->images == fs::absolute(o.images)) {
        spdlog::info("a lab is already up from the same files in {}; reusing it", state_dir.string());
        if (existing->upstream_rate != o.upstream_rate) {
          spdlog::info("upstream rate: {} -> {}", existing->upstream_rate.empty() ? "unlimited" : existing->upstream_rate,
                       o.upstream_rate.empty() ? "unlimited" : o.upstream_rate);
          apply_upstream_rate(o.upstream_rate);
          existing->upstream_rate = o.upstream_rate;
          save_state(*existing);
        }
        return *existing;
      }
      throw UserError(ExitCode::failure, "a lab from other files is already up in " + state_dir.string() +
                                             "; run `mirrorgate down --state " + state_dir.string() + "` first");
    }
    spdlog::warn("a lab in {} is not healthy (interrupted or crashed); tearing down its remains first (cached data stays)",
                 state_dir.string());
    lab_down(state_dir, false);
  }

  LabState s;
  s.state_dir = state_dir;
  s.cluster = kind.name;
  s.subnet = subnet.str();
  s.host_address = subnet.address(kHostIndex);
  s.upstream_rate = o.upstream_rate;
  s.kind_config = fs::absolute(o.kind_config);
  s.registry_config = fs::absolute(o.registry_config);
  s.hosts_toml = fs::absolute(o.hosts_toml);
  s.images = fs::absolute(o.images);
  s.fixture_store = fs::absolute(o.fixture_store);
  s.hosts_toml_nodes = o.hosts_toml_nodes;
  s.hosts_toml_path = o.hosts_toml_path;
  s.registry_data = state_dir / "registry-data";
  s.hub_data = state_dir / "hub" / "data";
  s.platform = host_platform();
  s.created_at = utc_stamp();
  s.mirror_port = registry.listen_port;
  const fs::path logs = run_dir(s) / "logs";
  s.hub = {kHubNamespace, subnet.address(kHubIndex), {}, logs / "hub.log", logs / "hub.access.log"};
  s.mirror = {kMirrorNamespace, subnet.address(kMirrorIndex), {}, logs / "kind-registry.log", logs / "kind-registry.access.log"};
  for (size_t i = 0; i < kind.nodes.size(); ++i) {
    LabNode n;
    n.name = kind.nodes[i].name;
    n.role = kind.nodes[i].role;
    n.containerd = {n.name, subnet.address(kFirstNodeIndex + static_cast<uint32_t>(i)), {}, logs / (n.name + ".containerd.log"), {}};
    fs::path node_dir = state_dir / "nodes" / n.name;
    n.root = node_dir / "root";
    n.state = node_dir / "state";
    n.socket = node_dir / "containerd.sock";
    n.etc = fs::path("/etc/netns") / n.name;
    if (n.socket.string().size() > kMaxSocketPath) {
      throw UserError(ExitCode::bad_input, "the CRI socket path " + n.socket.string() + " is longer than a unix socket allows (" +
                                               std::to_string(kMaxSocketPath) + "); use a shorter --state");
    }
    s.nodes.push_back(std::move(n));
  }

  // Refuse to touch namespaces or links that are not ours.
  std::vector<std::string> wanted{kSwitchNamespace, kHubNamespace, kMirrorNamespace};
  for (const auto& n : s.nodes) wanted.push_back(n.name);
  if (auto owner = read_file_if_exists(kOwnerFile); owner && netns_exists(kSwitchNamespace)) {
    throw UserError(ExitCode::failure, "another lab is up, from " + *owner + "; only one lab runs at a time. Take it down with: "
                                           "mirrorgate --state " + *owner + " down");
  }
  for (const auto& ns : wanted) {
    if (netns_exists(ns)) {
      throw UserError(ExitCode::failure, "network namespace " + ns + " already exists and is not part of a lab in " +
                                             state_dir.string() + "; another lab or tool uses it. Remove it with `ip netns del " +
                                             ns + "` if it is stale, or use another --state/--name.");
    }
  }
  if (link_exists(kHostLink)) {
    throw UserError(ExitCode::failure, std::string("link ") + kHostLink + " already exists; another lab is up (see `mirrorgate status`) or it is stale (`ip link del " + kHostLink + "`)");
  }
  if (auto route = conflicting_route(subnet, run({"ip", "-4", "route", "show"}).out)) {
    throw UserError(ExitCode::bad_input, "--subnet " + s.subnet + " overlaps the host route '" + *route +
                                             "'; choose a free one, e.g. --subnet 10.78.0.0/24");
  }

  // From here on, every resource is recorded in the state file before the
  // next is created, so a failure or Ctrl-C tears down exactly what exists.
  save_state(s);
  try {
    FixtureStore store(s.fixture_store);
    std::vector<FixtureImage> images;
    for (const auto& spec : fixture_specs) {
      throw_if_interrupted();
      bool generated = false;
      auto started = std::chrono::steady_clock::now();
      images.push_back(store.build(spec, &generated));
      if (generated) {
        spdlog::info("generated fixture {} in {:.1f} s", spec.ref.str(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      const auto& image = images.back();
      s.fixtures.push_back({image.spec.ref.str(), image.top.digest, image.top.media_type, image.bytes_for(s.platform)});
    }
    make_pki(s);

    spdlog::info("creating the lab network {} ({} namespaces)", s.subnet, wanted.size());
    s.switch_namespace = kSwitchNamespace;
    ip({"netns", "add", kSwitchNamespace});
    s.namespaces.push_back(kSwitchNamespace);
    save_state(s);
    write_file_atomic(kOwnerFile, s.state_dir.string());
    ip({"link", "add", "br0", "type", "bridge"}, kSwitchNamespace);
    ip({"link", "set", "br0", "up"}, kSwitchNamespace);
    ip({"link", "set", "lo", "up"}, kSwitchNamespace);
    ip({"link", "add", kHostLink, "type", "veth", "peer", "name", "to-host", "netns", kSwitchNamespace});
    s.host_link = kHostLink;
    save_state(s);
    ip({"addr", "add", s.host_address + "/" + std::to_string(subnet.prefix), "dev", kHostLink});
    ip({"link", "set", kHostLink, "up"});
    ip({"link", "set", "to-host", "master", "br0", "up"}, kSwitchNamespace);

    std::vector<LabProcess*> hosts{&s.hub, &s.mirror};
    for (auto& n : s.nodes) hosts.push_back(&n.containerd);
    int port_index = 0;
    for (auto* h : hosts) {
      throw_if_interrupted();
      const std::string& ns = h->namespace_name;
      ip({"netns", "add", ns});
      s.namespaces.push_back(ns);
      save_state(s);
      std::string port = "port" + std::to_string(port_index++);
      ip({"link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns}, kSwitchNamespace);
      ip({"link", "set", port, "master", "br0", "up"}, kSwitchNamespace);
      ip({"link", "set", "lo", "up"}, ns);
      ip({"addr", "add", h->address + "/" + std::to_string(subnet.prefix), "dev", "eth0"}, ns);
      ip({"link", "set", "eth0", "up"}, ns);
      write_netns_etc(s, ns);
      save_state(s);
    }
    if (!s.upstream_rate.empty()) {
      spdlog::info("shaping the hub's link to {}", s.upstream_rate);
      apply_upstream_rate(s.upstream_rate);
    }

    spdlog::info("starting the hub ({} at {})", kHubHost, s.hub.address);
    start_hub(s, o.start_timeout);
    seed_hub(s, images, store);

    spdlog::info("starting kind-registry from {} ({})", s.registry_config.string(), s.mirror_url());
    start_mirror(s, o.start_timeout);

    LocalEnvironment env(s);
    for (auto& n : s.nodes) {
      throw_if_interrupted();
      spdlog::info("starting node {} ({}, containerd at {})", n.name, n.role, n.containerd.address);
      env.write_node_file(n.name, "/etc/containerd/config.toml", node_config.toml);
      const auto& only = s.hosts_toml_nodes;
      if (only.empty() || std::find(only.begin(), only.end(), n.name) != only.end() ||
          std::find(only.begin(), only.end(), n.role) != only.end()) {
        install_docker_hub_hosts_toml(env, n.name, hosts_text, s.hosts_toml.string(), s.hosts_toml_path);
      }
      start_node(s, n);
    }
    for (const auto& n : s.nodes) wait_for_node(n, o.start_timeout);
    s.complete = true;
    save_state(s);
  } catch (...) {
    spdlog::error("bring-up failed; tearing down what was started (logs stay in {})", run_dir(s).string());
    for (const auto& p : teardown(s, false)) spdlog::error("teardown: {}", p);
    std::error_code ec;
    fs::remove(state_file(s.state_dir), ec);
    throw;
  }
  return s;
}

DownReport lab_down(const fs::path& state_dir, bool purge) {
  auto state = load_state(state_dir);
  if (!state) return {};
  auto problems = teardown(*state, purge);
  return finish_down(*state, std::move(problems), leftovers_of(*state));
}

std::vector<ComponentHealth> lab_health(const LabState& s) {
  std::vector<ComponentHealth> out;
  auto registry_health = [&](const std::string& name, const std::string& kind, const LabProcess& p, const RegistryClient& client) {
    ComponentHealth h{name, kind, p.address, is_running(p.daemon), false, ""};
    if (h.running) h.answering = client.ping(&h.detail);
    else h.detail = "process " + std::to_string(p.daemon.pid) + " is not running";
    out.push_back(h);
  };
  registry_health("hub (" + std::string(kHubHost) + ")", "hub", s.hub, RegistryClient(hub_url(), hub_http_options(s)));
  registry_health("kind-registry", "mirror", s.mirror,
                  RegistryClient(s.mirror_url()));
  for (const auto& n : s.nodes) {
    ComponentHealth h{n.name, "node", n.containerd.address, is_running(n.containerd.daemon), false, ""};
    if (h.running) {
      try {
        auto v = CriClient(n.socket.string()).version(2s);
        h.answering = true;
        h.detail = v.runtime_name + " " + v.runtime_version + " (CRI " + v.runtime_api_version + ")";
      } catch (const std::exception& e) {
        h.detail = e.what();
      }
    } else {
      h.detail = "containerd (pid " + std::to_string(n.containerd.daemon.pid) + ") is not running";
    }
    out.push_back(h);
  }
  return out;
}

// ---- LocalEnvironment ----

LocalEnvironment::LocalEnvironment(LabState state) : state_(std::move(state)) {}


const LabNode& LocalEnvironment::lab_node(const std::string& name) const {
  for (const auto& n : state_.nodes) {
    if (n.name == name) return n;
  }
  throw std::invalid_argument("the lab has no node named " + name);
}

fs::path LocalEnvironment::node_path(const std::string& node, const std::string& path) const {
  // A node's own view of /etc is /etc/netns/NODE (see the header).
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
  fs::path root = node_path(node, dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

PullResult LocalEnvironment::pull_image(const std::string& node, const std::string& image, std::chrono::milliseconds timeout) {
  CriClient cri(lab_node(node).socket.string());
  auto start = std::chrono::steady_clock::now();
  std::string id = cri.pull_image(image, timeout);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {node, image, id, seconds};
}

std::optional<std::string> LocalEnvironment::image_id(const std::string& node, const std::string& image) const {
  auto status = CriClient(lab_node(node).socket.string()).image_status(image);
  if (!status) return std::nullopt;
  return status->id;
}

bool LocalEnvironment::remove_image(const std::string& node, const std::string& image,
                                    const std::vector<std::string>& blob_digests, std::chrono::milliseconds timeout) {
  const auto& n = lab_node(node);
  CriClient cri(n.socket.string());
  // The same content may be held under other names (a pull by digest makes
  // one): remove every image whose id is among the blobs, by id, which
  // drops all of its names.
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
  if (wait_for(gone, std::min<std::chrono::milliseconds>(timeout, 3s))) return true;
  // A pull that failed or timed out leaves its content under a lease that
  // outlives it (CRI pulls hold one for a day); drop the leases so the
  // garbage collector can take that content too.
  auto leases = run({"ctr", "--address", n.socket.string(), "--namespace", "k8s.io", "leases", "ls", "-q"}, {.check = false});
  std::istringstream lease_ids(leases.out);
  for (std::string id; std::getline(lease_ids, id);) {
    if (!id.empty()) {
      run({"ctr", "--address", n.socket.string(), "--namespace", "k8s.io", "leases", "rm", "--sync", id}, {.check = false});
    }
  }
  return bool(wait_for(gone, timeout));
}

bool LocalEnvironment::node_has_blob(const std::string& node, const std::string& digest) const {
  auto colon = digest.find(':');
  return fs::exists(lab_node(node).root / "io.containerd.content.v1.content" / "blobs" / digest.substr(0, colon) /
                    digest.substr(colon + 1));
}

std::uint64_t LocalEnvironment::node_content_bytes(const std::string& node) const {
  // Blobs, and ingest/*/data that containerd appends to while it downloads.
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(lab_node(node).root / "io.containerd.content.v1.content", ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code gone;  // a download that finishes moves its file away mid-walk
    if (!it->is_regular_file(gone)) continue;
    const auto size = it->file_size(gone);
    if (!gone) total += size;
  }
  return total;
}

RegistryClient LocalEnvironment::mirror() const {
  return RegistryClient(state_.mirror_url());
}

RegistryClient LocalEnvironment::upstream() const { return RegistryClient(hub_url(), hub_http_options(state_)); }

RegistrySettings LocalEnvironment::node_registry_config(const std::string& node) const {
  auto info = CriClient(lab_node(node).socket.string()).status_info();
  auto config = info.find("config");
  if (config == info.end()) {
    throw std::runtime_error("containerd of " + node + " reported no config in CRI Status; is it containerd 1.x?");
  }
  return registry_settings_from_cri_info(config->second);
}

void LocalEnvironment::set_upstream(Upstream state) {
  constexpr auto timeout = 30s;
  switch (state) {
    case Upstream::reachable:
      ip({"link", "set", "eth0", "up"}, kHubNamespace);
      if (!is_running(state_.hub.daemon)) start_hub(state_, timeout);
      break;
    case Upstream::stopped:
      if (!stop_daemon(state_.hub.daemon)) throw std::runtime_error("the hub did not stop");
      break;
    case Upstream::link_down:
      // Restart the hub first: kind-registry keeps an HTTP/2 connection to
      // it, and a request on a connection whose packets vanish hangs until
      // TCP gives up (~15 min). The variant tested is the hub going dark
      // while idle: new connections time out.
      if (!stop_daemon(state_.hub.daemon)) throw std::runtime_error("the hub did not stop");
      start_hub(state_, timeout);
      ip({"link", "set", "eth0", "down"}, kHubNamespace);
      break;
  }
}

void LocalEnvironment::set_upstream_rate(const std::string& rate) {
  apply_upstream_rate(rate);
  state_.upstream_rate = rate;
  save_state(state_);
}

void LocalEnvironment::restart_mirror() {
  if (!stop_daemon(state_.mirror.daemon)) throw std::runtime_error("kind-registry did not stop");
  start_mirror(state_, 30s);
}

std::vector<AccessRecord> LocalEnvironment::mirror_access_log() const {
  return parse_access_log(read_file_if_exists(state_.mirror.access_log).value_or(""));
}

std::vector<AccessRecord> LocalEnvironment::upstream_access_log() const {
  return parse_access_log(read_file_if_exists(state_.hub.access_log).value_or(""));
}

}  // namespace mirrorgate
