#include "verify/pull_evidence.h"

#include <algorithm>
#include <sstream>
#include <thread>

#include "registry/upstreams.h"

namespace mirrorgate {

namespace {

constexpr size_t kMaxLinesShown = 6;

std::string show(const std::vector<AccessRecord>& records) {
  std::ostringstream out;
  for (size_t i = 0; i < records.size() && i < kMaxLinesShown; ++i) out << "\n    " << format_record(records[i]);
  if (records.size() > kMaxLinesShown) out << "\n    … " << records.size() - kMaxLinesShown << " more";
  return out.str();
}

}  // namespace

LogMark LogMark::now(const Environment& env, const std::string& registry) {
  LogMark mark{env.mirror_access_log_of(registry).size(), env.upstream_access_log().size(), registry, {}};
  if (registry == kDockerIo && env.machines() > 1) {
    for (int m = 1; m <= env.machines(); ++m) mark.machine_mirrors.push_back(env.machine_mirror_access_log(m).size());
  }
  return mark;
}

namespace {

// The registry a request of the upstream's log went to: the stand-in names
// every registry of its world but Docker Hub's.
const std::string& registry_of(const AccessRecord& r) {
  static const std::string docker_io = kDockerIo;
  return r.registry.empty() ? docker_io : r.registry;
}

}  // namespace

long long PullEvidence::bytes_from_mirror() const {
  long long total = 0;
  for (const auto& r : node_at_mirror) total += r.bytes;
  return total;
}

PullEvidence evidence_since(const Environment& env, const std::string& node, const LogMark& mark) {
  PullEvidence e;
  e.node = node;
  const auto info = env.node(node);
  e.node_address = info.address;
  // A node of another machine pulls through that machine's kind-registry.
  const bool own_machine = info.machine > 1 && static_cast<size_t>(info.machine) <= mark.machine_mirrors.size();
  auto mirror = own_machine ? env.machine_mirror_access_log(info.machine) : env.mirror_access_log_of(mark.registry);
  const size_t from = own_machine ? mark.machine_mirrors[static_cast<size_t>(info.machine - 1)] : mark.mirror;
  for (size_t i = from; i < mirror.size(); ++i) {
    if (mirror[i].client == e.node_address) e.node_at_mirror.push_back(mirror[i]);
  }
  // Other nodes may pull at the same time: what they did is their evidence.
  auto another_node = [&](const std::string& client) {
    return client != e.node_address && std::any_of(env.nodes().begin(), env.nodes().end(),
                                                   [&](const NodeInfo& n) { return n.address == client; });
  };
  auto upstream = env.upstream_access_log();
  for (size_t i = mark.upstream; i < upstream.size(); ++i) {
    if (another_node(upstream[i].client) || registry_of(upstream[i]) != mark.registry) continue;
    e.upstream.push_back(upstream[i]);
    if (upstream[i].client == e.node_address) e.node_at_upstream.push_back(upstream[i]);
  }
  return e;
}

std::vector<std::string> check_pull_used_mirror(const PullEvidence& e, const ExpectedPull& expected,
                                                const std::vector<std::string>& cache_addresses) {
  std::vector<std::string> problems;
  const std::string who = "node " + e.node + " (" + e.node_address + ")";
  const std::string cache = cache_host(expected.registry);
  const std::string upstream = upstream_host(expected.registry);
  if (!e.node_at_upstream.empty()) {
    // containerd tries the next host after an error of the mirror: a 5xx
    // from kind-registry is then why the node went upstream.
    std::vector<AccessRecord> failed;
    std::copy_if(e.node_at_mirror.begin(), e.node_at_mirror.end(), std::back_inserter(failed),
                 [](const AccessRecord& r) { return r.status >= 500; });
    if (!failed.empty()) {
      problems.push_back(who + " went straight to " + upstream + " for " + expected.image + " because " + cache +
                         " answered it with a server error, and containerd then tried the next host. " + cache +
                         " answered:" + show(failed) + "\n  The upstream saw:" + show(e.node_at_upstream) +
                         "\n  " + cache + "'s own log names the error: \"toomanyrequests\" is Docker Hub's "
                         "quota; \"invalid checksum digest format\" is distribution 2.8 reading a blob's link "
                         "while it writes it, a matter of timing (more often behind kind-registry-front, see "
                         "docs/herds-registry-2.8.md).");
    } else {
      problems.push_back(who + " pulled " + expected.image + " straight from " + upstream + ", not through " + cache +
                         ": containerd skipped the mirror (no config_path, hosts.toml missing or wrong, or the "
                         "mirror failed). The upstream saw:" + show(e.node_at_upstream));
    }
  }
  auto ok_request = [&](RequestKind kind, const std::string& reference) {
    return std::any_of(e.node_at_mirror.begin(), e.node_at_mirror.end(), [&](const AccessRecord& r) {
      return r.kind == kind && r.repository == expected.repository && r.status >= 200 && r.status < 300 &&
             (reference.empty() || r.reference == reference);
    });
  };
  if (!ok_request(RequestKind::manifest, "")) {
    problems.push_back(who + " never fetched the manifest of " + expected.image + " from " + cache +
                       ". Its requests to " + cache + ":" +
                       (e.node_at_mirror.empty() ? std::string(" none") : show(e.node_at_mirror)));
  }
  std::vector<std::string> missing;
  for (const auto& blob : expected.blobs) {
    if (!ok_request(RequestKind::blob, blob)) missing.push_back(blob);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += "\n    " + m;
    problems.push_back(who + " did not fetch " + std::to_string(missing.size()) + " of " +
                       std::to_string(expected.blobs.size()) + " blobs of " + expected.image + " from " + cache +
                       ":" + list);
  }
  std::vector<AccessRecord> strangers;
  for (const auto& r : e.upstream) {
    const bool from_cache = std::find(cache_addresses.begin(), cache_addresses.end(), r.client) != cache_addresses.end();
    if (!from_cache && r.client != e.node_address) strangers.push_back(r);
  }
  if (!strangers.empty()) {
    std::string addresses;
    for (const auto& a : cache_addresses) addresses += (addresses.empty() ? "" : ", ") + a;
    problems.push_back("the upstream saw requests from neither the cache (" + addresses + ") nor " + who +
                       " during the pull:" + show(strangers));
  }
  return problems;
}

PullEvidence evidence_once_logged(const Environment& env, const std::string& node, const LogMark& mark,
                                  const ExpectedPull& expected, std::chrono::milliseconds settle) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + settle;
  bool fell_back = false;
  const auto caches = env.cache_addresses_of(expected.registry);
  for (;;) {
    auto e = evidence_since(env, node, mark);
    if (check_pull_used_mirror(e, expected, caches).empty() || clock::now() >= deadline) return e;
    if (!fell_back && !e.node_at_upstream.empty()) {
      fell_back = true;
      deadline = std::min(deadline, clock::now() + std::chrono::milliseconds(300));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string format_record(const AccessRecord& r) {
  std::ostringstream out;
  out << r.client << " " << r.method << " " << r.path << (r.query.empty() ? "" : "?" + r.query) << " → " << r.status
      << " (" << r.bytes << " bytes)";
  return out.str();
}

std::map<std::string, int> counted_pulls(const std::vector<AccessRecord>& records) {
  std::map<std::string, int> out;
  for (const auto& r : records) {
    if (r.pull_counted) ++out[r.user.empty() ? r.client : r.user];
  }
  return out;
}

namespace {

// A client of the upstream named in the run's terms; `suffix` follows a
// cache component's name, `node_suffix` a node's.
std::string client_name(const Environment& env, const std::string& client, const std::string& suffix,
                        const std::string& node_suffix) {
  for (const auto& n : env.nodes()) {
    if (n.address == client) return n.name + node_suffix;
  }
  if (client == env.mirror_address()) return "kind-registry" + suffix;
  if (client == env.cache_upstream_address()) return "kind-registry-front" + suffix;
  for (const auto& registry : env.cached_registries()) {
    if (registry != kDockerIo && client == env.mirror_address_of(registry)) return cache_host(registry) + suffix;
  }
  if (client == env.harness_address()) return "harness" + suffix;
  return client;
}

}  // namespace

DockerHubSummary summarize_docker_hub(const Environment& env, const std::vector<AccessRecord>& records) {
  DockerHubSummary out;
  for (const auto& r : records) {
    if (registry_of(r) != kDockerIo) continue;  // the stand-in's other registries count nothing
    const std::string who = !r.user.empty() ? "account " + r.user
                                            : client_name(env, r.client, " (" + r.client + ")",
                                                          " (" + r.client + ", straight to Docker Hub)");
    auto& c = out.by_identity[who];
    c.pulls_counted += r.pull_counted;
    c.pulls_refused += r.pull_refused;
    c.manifest_heads += r.kind == RequestKind::manifest && r.method == "HEAD";
    c.tokens_issued += r.path == "/token" && r.status == 200;
    c.tokens_refused += r.path == "/token" && r.status == 401;
  }
  out.quota_per_address = env.hub_quota().empty() ? format_quota(kDockerHubAnonymous) : env.hub_quota();
  out.quota_per_account = env.hub_account_quota().empty() ? format_quota(kDockerHubPersonal) : env.hub_account_quota();
  return out;
}

std::map<std::string, UpstreamTraffic> summarize_upstream(const Environment& env, const std::vector<AccessRecord>& records) {
  std::map<std::string, UpstreamTraffic> out;
  for (const auto& r : records) {
    const std::string& registry = registry_of(r);
    auto& c = out[client_name(env, r.client, "",
                              " (straight to " + (registry == kDockerIo ? std::string("the upstream") : registry) + ")")];
    const bool manifest = r.kind == RequestKind::manifest, blob = r.kind == RequestKind::blob;
    c.requests += 1;
    c.manifest_heads += manifest && r.method == "HEAD";
    c.manifest_gets += manifest && r.method == "GET";
    c.blob_gets += blob && r.method == "GET";
    c.bytes += r.bytes;
  }
  return out;
}

}  // namespace mirrorgate
