#include "verify/live.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "containerd/hosts_toml.h"
#include "core/at_once.h"
#include "core/files.h"
#include "core/netns.h"
#include "images/reference.h"
#include "images/test_images.h"
#include "registry/docker_hub.h"
#include "registry/prewarm.h"
#include "registry/registry_config.h"
#include "registry/storage.h"
#include "registry/upstreams.h"
#include "core/progress.h"
#include "team/team.h"
#include "verify/diagnose.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDefaultProbe = "docker.io/library/busybox:1.36";
constexpr auto kHttpTimeout = 5s;
constexpr auto kRemoveTimeout = 60s;

// What every check needs to know about the running mirror.
struct Mirror {
  MirrorView view;
  std::optional<RegistryConfig> config;  // nullopt: its config could not be read
  MirrorFacts facts;
};

class Clock {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

LiveCheck check_of(std::string check, std::string where, Verdict verdict, std::string detail,
                   std::vector<std::string> evidence = {}, double seconds = 0) {
  return {std::move(check), std::move(where), verdict, std::move(detail), std::move(evidence), seconds};
}

// The Docker network the nodes are on, and how kind-registry joins it.
std::string nodes_network(const MirrorView& view) { return view.nodes_network.empty() ? "kind" : view.nodes_network; }
std::string connect_fix(const MirrorView& view) {
  return "docker network connect " + nodes_network(view) + " " + kMirrorComponent;
}

// ---- kind-registry ----

Mirror read_mirror(const Environment& env, std::vector<LiveCheck>& checks) {
  Mirror m;
  m.view = env.mirror_view();
  try {
    m.config = with_environment(parse_registry_config(m.view.config, m.view.config_source), m.view.environment);
    m.facts.registry_config = m.config;
    m.facts.port = m.config->listen_port;
    m.facts.tls = m.config->tls;
  } catch (const std::exception& e) {
    checks.push_back(check_of("kind-registry's config can be read", kMirrorComponent, Verdict::fail, e.what()));
  }
  return m;
}

// A machine of a team: its kind-registry must cache through the team cache,
// not Docker Hub (nor its own front), or the machine spends its own quota.
void check_team_cache(const Mirror& m, const std::string& team_cache, std::vector<LiveCheck>& checks) {
  const std::vector<std::pair<std::string, std::string>> environment(m.view.environment.begin(), m.view.environment.end());
  try {
    const auto problem = machine_upstream_problem({kMirrorComponent, m.view.config_source, m.view.config, environment},
                                                  team_cache);
    checks.push_back(check_of("kind-registry caches through the team cache", kMirrorComponent,
                              problem ? Verdict::fail : Verdict::pass, problem ? *problem : "its upstream is " + team_cache));
  } catch (const std::exception& e) {
    checks.push_back(check_of("kind-registry caches through the team cache", kMirrorComponent, Verdict::fail, e.what()));
  }
}

void check_mirror(const Environment& env, const Mirror& m, const std::string& team_cache, std::vector<LiveCheck>& checks) {
  if (!team_cache.empty()) {
    check_team_cache(m, team_cache, checks);
  } else if (m.config) {
    auto findings = diagnose_mirror(m.facts);
    std::string detail;
    for (const auto& f : findings) detail += (detail.empty() ? "" : "\n") + f.str();
    checks.push_back(check_of("kind-registry is a pull-through cache of Docker Hub", kMirrorComponent,
                              findings.empty() ? Verdict::pass : Verdict::fail,
                              findings.empty() ? "proxy.remoteurl " + *m.config->proxy_remote_url + " (" +
                                                     m.view.config_source + ")"
                                               : detail));
  }
  if (env.mirror_address().empty()) {
    checks.push_back(check_of("kind-registry is on the nodes' network", kMirrorComponent, Verdict::fail,
                              "kind-registry has no address on the " + nodes_network(m.view) +
                                  " network, so no node can resolve it and every pull falls back to "
                                  "registry-1.docker.io\n  fix: " + connect_fix(m.view)));
  }
  if (m.config && proxies_through_front(*m.config) && env.front_address().empty()) {
    checks.push_back(check_of(std::string(kRegistryFrontHost) + " is on the nodes' network", kMirrorComponent,
                              Verdict::fail,
                              std::string("kind-registry's remoteurl is ") + kRegistryFrontUrl + ", but no container " +
                                  kRegistryFrontHost + " is on the nodes' network: kind-registry cannot reach Docker Hub "
                                  "and serves only what it has cached (uncached images fall back to "
                                  "registry-1.docker.io)\n  fix: registry/setup-registry.sh (it starts and connects it)"));
  }
  const auto ping = env.mirror().ping();
  checks.push_back(check_of("kind-registry answers", kMirrorComponent, ping ? Verdict::pass : Verdict::fail,
                            ping ? env.mirror_url() : ping.reason));
}

void check_offline_restart(const Mirror& m, std::vector<LiveCheck>& checks) {
  if (!m.config || !m.config->proxy_remote_url) return;
  checks.push_back(offline_restart_check(*m.config->proxy_remote_url, m.view.command));
}

// A cache whose content expires loses images it held and fetches them from
// Docker Hub again: read from the running container's config and its
// REGISTRY_* variables, which distribution reads over the file.
void check_expiry(const Environment& env, const Mirror& m, std::vector<LiveCheck>& checks) {
  if (!m.config || !m.config->proxy_remote_url) return;
  const auto& rc = *m.config;
  if (const auto f = expiring_cache(rc, env.registry_generation())) {
    checks.push_back(check_of("kind-registry keeps what it cached", kMirrorComponent, Verdict::fail, f->str()));
    return;
  }
  const std::string why =
      !rc.delete_enabled
          ? "storage.delete.enabled is " + std::string(rc.delete_source.empty() ? "unset" : "false (" + rc.delete_source + ")") +
                ": distribution never deletes what it cached (the cache only grows)"
          : "proxy.ttl is " + rc.proxy_ttl_text + " (" + rc.proxy_ttl_source + "): the proxy's expiry is off";
  checks.push_back(check_of("kind-registry keeps what it cached", kMirrorComponent, Verdict::pass, why));
}

// A full disk: cold pulls fail on the nodes (registry 3 cuts the download
// short) and nothing new is cached. From the storage the container mounts,
// as the host sees it, and the registry's own log.
void check_disk(const Environment& env, const Mirror& m, std::vector<LiveCheck>& checks) {
  if (m.view.storage.empty()) return;
  const auto disk = disk_space(m.view.storage);
  if (!disk) return;
  std::string log;
  try {
    log = env.mirror_log_of(kDockerIo);
  } catch (const std::exception&) {
  }
  if (const auto f = full_cache_disk("kind-registry", m.view.storage, disk->free, disk->total, log)) {
    checks.push_back(check_of("kind-registry's disk has room", kMirrorComponent, Verdict::fail, f->str()));
    return;
  }
  checks.push_back(check_of("kind-registry's disk has room", kMirrorComponent, Verdict::pass,
                            format_bytes(disk->free) + " free of " + format_bytes(disk->total) + " at " +
                                m.view.storage.string()));
}

// ---- what the cache holds, from its storage ----


// Each listed image against its registry's cache: kind-registry for
// docker.io, kind-registry-quay-io … for the others the cluster caches.
std::vector<ImageReadiness> offline_readiness(const Environment& env, const Mirror& m, const fs::path& list) {
  std::vector<ImageReadiness> out;
  const auto cached = env.cached_registries();
  for (const auto& listed : read_image_list(list)) {
    std::string why;
    const auto ref = parse_reference(listed.text, &why);
    if (!ref) {
      out.push_back({listed.text, "invalid", list.string() + ":" + std::to_string(listed.line) + ": " + why});
      continue;
    }
    if (std::find(cached.begin(), cached.end(), ref->domain) == cached.end()) {
      out.push_back({listed.text, "not covered",
                     inside_cluster(ref->domain)
                         .value_or(ref->domain + " has no cache here, so every node pulls it from " + ref->domain +
                                   " directly (registry/setup-registry.sh --upstream " + ref->domain + " starts one)")});
      continue;
    }
    const fs::path storage = ref->domain == kDockerIo ? m.view.storage : env.registry_data_of(ref->domain);
    if (storage.empty() || !fs::exists(storage)) {
      out.push_back({listed.text, "unknown", cache_host(ref->domain) + "'s storage is out of reach from here (run as root)"});
    } else {
      out.push_back(readiness_in_storage(storage, *ref, env.platform(), listed.text));
    }
  }
  return out;
}

std::string choose_probe(const LiveOptions& o, const std::vector<ImageReadiness>& readiness) {
  if (!o.probe_image.empty()) return o.probe_image;
  // A listed image the cache holds: the probe then spends no Docker Hub pull.
  for (const auto& r : readiness) {
    if (r.status == "cached") return r.image;
  }
  return kDefaultProbe;
}

// ---- each node ----

// The first host of the hosts.toml the node's containerd reads.
std::optional<std::string> mirror_url_of(const Environment& env, const std::string& node) {
  const auto settings = env.node_registry_config(node);
  if (settings.config_path.empty()) return std::nullopt;
  const auto where = locate_hosts_toml(env, node, settings.config_path);
  if (!where.text) return std::nullopt;
  const auto hosts = parse_hosts_toml(*where.text, node + ":" + where.path);
  if (hosts.hosts.empty()) return std::nullopt;
  return hosts.hosts.front().url;
}

LiveCheck check_reach(const Environment& env, const NodeInfo& node, const Mirror& m) {
  Clock clock;
  const std::string title = "kind-registry answers inside the node";
  const auto url = mirror_url_of(env, node.name);
  if (!url) return check_of(title, node.name, Verdict::skip, "no mirror in the node's hosts.toml (see above)");
  const auto view = env.network_view(node.name);
  if (!view) return check_of(title, node.name, Verdict::skip, "entering the node's network namespace needs root");
  std::string detail;
  Verdict verdict = Verdict::fail;
  run_in_netns(view->netns, [&] {
    HttpOptions o;
    o.timeout = kHttpTimeout;
    o.connect_timeout = kHttpTimeout;
    std::string why;
    o.resolver = [&](const std::string& host) { return resolve_as(*view, host, &why); };
    try {
      const auto r = HttpClient(o).request("GET", *url + "/v2/");
      verdict = r.status == 200 || r.status == 401 ? Verdict::pass : Verdict::fail;
      detail = "GET " + *url + "/v2/ from the node answered HTTP " + std::to_string(r.status);
    } catch (const std::exception& e) {
      detail = "the node cannot reach " + *url + ": " + e.what() + (why.empty() ? "" : " (" + why + ")") +
               "; containerd skips the mirror and pulls from registry-1.docker.io\n  fix: " + connect_fix(m.view) +
               ", and check the name and port in hosts.toml";
    }
  });
  return check_of(title, node.name, verdict, detail, {}, clock.seconds());
}

// The config and layers of every image manifest the node fetched, read back
// from the cache by digest (local first: no upstream request).
std::vector<std::string> blobs_of_manifests(const Environment& env, const std::string& registry,
                                            const std::string& repository, const std::vector<AccessRecord>& fetched) {
  std::vector<std::string> blobs;
  HttpClient http;
  for (const auto& r : fetched) {
    if (r.kind != RequestKind::manifest || r.method != "GET" || r.reference.rfind("sha256:", 0) != 0) continue;
    const auto resp = http.request("GET", env.mirror_of(registry).base_url() + "/v2/" + repository + "/manifests/" + r.reference,
                                   {{"Accept", media_type::accept_all}});
    const auto j = json::parse(resp.body, nullptr, false);
    if (resp.status != 200 || !j.is_object() || !j.contains("config")) continue;
    blobs.push_back(j["config"].value("digest", ""));
    for (const auto& layer : j.value("layers", json::array())) blobs.push_back(layer.value("digest", ""));
  }
  return blobs;
}

// The node pulls the probe through CRI (what kubelet does); kind-registry's
// access log must show the node fetching the manifest and every blob. A
// probe the node did not hold is removed again afterwards.
LiveCheck check_probe_pull(Environment& env, const NodeInfo& node, const std::string& probe, std::chrono::seconds timeout) {
  Clock clock;
  const auto ref = parse_reference(probe);
  const std::string registry = ref ? ref->domain : std::string(kDockerIo);
  const std::string cache = cache_host(registry);
  const std::string title = "the node pulls through " + cache;
  if (!ref) return check_of(title, node.name, Verdict::fail, "--probe-image " + probe + " is not an image reference");
  const auto held_before = env.image_ids(node.name);
  const auto mark = LogMark::now(env, registry);
  PullResult pulled;
  try {
    pulled = env.pull_image(node.name, ref->str(), timeout);
  } catch (const std::exception& e) {
    return check_of(title, node.name, Verdict::fail, "the node could not pull " + probe + ": " + e.what(), {}, clock.seconds());
  }
  // The manifests are logged as soon as they are served; a blob kind-registry
  // fetched upstream only after it is stored, so the blobs are read from the
  // manifests first and the logs then read until they hold every one.
  const bool had_it = held_before.count(pulled.image_id) > 0;
  const std::vector<std::string> blobs =
      had_it ? std::vector<std::string>{}
             : blobs_of_manifests(env, registry, ref->repository, evidence_since(env, node.name, mark).node_at_mirror);
  const ExpectedPull expected{ref->str(), ref->repository, blobs, registry};
  const auto evidence = evidence_once_logged(env, node.name, mark, expected);
  auto problems = check_pull_used_mirror(evidence, expected, env.cache_addresses_of(registry));
  if (!had_it) {
    std::vector<std::string> content = blobs;
    content.push_back(pulled.image_id);
    if (auto gone = env.remove_image(node.name, ref->str(), content, kRemoveTimeout); !gone) {
      problems.push_back("the probe image could not be removed again: " + gone.last_error);
    }
  }
  std::vector<std::string> lines;
  for (const auto& r : evidence.node_at_mirror) lines.push_back(format_record(r));
  if (!problems.empty()) {
    std::string detail;
    for (const auto& p : problems) detail += (detail.empty() ? "" : "\n") + p;
    return check_of(title, node.name, Verdict::fail, detail, lines, clock.seconds());
  }
  std::ostringstream detail;
  detail << probe << " in " << std::fixed << std::setprecision(2) << pulled.seconds << " s: "
         << evidence.node_at_mirror.size() << " requests from " << node.address << " to " << cache << ", "
         << evidence.bytes_from_mirror() << " bytes"
         << (had_it ? " (the node already held its content: the tag was resolved through " + cache + ")"
                    : "; every blob came from " + cache + "; the probe was removed again");
  return check_of(title, node.name, Verdict::pass, detail.str(), lines, clock.seconds());
}

// Each other registry the cluster caches: the node's containerd sends it to
// its cache, and — when the image list names an image of it that the cache
// holds — the node pulls that image through it.
void check_other_registries(Environment& env, const NodeInfo& node, const Mirror& m,
                            const std::map<std::string, std::string>& probes, std::chrono::seconds timeout,
                            std::vector<LiveCheck>& out) {
  for (const auto& registry : env.cached_registries()) {
    if (registry == kDockerIo) continue;
    Clock clock;
    const auto findings = diagnose_node(env, node.name, m.facts.for_registry(registry, ""));
    std::string detail;
    std::vector<std::string> evidence;
    for (const auto& f : findings) {
      detail += (detail.empty() ? "" : "\n") + f.problem + (f.fix.empty() ? "" : "\n  fix: " + f.fix);
      evidence.insert(evidence.end(), f.evidence.begin(), f.evidence.end());
    }
    out.push_back(check_of("containerd sends " + registry + " to " + cache_host(registry), node.name,
                           findings.empty() ? Verdict::pass : Verdict::fail,
                           findings.empty() ? "hosts.toml read back from the running containerd" : detail, evidence,
                           clock.seconds()));
    const auto probe = probes.find(registry);
    if (!findings.empty() || probe == probes.end()) continue;
    out.push_back(check_probe_pull(env, node, probe->second, timeout));
  }
}

std::vector<LiveCheck> check_node(Environment& env, const NodeInfo& node, const Mirror& m, const std::string& probe,
                                  const std::map<std::string, std::string>& other_probes, std::chrono::seconds timeout) {
  std::vector<LiveCheck> out;
  Clock clock;
  const auto findings = diagnose_node(env, node.name, m.facts);
  std::string detail;
  std::vector<std::string> evidence;
  for (const auto& f : findings) {
    detail += (detail.empty() ? "" : "\n") + f.problem + (f.fix.empty() ? "" : "\n  fix: " + f.fix);
    evidence.insert(evidence.end(), f.evidence.begin(), f.evidence.end());
  }
  const auto settings_ok = findings.empty();
  out.push_back(check_of("containerd sends docker.io to kind-registry", node.name, settings_ok ? Verdict::pass : Verdict::fail,
                         settings_ok ? "config_path and hosts.toml read back from the running containerd" : detail,
                         evidence, clock.seconds()));
  if (!settings_ok) {
    // A probe now would go to Docker Hub and spend a pull of its quota.
    out.push_back(check_of("the node pulls through kind-registry", node.name, Verdict::skip,
                           "not pulled: the node does not use kind-registry (see above)"));
    return out;
  }
  out.push_back(check_reach(env, node, m));
  out.push_back(check_probe_pull(env, node, probe, timeout));
  check_other_registries(env, node, m, other_probes, timeout, out);
  return out;
}

// ---- Docker Hub's quota, as the cache is counted ----

std::string host_of(const std::string& url) {
  const auto start = url.find("://");
  const auto from = start == std::string::npos ? 0 : start + 3;
  return url.substr(from, url.find_first_of(":/", from) - from);
}

// A manifest HEAD (not counted as a pull) for the probe's repository, from
// kind-registry's own network namespace, trusting what it trusts and as the
// account it pulls as: the headers give the quota left for that identity.
void check_quota(const Environment& env, const Mirror& m, const std::string& probe, LiveReport& report) {
  Clock clock;
  const std::string title = "Docker Hub pull quota";
  if (!m.config || !m.config->proxy_remote_url) return;
  const auto ref = parse_reference(probe);
  const std::string remote = *m.config->proxy_remote_url;
  const Credentials credentials{m.config->proxy_username, m.config->proxy_password};
  report.quota.identity = credentials.empty() ? "anonymous (kind-registry's address)" : "account " + credentials.username;
  const auto view = env.network_view(kMirrorComponent);
  std::string error;
  auto head = [&] {
    HttpOptions o;
    o.timeout = kHttpTimeout;
    o.connect_timeout = kHttpTimeout;
    o.ca_file = m.view.ca_file;
    if (view) o.resolver = [&](const std::string& host) { return resolve_as(*view, host); };
    try {
      const auto r = request_with_token(HttpClient(o), "HEAD", remote + "/v2/" + ref->repository + "/manifests/" + ref->tag,
                                        {{"Accept", media_type::accept_all}}, credentials);
      const auto quota = pull_quota_of(r);
      report.quota.known = quota.known;
      report.quota.limit = quota.limit;
      report.quota.remaining = quota.remaining;
      report.quota.window_seconds = quota.window_seconds;
      report.quota.source = quota.source;
      if (r.status == 401) error = "Docker Hub refused " + report.quota.identity + "'s credentials (HTTP 401)";
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  if (view) run_in_netns(view->netns, head);
  else head();
  if (!error.empty()) {
    report.checks.push_back(check_of(title, host_of(remote), Verdict::warn, "could not read the quota: " + error, {}, clock.seconds()));
    return;
  }
  if (!report.quota.known) {
    report.checks.push_back(check_of(title, host_of(remote), Verdict::info,
                                     remote + " sent no ratelimit headers for " + report.quota.identity, {}, clock.seconds()));
    return;
  }
  int uncached = 0;
  for (const auto& r : report.images) uncached += r.status == "not cached";
  std::ostringstream d;
  d << report.quota.remaining << " of " << report.quota.limit << " pulls left per " << report.quota.window_seconds / 3600.0
    << " h for " << report.quota.identity << (report.quota.source.empty() ? "" : " (counted as " + report.quota.source + ")");
  Verdict verdict = Verdict::info;
  if (uncached > report.quota.remaining) {
    verdict = Verdict::warn;
    d << "; the image list has " << uncached << " docker.io images the cache does not hold, more than the quota left: "
      << "the experiment would hit Docker Hub's limit (429) on start. Prewarm them later, or with an account "
         "(DOCKERHUB_USERNAME/DOCKERHUB_TOKEN for setup-registry.sh)";
  }
  report.checks.push_back(check_of(title, host_of(remote), verdict, d.str(), {}, clock.seconds()));
}

void readiness_check(const LiveReport& report, const fs::path& list, std::vector<LiveCheck>& checks) {
  if (list.empty()) return;
  std::ostringstream d;
  d << report.cached() << " of " << report.covered() << " images of " << list.string()
    << " that the cluster caches are in their caches (offline-ready)";
  std::vector<std::string> evidence;
  for (const auto& r : report.images) {
    if (r.status != "cached") evidence.push_back(r.image + ": " + r.status + " — " + r.detail);
  }
  const int outside = static_cast<int>(report.images.size()) - report.covered();
  if (outside) d << "; " << outside << " are not covered by any cache (the reasons below)";
  checks.push_back(check_of("offline readiness of the image list", kMirrorComponent,
                            report.cached() == report.covered() ? Verdict::pass : Verdict::info, d.str(), evidence));
}

}  // namespace

// Whether the storage holds everything a node of `platform` fetches for the
// reference: the tag's manifest, the platform's manifest, config and layers,
// each linked into the repository as distribution needs it to serve them
// from there (a manifest by its revision link, a blob by its layer link).
ImageReadiness readiness_in_storage(const fs::path& storage, const ImageReference& ref, const std::string& platform,
                                    const std::string& listed) {
  const auto stored = RegistryStorage(storage).image(ref, platform);
  if (!stored.complete) return {listed, "not cached", stored.missing};
  return {listed, "cached", stored.digest};
}

// distribution (2.8 and 3.1) in proxy mode contacts its upstream at start-up
// and exits when it cannot (seen in this project's runs): restarted without
// network, the cache serves nothing, unless it starts through the shipped
// kind-registry-start.sh, which serves it read-only until the upstream answers.
LiveCheck offline_restart_check(const std::string& upstream, const std::vector<std::string>& command) {
  const std::string check = "kind-registry survives a restart without network";
  const bool start_script = std::any_of(command.begin(), command.end(), [](const std::string& arg) {
    return fs::path(arg).filename() == "kind-registry-start.sh";
  });
  if (start_script) {
    std::string runs;
    for (const auto& arg : command) runs += (runs.empty() ? "" : " ") + arg;
    return check_of(check, kMirrorComponent, Verdict::pass,
                    "it starts through kind-registry-start.sh (" + runs + "): while " + upstream +
                        " does not answer, it serves its cache read-only, so cached images pull after a restart "
                        "without network, and it is a pull-through cache again once the upstream answers");
  }
  return check_of(
      check, kMirrorComponent, Verdict::warn,
      "kind-registry runs distribution in proxy mode, which contacts " + upstream +
          " when it starts and exits when it cannot: after a reboot or a Docker restart while Docker Hub is "
          "unreachable, the cache serves nothing (the nodes then fail to pull even cached images) until the "
          "network returns.\n  fix: start it through registry/kind-registry-start.sh, as "
          "registry/setup-registry.sh does: while offline it runs the same image over the same data directory "
          "without the proxy section and with storage.maintenance.readonly.enabled: true, serving every cached "
          "image");
}

LiveReport verify_live(Environment& env, const LiveOptions& o) {
  LiveReport report;
  const Mirror mirror = read_mirror(env, report.checks);
  check_mirror(env, mirror, o.team_cache, report.checks);
  if (!o.images.empty()) report.images = offline_readiness(env, mirror, o.images);
  const std::string probe = choose_probe(o, report.images);
  // For each other registry cached, a listed image its cache holds.
  std::map<std::string, std::string> other_probes;
  for (const auto& r : report.images) {
    const auto ref = parse_reference(r.image);
    if (r.status == "cached" && ref && ref->domain != kDockerIo) other_probes.emplace(ref->domain, r.image);
  }
  spdlog::info("checking {} nodes of {} (probe image {})", env.nodes().size(), env.cluster(), probe);
  const auto& nodes = env.nodes();
  std::vector<std::vector<LiveCheck>> per_node(nodes.size());
  const auto errors = errors_of_each_at_once(nodes.size(), [&](size_t i) {
    per_node[i] = check_node(env, nodes[i], mirror, probe, other_probes, o.pull_timeout);
  });
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!errors[i].empty()) per_node[i] = {check_of("the node can be checked", nodes[i].name, Verdict::fail, errors[i])};
    report.checks.insert(report.checks.end(), per_node[i].begin(), per_node[i].end());
  }
  readiness_check(report, o.images, report.checks);
  check_quota(env, mirror, probe, report);
  check_offline_restart(mirror, report.checks);
  check_expiry(env, mirror, report.checks);
  check_disk(env, mirror, report.checks);
  return report;
}

}  // namespace mirrorgate
