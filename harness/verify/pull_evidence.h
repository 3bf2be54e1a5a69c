// What the access logs say about one pull. containerd falls back to the
// upstream without an error when the mirror fails, so a successful pull proves
// nothing: the node's address in the mirror's log, fetching the manifest and
// every blob, and its absence from the upstream's log, do.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/environment.h"
#include "registry/docker_hub.h"
#include "reports/report.h"

namespace mirrorgate {

// Marks the ends of both access logs before a pull: the cache of
// `registry` (kind-registry for docker.io) and the upstream's.
struct LogMark {
  size_t mirror = 0;
  size_t upstream = 0;
  std::string registry = kDockerIo;
  // With more than one machine (Team), each machine's kind-registry log:
  // a node's evidence is in its own machine's (machine k at k - 1).
  std::vector<size_t> machine_mirrors;
  static LogMark now(const Environment& env, const std::string& registry = kDockerIo);
};

struct PullEvidence {
  std::string node;
  std::string node_address;
  std::vector<AccessRecord> node_at_mirror;    // the node's requests to the registry's cache
  std::vector<AccessRecord> node_at_upstream;  // the node's requests straight to the registry
  std::vector<AccessRecord> upstream;          // every request the registry saw, but other nodes' own
  long long bytes_from_mirror() const;
};

PullEvidence evidence_since(const Environment& env, const std::string& node, const LogMark& mark);

struct ExpectedPull {
  std::string image;       // as pulled, e.g. docker.io/library/redis:7.2
  std::string repository;  // library/redis
  std::vector<std::string> blobs;  // config and layers the node's platform needs
  std::string registry = kDockerIo;  // whose cache it must come from (quay.io: kind-registry-quay-io)
};

// Problems in the user's terms, each with the log lines that show it; empty
// when the pull went through the mirror and only the cache (kind-registry,
// and kind-registry-front when it has an address of its own) talked upstream.
std::vector<std::string> check_pull_used_mirror(const PullEvidence& evidence, const ExpectedPull& expected,
                                                const std::vector<std::string>& cache_addresses);

// evidence_since, once the logs hold the whole pull. A registry logs a
// request when its handler returns, and distribution's proxy returns from a
// blob it fetched upstream only after committing it to its storage (v3.1.1,
// registry/proxy/proxyblobstore.go, ServeBlob: the client is written through
// a MultiWriter, then Commit), when the node may already hold every byte and
// its pull be over. Reads again until check_pull_used_mirror finds nothing
// or `settle` has passed, and returns the last reading; once the node is
// seen at the upstream itself (a fallback: no later log line undoes it),
// after a moment more for the cache's log to show why.
PullEvidence evidence_once_logged(const Environment& env, const std::string& node, const LogMark& mark,
                                  const ExpectedPull& expected,
                                  std::chrono::milliseconds settle = std::chrono::seconds(3));

std::string format_record(const AccessRecord& r);

// Who asked the upstream for what, by client named in the run's terms
// (kind-registry, harness, a node that went straight to the upstream):
// requests, manifest HEADs and GETs, blob GETs and bytes each.
std::map<std::string, UpstreamTraffic> summarize_upstream(const Environment& env,
                                                          const std::vector<AccessRecord>& upstream_records);

// What Docker Hub (the stand-in) counted, by the identity it counts: an
// account, else a client address named in the run's terms — pulls counted
// against the quota, pulls refused (429), manifest HEADs (free), tokens
// issued and refused; and the quota in force.
DockerHubSummary summarize_docker_hub(const Environment& env, const std::vector<AccessRecord>& upstream_records);

// Pulls the quota counted, by identity (account, else address).
std::map<std::string, int> counted_pulls(const std::vector<AccessRecord>& upstream_records);

}  // namespace mirrorgate
