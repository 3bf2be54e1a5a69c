#include "verify/diagnose.h"

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include "containerd/config_patch.h"
#include "containerd/hosts_toml.h"
#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "cluster/kind_config.h"
#include "registry/upstreams.h"

namespace mirrorgate {

namespace {

constexpr const char* kDockerHubApi = "https://registry-1.docker.io";

struct ParsedUrl {
  std::string scheme, host;
  int port = 0;
  bool ok = false;
};

ParsedUrl parse_url(const std::string& url) {
  static const std::regex re(R"(^(https?)://([^/:]+)(?::(\d+))?(/.*)?$)");
  std::smatch m;
  ParsedUrl u;
  if (!std::regex_match(url, m, re)) return u;
  u.scheme = m[1];
  u.host = m[2];
  u.port = m[3].matched ? std::stoi(m[3]) : (u.scheme == "https" ? 443 : 80);
  u.ok = true;
  return u;
}

}  // namespace

std::string Finding::str() const {
  std::string out = (node.empty() ? "" : "node " + node + ": ") + problem;
  if (!fix.empty()) out += "\n  fix: " + fix;
  for (const auto& e : evidence) out += "\n    " + e;
  return out;
}

MirrorFacts MirrorFacts::from_files(const std::filesystem::path& kind_config,
                                    const std::filesystem::path& registry_config,
                                    const std::filesystem::path& hosts_toml) {
  MirrorFacts facts;
  facts.kind_config = kind_config;
  facts.hosts_toml = hosts_toml;
  if (!registry_config.empty()) {
    facts.registry_config = load_registry_config(registry_config);
    facts.port = facts.registry_config->listen_port;
    facts.tls = facts.registry_config->tls;
  }
  if (!kind_config.empty()) {
    auto kind = load_kind_config(kind_config);
    const auto merged = apply_containerd_patches(kind_base_containerd_config(), kind.containerd_patches);
    facts.skipped_patches = merged.skipped;
    facts.generations = registry_verdicts(merged.toml);
  }
  return facts;
}

MirrorFacts MirrorFacts::for_registry(const std::string& registry, const std::filesystem::path& hosts_toml) const {
  MirrorFacts facts = *this;
  facts.registry = registry;
  facts.name = cache_host(registry);
  facts.hosts_toml = hosts_toml;
  return facts;
}

std::string MirrorFacts::upstream_api() const { return "https://" + upstream_host(); }

std::string MirrorFacts::upstream_host() const { return mirrorgate::upstream_host(registry); }

std::vector<Finding> diagnose_upstream(const Environment& env, const std::vector<AccessRecord>& records) {
  std::vector<Finding> out;
  std::map<std::string, int> refused_tokens, refused_pulls;
  std::string reset, window;
  for (const auto& r : records) {
    if (r.path == "/token" && r.status == 401) ++refused_tokens[r.user.empty() ? r.client : r.user];
    if (r.pull_refused) {
      ++refused_pulls[r.user.empty() ? r.client : r.user];
      std::smatch m;
      if (std::regex_search(r.note, m, std::regex(R"(window (\d+)s reset (\d+)s)"))) {
        window = m[1];
        reset = m[2];
      }
    }
  }
  for (const auto& [who, n] : refused_tokens) {
    out.push_back({"", "Docker Hub refused kind-registry's credentials: auth.docker.io answered 401 to account " + who +
                           " (" + std::to_string(n) + " token requests), so kind-registry cannot fetch for its nodes and "
                           "containerd falls back to registry-1.docker.io — anonymously, on the node's own quota",
                   "correct proxy.username / proxy.password in the registry config (setup-registry.sh: DOCKERHUB_USERNAME "
                   "and DOCKERHUB_TOKEN, an access token of that account)",
                   {}});
  }
  for (const auto& [who, n] : refused_pulls) {
    const bool mirror = who == env.cache_upstream_address();
    out.push_back({"", "Docker Hub's pull limit is spent for " + who + (mirror ? " (kind-registry's address)" : "") +
                           ": it answered 429 TOOMANYREQUESTS to " + std::to_string(n) + " manifest GETs; the quota is "
                           "counted over a sliding " + (window.empty() ? "window" : window + " s window") +
                           (reset.empty() ? "" : ", and the next pull frees up in " + reset + " s") +
                           ". Images the cache holds still pull; every other image fails until then",
                   "prewarm the experiment's images while quota is left, or give kind-registry a Docker Hub account "
                   "(its own quota, per account instead of per address)",
                   {}});
  }
  return out;
}

std::string generation_portability(const MirrorFacts& facts) {
  std::string good, bad;
  for (const auto& v : facts.generations) {
    std::string& list = v.ok ? good : bad;
    list += (list.empty() ? "" : "; ") + std::string("containerd ") + v.generation + " (" + v.stands_for + ")" +
            (v.ok ? "" : ": " + v.why);
  }
  if (good.empty() || bad.empty()) return "";
  return facts.kind_config.string() + " is right for " + good + " — and wrong for " + bad;
}

std::vector<Finding> diagnose_mirror(const MirrorFacts& facts) {
  std::vector<Finding> out;
  if (!facts.registry_config) return out;
  const auto& rc = *facts.registry_config;
  if (!rc.proxy_remote_url) {
    out.push_back({"", "kind-registry is not a pull-through cache: " + rc.file.string() +
                           " has no proxy section, so it answers 404 for every Docker Hub image it was not pushed, "
                           "and containerd falls back to registry-1.docker.io",
                   "add\n    proxy:\n      remoteurl: https://registry-1.docker.io\n  to the registry config", {}});
  } else if (*rc.proxy_remote_url != kDockerHubApi && !proxies_through_front(rc)) {
    std::string why = "Docker Hub's registry API is https://registry-1.docker.io";
    if (rc.proxy_remote_url->find("docker.io") != std::string::npos && rc.proxy_remote_url->find("registry-1") == std::string::npos) {
      why += " (docker.io is only an alias of the web site and does not serve /v2/)";
    }
    out.push_back({"", "kind-registry proxies " + *rc.proxy_remote_url + " (proxy.remoteurl in " + rc.file.string() +
                           "); " + why,
                   "set proxy.remoteurl: https://registry-1.docker.io (or " + std::string(kRegistryFrontUrl) +
                       ", kind-registry-front, which proxies it)", {}});
  }
  return out;
}

namespace {

std::string hours(double seconds) {
  std::ostringstream out;
  if (seconds >= 3600) {
    out << seconds / 3600 << " h";
  } else {
    out << seconds << " s";
  }
  return out.str();
}

}  // namespace

std::optional<Finding> full_cache_disk(const std::string& cache, const std::filesystem::path& storage, std::uint64_t free_bytes,
                                       std::uint64_t total_bytes, const std::string& cache_log) {
  constexpr std::uint64_t kGiB = std::uint64_t(1) << 30;
  Finding f;
  std::istringstream in(cache_log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("no space left on device") != std::string::npos && f.evidence.size() < 3) f.evidence.push_back(line);
  }
  const bool low = total_bytes > 0 && free_bytes < total_bytes / 10 && free_bytes < kGiB;
  if (!low && f.evidence.empty()) return std::nullopt;
  f.problem = cache + "'s storage " + storage.string() + " is " + (f.evidence.empty() ? "nearly full" : "full") + ": " +
              format_bytes(free_bytes) + " free of " + format_bytes(total_bytes) +
              (f.evidence.empty() ? "" : ", and its log says it could not store a fetch") +
              ". What it cannot store is not cached (the next cluster asks Docker Hub again, counted); registry 3 "
              "also cuts the node's download short, and containerd rejects it (\"unexpected commit digest\") "
              "without falling back to Docker Hub: the pull fails";
  f.fix = "make room: `mirrorgate cache prune --keep IMAGES.txt` (add --max-size to keep it under a size), or give " +
          storage.string() + " a larger disk";
  return f;
}

std::optional<Finding> full_cache_disk(const std::string& cache, const std::filesystem::path& storage, const std::string& cache_log) {
  const auto disk = disk_space(storage);
  if (!disk) return std::nullopt;
  return full_cache_disk(cache, storage, disk->free, disk->total, cache_log);
}

std::optional<Finding> expiring_cache(const RegistryConfig& rc, const std::string& generation) {
  if (!rc.proxy_remote_url || !rc.delete_enabled || !proxy_scheduler_runs(rc, generation)) return std::nullopt;
  constexpr double kDefaultTtl = 168 * 3600.0;  // distribution's repositoryTTL, and 2.8's only one
  const bool v2 = generation == "2.8";
  double ttl = kDefaultTtl;
  std::string ttl_said;
  if (v2) {
    ttl_said = "registry 2.8 ignores proxy.ttl" +
               (rc.proxy_ttl_source.empty() ? std::string() : " (" + rc.proxy_ttl_source + ")") +
               " and always expires after 168 h";
  } else if (!rc.proxy_ttl_seconds) {
    ttl_said = "proxy.ttl is unset, so distribution's default of 168 h applies";
  } else {
    ttl = *rc.proxy_ttl_seconds;
    ttl_said = "proxy.ttl is " + rc.proxy_ttl_text + " (" + rc.proxy_ttl_source + ")";
  }
  Finding f;
  f.problem = "kind-registry deletes what it cached: storage.delete.enabled is true (" + rc.delete_source + ") and " +
              ttl_said + ". distribution deletes every blob and manifest " + hours(ttl) +
              " after it first fetched it, however often it was pulled since (distribution#4659), and deletes a "
              "layer's data everywhere, also under every other cached image that shares it (distribution#2367, "
              "#4191): those images then fail offline, and each is fetched again and counted again by Docker Hub";
  f.fix = v2 ? "set storage.delete.enabled: false (registry 2.8 has no other way to keep its cache), as "
               "registry/registry-config.yml ships it"
             : "set proxy.ttl: 0 (never expire) or storage.delete.enabled: false; registry/registry-config.yml ships "
               "both";
  if (!rc.delete_source.empty()) f.evidence.push_back(rc.delete_source + ": storage.delete.enabled: true");
  if (!rc.proxy_ttl_source.empty()) f.evidence.push_back(rc.proxy_ttl_source + ": proxy.ttl: " + rc.proxy_ttl_text);
  return f;
}

namespace {

// Collects one node's findings, in the order containerd decides.
class NodeDiagnosis {
 public:
  NodeDiagnosis(const Environment& env, std::string node, const MirrorFacts& facts)
      : env_(env), node_(std::move(node)), facts_(facts) {}

  std::vector<Finding> run() {
    RegistrySettings settings;
    try {
      settings = env_.node_registry_config(node_);
    } catch (const std::exception& e) {
      add(std::string("cannot read the registry config of its running containerd: ") + e.what(), "");
      return out_;
    }
    if (!check_registry_settings(settings)) return out_;
    const auto where = locate_hosts_toml(env_, node_, settings.config_path, facts_.registry);
    auto hosts = read_hosts_toml(settings, where);
    if (!hosts) return out_;
    check_hosts(*hosts, where.path);
    return out_;
  }

 private:
  void add(std::string problem, std::string fix, std::vector<std::string> evidence = {}) {
    out_.push_back({node_, std::move(problem), std::move(fix), std::move(evidence)});
  }

  // config_path set, no legacy mirrors beside it. False: hosts.toml is not read at all.
  bool check_registry_settings(const RegistrySettings& settings) {
    if (!settings.config_path.empty() && !settings.mirror_hosts.empty()) {
      add("its containerd has both config_path and legacy `mirrors` entries; the CRI plugin refuses that combination",
          "remove the registry.mirrors tables from containerdConfigPatches; hosts.toml replaces them");
    }
    if (!settings.config_path.empty()) return true;
    std::string cause = "the kind config (" + facts_.kind_config.string() +
                        ") has no containerdConfigPatches entry setting config_path";
    for (const auto& v : facts_.generations) {
      if (v.generation == env_.generation() && !v.ok) cause = "containerd " + v.generation + " (" + v.stands_for + "): " + v.why;
    }
    if (!facts_.skipped_patches.empty()) cause = "kind skipped the kind config's patch: " + facts_.skipped_patches.front();
    if (const auto portability = generation_portability(facts_); !portability.empty()) cause += ". " + portability;
    add("its containerd has no config_path, so hosts.toml is ignored and every pull goes straight to " +
            facts_.upstream_host() + "; " + cause,
        "in the kind config:\n    containerdConfigPatches:\n      - |-\n        [plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
        "          config_path = \"/etc/containerd/certs.d\"",
        {"read back from containerd (" + settings.source + "): config_path is empty"});
    return false;
  }

  // The file containerd reads for the registry, parsed; a finding when it is
  // missing (with what is there instead) or not TOML.
  std::optional<HostsToml> read_hosts_toml(const RegistrySettings& settings, const HostsTomlLocation& where) {
    if (!where.text) {
      missing_hosts_toml(settings, where);
      return std::nullopt;
    }
    try {
      return parse_hosts_toml(*where.text, node_ + ":" + where.path);
    } catch (const UserError& e) {
      add(std::string(e.what()), "fix the TOML syntax; containerd logs the error and ignores the whole file");
      return std::nullopt;
    }
  }

  void missing_hosts_toml(const RegistrySettings& settings, const HostsTomlLocation& where) {
    const std::string& path = where.path;
    std::vector<std::string> evidence;
    std::string hint;
    for (const auto& root : where.roots) {
      evidence.push_back("files under " + root + ":");
      const auto files = env_.list_node_files(node_, root);
      for (const auto& f : files) {
        evidence.push_back("  " + f);
        const std::string& r = facts_.registry;
        if (r == "docker.io" && (f.rfind("registry-1.docker.io/", 0) == 0 || f.rfind("index.docker.io/", 0) == 0)) {
          hint = "; the directory is named after the image's registry (docker.io), not Docker Hub's API host";
        } else if (f.rfind(r + "/", 0) == 0) {
          hint = "; containerd reads only " + r + "/hosts.toml, not " + f;
        }
      }
      if (files.empty()) evidence.back() += " none";
    }
    // Docker's own directory, which containerd reads only when config_path names it.
    const std::string docker_dir = "/etc/docker/certs.d";
    if (std::find(where.roots.begin(), where.roots.end(), docker_dir) == where.roots.end() &&
        env_.read_node_file(node_, docker_dir + "/" + facts_.registry + "/hosts.toml")) {
      hint = "; there is one in " + docker_dir + "/" + facts_.registry + "/, but config_path (" + settings.config_path +
             ") does not name " + docker_dir;
    }
    const std::string shipped = facts_.registry == "docker.io" ? "kind/hosts.toml"
                                                               : "kind/certs.d/" + facts_.registry + "/hosts.toml";
    add(path + " is missing, so the node pulls " + facts_.registry + " images straight from " +
            facts_.upstream_host() + hint,
        "write " + (facts_.hosts_toml.empty() ? shipped : facts_.hosts_toml.string()) + " to " + path + " on every node",
        evidence);
  }

  std::string expected_url() const {
    return std::string(facts_.tls ? "https" : "http") + "://" + facts_.name + ":" + std::to_string(facts_.port);
  }

  // The first host must be the mirror, reachable as written, able to pull and resolve.
  void check_hosts(const HostsToml& hosts, const std::string& path) {
    if (hosts.hosts.empty()) {
      add(path + " has no [host.\"…\"] entry, so every pull goes to the server (" +
              hosts.server.value_or(facts_.upstream_api()) + ")",
          "add [host.\"" + expected_url() + "\"] with capabilities = [\"pull\", \"resolve\"]");
      return;
    }
    const HostEntry& mirror = hosts.hosts.front();
    const std::string where = path + ":" + std::to_string(mirror.line);
    check_mirror_url(mirror, where);
    if (!has_capability(mirror, "pull")) {
      add("the mirror lacks the pull capability, so containerd never fetches from it (" + where + ")",
          "capabilities = [\"pull\", \"resolve\"]");
    } else if (!has_capability(mirror, "resolve")) {
      add("the mirror has capabilities = [\"pull\"] only: containerd resolves every tag at " + facts_.upstream_host() +
              (facts_.registry == "docker.io" ? " (counting against Docker Hub's pull limit, and failing when Docker "
                                                "Hub is down)"
                                              : " (failing when it is down)") +
              " (" + where + ")",
          "capabilities = [\"pull\", \"resolve\"]");
    }
    if (hosts.server && *hosts.server != facts_.upstream_api()) {
      add("server = \"" + *hosts.server + "\": the fallback after the mirror is not " +
              (facts_.registry == "docker.io" ? std::string("Docker Hub's API") : facts_.registry + "'s API"),
          "server = \"" + facts_.upstream_api() + "\"");
    }
  }

  void check_mirror_url(const HostEntry& mirror, const std::string& where) {
    const auto url = parse_url(mirror.url);
    const std::string use = "use [host.\"" + expected_url() + "\"]";
    if (!url.ok) {
      add("the first host " + mirror.url + " is not a URL (" + where + ")", use);
      return;
    }
    if (url.host != facts_.name) {
      add("the first host is " + url.host + ", but the mirror is " + facts_.name +
              " on the kind network; containerd cannot reach it and falls back to " + facts_.upstream_host() + " (" +
              where + ")",
          use);
    }
    if (url.port != facts_.port) {
      const std::string hint = url.port == 5001 ? " (5001 is the port on the host; nodes reach the container's own port)" : "";
      add("the mirror is given on port " + std::to_string(url.port) + " but " + facts_.name + " listens on " +
              std::to_string(facts_.port) + hint + " (" + where + ")",
          use);
    }
    if ((url.scheme == "https") != facts_.tls) {
      add("the mirror is given as " + url.scheme + "://, but " + facts_.name + " serves " +
              (facts_.tls ? "HTTPS" : "plain HTTP") +
              "; the TLS handshake fails and containerd falls back to " + facts_.upstream_host() + " (" + where + ")",
          use);
    }
  }

  const Environment& env_;
  std::string node_;
  const MirrorFacts& facts_;
  std::vector<Finding> out_;
};

}  // namespace

std::vector<Finding> diagnose_node(const Environment& env, const std::string& node, const MirrorFacts& facts) {
  return NodeDiagnosis(env, node, facts).run();
}

HostsTomlLocation locate_hosts_toml(const NodeFiles& files, const std::string& node, const std::string& config_path,
                                    const std::string& registry_host) {
  HostsTomlLocation where;
  for (size_t start = 0; start <= config_path.size();) {
    const size_t colon = std::min(config_path.find(':', start), config_path.size());
    if (colon > start) where.roots.push_back(config_path.substr(start, colon - start));
    start = colon + 1;
  }
  for (const auto& root : where.roots) {
    for (const auto& dir : containerd_host_dirs(root, registry_host)) {
      if (files.list_node_files(node, dir).empty()) continue;
      where.dir = dir;
      where.path = dir + "/hosts.toml";
      where.text = files.read_node_file(node, where.path);
      return where;
    }
  }
  where.path = (where.roots.empty() ? config_path : where.roots.front()) + "/" + hosts_directory_for(registry_host) +
               "/hosts.toml";
  return where;
}

}  // namespace mirrorgate
