// The team tier's rules, from its shipped files (team/): what a replica's
// config must say to share one store with its peers, the URL a machine is
// given, and the S3 bucket the replicas store in. Pure but for the bucket.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/access_log.h"

namespace mirrorgate {

// A replica's registry config (team/registry-config.yml, as it runs), with
// the environment that overrides it (REGISTRY_* variables).
struct ReplicaConfig {
  std::string name;    // "team-replica-1", for messages
  std::string source;  // the file it came from
  std::string text;
  std::vector<std::pair<std::string, std::string>> environment;
};

// What keeps a replica from sharing the store safely, each naming the file
// and the key: content that expires (proxy.ttl other than 0: every replica
// runs the proxy's scheduler over the one store, distribution#3251), a
// storage other than s3, blob descriptors outside Redis, redirects to the
// store, no proxy section. Empty: none.
std::vector<std::string> replica_config_problems(const ReplicaConfig& replica);

// The http.secret each replica runs with (REGISTRY_HTTP_SECRET over the
// file's http.secret); a replica without one, or with another than the
// first's, is named: distribution's upload sessions and state tokens are
// signed with it, so a peer with another refuses what its peers started.
std::vector<std::string> http_secret_problems(const std::vector<ReplicaConfig>& replicas);

// A machine's kind-registry that does not cache through the team cache:
// its upstream (REGISTRY_PROXY_REMOTEURL over the config's proxy.remoteurl)
// is another — Docker Hub, or its own front — so the machine asks Docker
// Hub on its own. The problem, naming the machine, what it goes to and
// where that is set; nullopt when it goes to team_url.
std::optional<std::string> machine_upstream_problem(const ReplicaConfig& kind_registry, const std::string& team_url);

// A --team-cache URL: http:// or https://, a host, an optional port, no
// path. The problem, or nullopt.
std::optional<std::string> team_cache_url_problem(const std::string& url);

// The bucket in the S3 store at `endpoint` (http://HOST:PORT), made when
// missing. Throws UserError naming the endpoint and the bucket when the
// store refuses the keys, std::runtime_error when it does not answer.
void ensure_s3_bucket(const std::string& endpoint, const std::string& bucket, const std::string& access_key,
                      const std::string& secret_key);

// What Docker Hub served a team, from its access log's records: GETs of
// blobs and of manifests by digest answered with content (200), the
// distinct ones among them (a repository and a digest), the pulls the
// stand-in counted, and the bytes it sent (200 and 206).
struct HubServed {
  int gets = 0;
  int distinct = 0;
  int counted_pulls = 0;
  long long bytes = 0;
};
HubServed hub_served(const std::vector<AccessRecord>& records);

}  // namespace mirrorgate
