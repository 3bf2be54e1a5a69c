#include "backends/local/team_tier.h"

#include <sys/stat.h>

#include <fstream>
#include <iomanip>
#include <sstream>

#include <spdlog/spdlog.h>

#include "backends/local/daemons.h"
#include "backends/local/lab.h"
#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/wait.h"
#include "process/process.h"
#include "registry/generations.h"
#include "registry/http.h"
#include "team/team.h"

namespace mirrorgate::local {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBucket = "team-cache";
constexpr const char* kRgwName = "client.rgw.team";
constexpr const char* kS3User = "team-cache";

std::string random_hex(size_t bytes) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::ostringstream out;
  for (size_t i = 0; i < bytes; ++i) out << std::hex << std::setw(2) << std::setfill('0') << (in.get() & 0xff);
  if (!in) throw std::runtime_error("cannot read /dev/urandom");
  return out.str();
}

std::string uuid() {
  const std::string h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// A secret kept in the team directory, made once (mode 0600).
std::string kept_secret(const fs::path& file, size_t bytes) {
  if (auto text = read_file_if_exists(file); text && !text->empty()) {
    return text->substr(0, text->find_last_not_of('\n') + 1);
  }
  const std::string secret = random_hex(bytes);
  write_file_atomic(file, secret + "\n");
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  return secret;
}

fs::path ceph_dir(const LabState& lab) { return lab.team.dir / "ceph"; }
fs::path ceph_conf(const LabState& lab) { return ceph_dir(lab) / "ceph.conf"; }

// Runs a Ceph command inside the store's namespace, where the monitor's address is.
RunResult ceph_cmd(const LabState& lab, std::vector<std::string> argv, bool check = true,
                   std::chrono::seconds timeout = 60s) {
  argv.insert(argv.begin() + 1, {"-c", ceph_conf(lab).string()});
  argv.insert(argv.begin(), {"ip", "netns", "exec", lab.team.mon.namespace_name});
  return run(argv, {.timeout = timeout, .check = check});
}

std::string ceph_config(const LabState& lab, const std::string& fsid, const fs::path& logs) {
  const fs::path d = ceph_dir(lab);
  const std::string& a = lab.team.mon.address;
  std::ostringstream c;
  c << "# written by mirrorgate: the lab's team store, one monitor and one OSD\n"
    << "[global]\n"
    << "fsid = " << fsid << "\n"
    << "mon initial members = a\n"
    << "mon host = v2:" << a << ":3300\n"
    << "public network = " << lab.subnet << "\n"
    << "auth cluster required = cephx\nauth service required = cephx\nauth client required = cephx\n"
    << "keyring = " << (d / "$name.keyring").string() << "\n"
    << "run dir = " << (d / "run").string() << "\n"
    << "admin socket = \n"
    << "log file = " << (logs / "team-store.$name.log").string() << "\n"
    << "mon data = " << (d / "mon" / "$id").string() << "\n"
    << "osd data = " << (d / "osd" / "$id").string() << "\n"
    << "osd pool default size = 1\nosd pool default min size = 1\n"
    << "osd pool default pg num = 8\nosd pool default pgp num = 8\n"
    << "mon allow pool size one = true\nmon warn on pool no redundancy = false\n"
    << "auth allow insecure global id reclaim = false\n"
    << "osd crush chooseleaf type = 0\n"
    << "osd objectstore = bluestore\n"
    << "bluestore block create = true\n"
    << "# a sparse file: it takes only what is stored\n"
    << "bluestore block size = 21474836480\n"
    << "osd memory target = 939524096\n"
    << "ms bind ipv6 = false\n"
    << "[osd]\n"
    << "keyring = " << (d / "osd" / "$id" / "keyring").string() << "\n"
    << "[" << kRgwName << "]\n"
    << "rgw frontends = beast endpoint=" << a << ":" << kTeamStorePort << "\n"
    << "rgw data = " << (d / "rgw").string() << "\n";
  return c.str();
}

// The monitor: made on the first run (keys, monmap, mkfs), started on every one.
void start_monitor(LocalEnvironment& env, const fs::path& logs, std::chrono::seconds timeout) {
  auto& lab = env.lab();
  const fs::path d = ceph_dir(lab);
  fs::create_directories(d / "run");
  fs::create_directories(d / "mon");
  const fs::path fsid_file = d / "fsid";
  const bool fresh = !fs::exists(d / "mon" / "a" / "kv_backend");
  if (fresh) {
    // A monitor made part way is made again from nothing: it holds no data yet.
    std::error_code ec;
    fs::remove_all(d / "mon" / "a", ec);
    write_file_atomic(fsid_file, uuid() + "\n");
  }
  const std::string fsid = read_file_if_exists(fsid_file).value_or("");
  write_file_atomic(ceph_conf(lab), ceph_config(lab, fsid.substr(0, fsid.find('\n')), logs));
  if (fresh) {
    spdlog::info("making the team store's monitor (first run; kept in {})", d.string());
    const std::string mon_keyring = (d / "mon..keyring").string(), admin = (d / "client.admin.keyring").string();
    fs::remove(mon_keyring);
    fs::remove(admin);
    run({"ceph-authtool", "--create-keyring", mon_keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"});
    run({"ceph-authtool", "--create-keyring", admin, "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *",
         "--cap", "osd", "allow *", "--cap", "mgr", "allow *"});
    run({"ceph-authtool", mon_keyring, "--import-keyring", admin});
    const std::string monmap = (d / "monmap").string();
    run({"monmaptool", "--create", "--clobber", "--add", "a", lab.team.mon.address + ":3300", "--fsid",
         fsid.substr(0, fsid.find('\n')), monmap});
    run({"ceph-mon", "-c", ceph_conf(lab).string(), "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", mon_keyring});
  }
  start_in_namespace(lab.team.mon.namespace_name, {"ceph-mon", "-f", "-c", ceph_conf(lab).string(), "-i", "a"},
                     lab.team.mon);
  env.save();
  wait_until("the team store's monitor", [&](std::string& why) {
    auto r = ceph_cmd(lab, {"ceph", "--connect-timeout", "3", "mon", "stat"}, false, 10s);
    why = r.err.empty() ? r.out : r.err;
    return r.ok();
  }, lab.team.mon, timeout);
}

void start_osd(LocalEnvironment& env, std::chrono::seconds timeout) {
  auto& lab = env.lab();
  const fs::path d = ceph_dir(lab);
  const fs::path osd = d / "osd" / "0";
  const fs::path made = osd / "mirrorgate-made";
  if (!fs::exists(made)) {
    spdlog::info("making the team store's OSD (BlueStore on a sparse file under {})", osd.string());
    const std::string id_uuid = uuid();
    auto id = ceph_cmd(lab, {"ceph", "osd", "new", id_uuid}).out;
    id = id.substr(0, id.find_last_not_of("\n ") + 1);
    if (id != "0") {
      throw std::runtime_error("the team store's monitor gave OSD id " + id + ", not 0; its data in " + d.string() +
                               " is not the lab's: `mirrorgate down --purge` removes it");
    }
    std::error_code ec;
    fs::remove_all(osd, ec);
    fs::create_directories(osd);
    run({"ceph-osd", "-c", ceph_conf(lab).string(), "-i", "0", "--mkfs", "--mkkey", "--osd-uuid", id_uuid,
         "--no-mon-config"},
        {.timeout = 120s});
    ceph_cmd(lab, {"ceph", "auth", "add", "osd.0", "osd", "allow *", "mon", "allow profile osd", "-i",
                   (osd / "keyring").string()});
    write_file_atomic(made, "made by mirrorgate\n");
  }
  start_in_namespace(lab.team.osd.namespace_name, {"ceph-osd", "-f", "-c", ceph_conf(lab).string(), "-i", "0"},
                     lab.team.osd);
  env.save();
  wait_until("the team store's OSD", [&](std::string& why) {
    auto r = ceph_cmd(lab, {"ceph", "osd", "stat"}, false, 10s);
    why = r.out.empty() ? r.err : r.out;
    return r.ok() && r.out.find("1 up") != std::string::npos;
  }, lab.team.osd, timeout);
}

struct S3Keys {
  std::string access, secret;
};

S3Keys start_rgw(LocalEnvironment& env, std::chrono::seconds timeout) {
  auto& lab = env.lab();
  const fs::path d = ceph_dir(lab);
  const fs::path keyring = d / (std::string(kRgwName) + ".keyring");
  if (!fs::exists(keyring)) {
    ceph_cmd(lab, {"ceph", "auth", "get-or-create", kRgwName, "mon", "allow rw", "osd", "allow rwx", "-o",
                   keyring.string()});
  }
  fs::create_directories(d / "rgw");
  start_in_namespace(lab.team.rgw.namespace_name,
                     {"radosgw", "-f", "-c", ceph_conf(lab).string(), "-n", kRgwName}, lab.team.rgw);
  env.save();
  const std::string endpoint = "http://" + lab.team.rgw.address + ":" + std::to_string(kTeamStorePort);
  HttpClient http({.timeout = 3s, .connect_timeout = 1s});
  // Its first start makes its pools: about 10 s here.
  const auto rgw_answers = [&](std::string& why) {
    try {
      const auto r = http.request("GET", endpoint + "/");
      why = "HTTP " + std::to_string(r.status);
      return r.status == 200;
    } catch (const std::exception& e) {
      why = e.what();
      return false;
    }
  };
  wait_until("the team store's S3 gateway (radosgw)", rgw_answers, lab.team.rgw, std::max(timeout, 60s));
  const S3Keys keys{kS3User, kept_secret(lab.team.dir / "s3-secret-key", 20)};
  if (!ceph_cmd(lab, {"radosgw-admin", "user", "info", "--uid", kS3User}, false).ok()) {
    ceph_cmd(lab, {"radosgw-admin", "user", "create", "--uid", kS3User, "--display-name", "the team cache",
                   "--access-key", keys.access, "--secret-key", keys.secret});
  }
  ensure_s3_bucket(endpoint, kBucket, keys.access, keys.secret);
  return keys;
}

void start_redis(LocalEnvironment& env) {
  auto& p = env.lab().team.redis;
  // The replicas' blob descriptors only: nothing to keep (the store keeps the blobs).
  start_in_namespace(p.namespace_name,
                     {"redis-server", "--bind", p.address, "--port", "6379", "--protected-mode", "no", "--save", "",
                      "--appendonly", "no", "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--daemonize",
                      "no"},
                     p);
  env.save();
}

void wait_for_redis(const LabProcess& p, std::chrono::seconds timeout) {
  wait_until(
      "the team's Redis",
      [&](std::string& why) {
        why = "it has not said it is ready";
        return read_file_if_exists(p.access_log).value_or("").find("Ready to accept connections") != std::string::npos;
      },
      p, timeout);
}

std::map<std::string, std::string> replica_environment(const RunState& run, const LabState& lab) {
  return {{"REGISTRY_STORAGE_S3_ACCESSKEY", kS3User},
          {"REGISTRY_STORAGE_S3_SECRETKEY", kept_secret(lab.team.dir / "s3-secret-key", 20)},
          {"REGISTRY_HTTP_SECRET", kept_secret(lab.team.dir / "http-secret", 32)},
          {"SSL_CERT_FILE", run.ca_bundle.string()},
          {"OTEL_TRACES_EXPORTER", "none"}};
}

void launch_replica(LocalEnvironment& env, int r) {
  auto& lab = env.lab();
  auto& replica = lab.team.replicas.at(static_cast<size_t>(r - 1));
  const RunState& run = env.state();
  // registry:3's own command, as team/compose.yaml runs it.
  start_in_namespace(replica.registry.namespace_name,
                     {registry_binary(registry_generation_named("3.1")).string(), "serve",
                      (run.files.team / "registry-config.yml").string()},
                     replica.registry, replica_environment(run, lab));
  env.save();
}

void wait_for_replica(const LabState& lab, int r, std::chrono::seconds timeout) {
  const auto& replica = lab.team.replicas.at(static_cast<size_t>(r - 1));
  wait_until(replica_host(r), answers(RegistryClient("http://" + replica.registry.address + ":5000")),
             replica.registry, timeout);
}

}  // namespace

std::string team_cache_url() { return "http://" + std::string(kTeamCacheHost) + ":" + std::to_string(kTeamCachePort); }

void check_team_prerequisites(const fs::path& team_files) {
  if (!fs::exists(team_files / "registry-config.yml") || !fs::exists(team_files / "haproxy.cfg")) {
    throw missing_prerequisite("the team tier's files (registry-config.yml, haproxy.cfg) are not in " +
                               team_files.string());
  }
  if (!fs::exists(registry_binary(registry_generation_named("3.1")))) {
    throw missing_prerequisite("the team tier runs registry 3.1 (registry:3, the s3 driver with Redis): build it "
                               "with ci/build-registry.sh");
  }
  const auto missing = missing_commands({"ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "ceph-authtool",
                                         "monmaptool", "haproxy", "redis-server"});
  if (!missing.empty()) {
    throw missing_prerequisite("the team tier needs " + missing + ": ci/setup.sh installs them (apt-get install "
                               "ceph-mon ceph-osd radosgw ceph-common haproxy redis-server)");
  }
}

void start_team(LocalEnvironment& env, std::chrono::seconds timeout) {
  auto& lab = env.lab();
  const RunState& run = env.state();
  fs::create_directories(lab.team.dir);
  fs::permissions(lab.team.dir, fs::perms::owner_all);
  const fs::path logs = lab.team.mon.log.parent_path();
  spdlog::info("starting the team store (Ceph {} : mon, OSD, RGW at {}:{})", "16.2", lab.team.mon.address,
               kTeamStorePort);
  start_monitor(env, logs, timeout);
  start_redis(env);
  start_osd(env, timeout);
  (void)start_rgw(env, timeout);
  wait_for_redis(lab.team.redis, timeout);
  spdlog::info("starting {} team replicas with their fronts", lab.team.replicas.size());
  for (auto& replica : lab.team.replicas) launch_front_at(env, replica.front, replica.dns, replica.front_run_dir);
  for (const auto& replica : lab.team.replicas) wait_for_front_at(replica.front, replica.dns, timeout);
  for (int r = 1; r <= static_cast<int>(lab.team.replicas.size()); ++r) launch_replica(env, r);
  for (int r = 1; r <= static_cast<int>(lab.team.replicas.size()); ++r) wait_for_replica(lab, r, timeout);
  spdlog::info("starting the team cache (haproxy at {}:{})", lab.team.haproxy.address, kTeamCachePort);
  start_in_namespace(lab.team.haproxy.namespace_name, {"haproxy", "-db", "-f", (run.files.team / "haproxy.cfg").string()},
                     lab.team.haproxy);
  env.save();
  wait_until(kTeamCacheHost,
             answers(RegistryClient("http://" + lab.team.haproxy.address + ":" + std::to_string(kTeamCachePort))),
             lab.team.haproxy, timeout);
}

void kill_replica(LocalEnvironment& env, int r) {
  const auto& replica = env.lab().team.replicas.at(static_cast<size_t>(r - 1));
  if (!kill_daemon(replica.registry.daemon)) throw std::runtime_error(replica_host(r) + " did not die of SIGKILL");
}

void start_replica(LocalEnvironment& env, int r, std::chrono::seconds timeout) {
  launch_replica(env, r);
  wait_for_replica(env.lab(), r, timeout);
}

}  // namespace mirrorgate::local
