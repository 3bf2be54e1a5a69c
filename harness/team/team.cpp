#include "team/team.h"

#include <regex>
#include <set>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "registry/http.h"

namespace mirrorgate {

namespace {

std::optional<std::string> env_of(const ReplicaConfig& r, const std::string& name) {
  for (const auto& [key, value] : r.environment) {
    if (key == name) return value;
  }
  return std::nullopt;
}

YAML::Node load(const ReplicaConfig& r) {
  try {
    return YAML::Load(r.text);
  } catch (const YAML::Exception& e) {
    throw bad_input(r.source, e.mark.line + 1, std::string("not YAML: ") + e.msg);
  }
}

std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string(); }

}  // namespace

std::vector<std::string> replica_config_problems(const ReplicaConfig& r) {
  std::vector<std::string> out;
  const YAML::Node root = load(r);
  auto problem = [&](const std::string& key, const std::string& what) {
    out.push_back(r.name + " (" + r.source + "): " + key + " " + what);
  };
  const YAML::Node proxy = root["proxy"];
  if (!proxy || !proxy.IsMap()) {
    problem("proxy", "is missing: the replica would not cache Docker Hub");
  } else {
    const std::string ttl = env_of(r, "REGISTRY_PROXY_TTL").value_or(scalar(proxy["ttl"]));
    if (ttl != "0" && ttl != "0s" && ttl != "0h") {
      problem("proxy.ttl", (ttl.empty() ? std::string("is not set (168h by default)") : "is " + ttl) +
                               ": the replicas' schedulers would expire what the team cached, one deleting what "
                               "another just fetched (distribution#3251); set ttl: 0");
    }
  }
  const YAML::Node storage = root["storage"];
  if (!storage || !storage["s3"]) {
    problem("storage", "has no s3 section: the replicas would not share one store");
  }
  const std::string descriptors =
      env_of(r, "REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR").value_or(storage ? scalar(storage["cache"]["blobdescriptor"]) : "");
  if (descriptors != "redis") {
    problem("storage.cache.blobdescriptor", "is " + (descriptors.empty() ? std::string("not set") : descriptors) +
                                                ", not redis: each replica would keep its own, stale once a peer "
                                                "stores the blob");
  }
  const std::string redirect =
      env_of(r, "REGISTRY_STORAGE_REDIRECT_DISABLE").value_or(storage ? scalar(storage["redirect"]["disable"]) : "");
  if (redirect != "true") {
    problem("storage.redirect.disable", "is not true: the replicas would answer blob GETs with a redirect to the "
                                        "store, which the machines may not reach");
  }
  return out;
}

std::vector<std::string> http_secret_problems(const std::vector<ReplicaConfig>& replicas) {
  std::vector<std::string> out;
  std::optional<std::string> first;
  std::string first_name;
  for (const auto& r : replicas) {
    const YAML::Node root = load(r);
    const std::string secret = env_of(r, "REGISTRY_HTTP_SECRET").value_or(scalar(root["http"]["secret"]));
    if (secret.empty()) {
      out.push_back(r.name + " (" + r.source + "): http.secret is not set (nor REGISTRY_HTTP_SECRET): it makes up "
                             "one of its own, which no peer shares");
      continue;
    }
    if (!first) {
      first = secret;
      first_name = r.name;
    } else if (secret != *first) {
      out.push_back(r.name + " (" + r.source + "): http.secret differs from " + first_name +
                    "'s: it refuses the upload sessions its peers started; give every replica the same "
                    "REGISTRY_HTTP_SECRET");
    }
  }
  return out;
}

std::optional<std::string> machine_upstream_problem(const ReplicaConfig& r, const std::string& team_url) {
  const YAML::Node root = load(r);
  const auto from_env = env_of(r, "REGISTRY_PROXY_REMOTEURL");
  const std::string remote = from_env.value_or(scalar(root["proxy"]["remoteurl"]));
  auto trimmed = [](std::string u) {
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  };
  if (!remote.empty() && trimmed(remote) == trimmed(team_url)) return std::nullopt;
  return r.name + " caches through " + (remote.empty() ? std::string("nothing (no proxy.remoteurl)") : remote) +
         (from_env ? " (REGISTRY_PROXY_REMOTEURL)" : " (proxy.remoteurl in " + r.source + ")") + ", not the team cache " +
         team_url + ": it asks Docker Hub on its own. Run registry/setup-registry.sh --team-cache " + team_url +
         " --force on that machine";
}

std::optional<std::string> team_cache_url_problem(const std::string& url) {
  static const std::regex shape(R"(^(https?)://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,5}))?/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, shape)) {
    return "'" + url + "' is not a registry URL: expected http://HOST[:PORT] or https://HOST[:PORT], no path";
  }
  if (m[5].matched) {
    const int port = std::stoi(m[5].str());
    if (port < 1 || port > 65535) return "'" + url + "': port " + m[5].str() + " is not 1 to 65535";
  }
  return std::nullopt;
}

void ensure_s3_bucket(const std::string& endpoint, const std::string& bucket, const std::string& access_key,
                      const std::string& secret_key) {
  HttpClient s3({.timeout = std::chrono::seconds(20),
                 .aws_sigv4 = "aws:amz:us-east-1:s3",
                 .user_password = access_key + ":" + secret_key});
  const std::string url = endpoint + "/" + bucket;
  // RGW checks the payload's hash header, which curl's signing leaves out.
  const std::map<std::string, std::string> headers{
      {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}};
  // PUT of a bucket the key owns already answers 200 (RGW) or 409 BucketAlreadyOwnedByYou (S3).
  const auto put = s3.request("PUT", url, headers);
  if (put.status == 200 || (put.status == 409 && put.body.find("BucketAlreadyOwnedByYou") != std::string::npos)) return;
  if (put.status == 403) {
    throw bad_input(endpoint, 0, "the S3 store refuses the access key " + access_key + " for bucket " + bucket +
                                     " (403): check the key and its secret");
  }
  throw std::runtime_error("the S3 store at " + endpoint + " did not make bucket " + bucket + ": HTTP " +
                           std::to_string(put.status) + " " + put.body.substr(0, 300));
}

HubServed hub_served(const std::vector<AccessRecord>& records) {
  HubServed out;
  std::set<std::string> distinct;
  for (const auto& r : records) {
    if (r.pull_counted) ++out.counted_pulls;
    if (r.status == 200 || r.status == 206) out.bytes += r.bytes;
    if (r.method != "GET" || r.status != 200) continue;
    if (r.kind == RequestKind::blob || (r.kind == RequestKind::manifest && r.reference.rfind("sha256:", 0) == 0)) {
      ++out.gets;
      distinct.insert(r.repository + "@" + r.reference);
    }
  }
  out.distinct = static_cast<int>(distinct.size());
  return out;
}

}  // namespace mirrorgate
