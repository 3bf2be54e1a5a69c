// distribution writes one access-log line per request to stdout, in Apache
// combined format (gorilla/handlers):
//   10.77.0.10 - - [27/Nov/2026:21:51:05 +0000] "GET /v2/library/redis/manifests/7.2?ns=docker.io HTTP/1.1" 200 1571 "" "containerd/1.6.20~ds1"
// The Docker Hub stand-in's front writes the same, with the account in the
// user field and a last quoted field on counted pulls: "pull counted 9/10".
// These records are the evidence of who fetched what from which registry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mirrorgate {

enum class RequestKind { base, catalog, tags, manifest, blob, upload, other };

struct AccessRecord {
  std::string client;  // address without port
  std::string time;    // as logged
  std::string method;
  std::string path;    // without the query
  std::string query;   // after '?', e.g. "ns=docker.io"
  int status = 0;
  long long bytes = 0;
  std::string user_agent;
  std::string user;  // the authenticated account (the log's user field); empty: anonymous
  // The Docker Hub stand-in's note on a manifest request: a pull counted
  // against the quota, or refused (429) because it was spent.
  bool pull_counted = false;
  bool pull_refused = false;
  std::string note;  // that last field, as written: "pull refused 0/10 window 3600s reset 3512s"
  // The stand-in's registry the request went to, from its note ("registry
  // quay.io", "registry quay.io cdn cdn01.quay.io"); empty for Docker Hub's
  // own names and in every other registry's log.
  std::string registry;

  // What the path asks for, and for manifests/blobs/tags the repository and
  // the tag or digest.
  RequestKind kind = RequestKind::other;
  std::string repository;
  std::string reference;
};

// nullopt for lines that are not access-log records (distribution's own log
// lines may share the file).
std::optional<AccessRecord> parse_access_line(std::string_view line);
std::vector<AccessRecord> parse_access_log(std::string_view text);

}  // namespace mirrorgate
