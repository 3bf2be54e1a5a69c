// Docker Hub as a client meets it (docs.docker.com/docker-hub/usage/ and the
// registry token spec): a request for a repository answers 401 with
//   WWW-Authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull"
// the client gets a token from the realm (anonymously, or with an account's
// username and access token as basic credentials) and retries with
// `Authorization: Bearer TOKEN`. Manifest responses carry the pull quota:
//   ratelimit-limit: 100;w=21600   ratelimit-remaining: 76;w=21600   docker-ratelimit-source: 203.0.113.7
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "registry/http.h"

namespace mirrorgate {

struct BearerChallenge {
  std::string realm;
  std::string service;
  std::string scope;
};

// nullopt when the header is not a Bearer challenge.
std::optional<BearerChallenge> parse_bearer_challenge(const std::string& www_authenticate);

struct Credentials {
  std::string username;
  std::string password;  // an access token
  bool empty() const { return username.empty(); }
};

// The request; when it answers 401 with a Bearer challenge, fetches a token
// from the realm (with the credentials, when given) and sends it again.
// Throws HttpError when the token service does not give one.
// The token used is returned in the pseudo header x-mirrorgate-token, for
// the caller to reuse.
HttpResponse request_with_token(const HttpClient& http, const std::string& method, const std::string& url,
                                std::map<std::string, std::string> headers, const Credentials& credentials = {},
                                const std::string& body = {});

struct PullQuota {
  bool known = false;      // the response carried ratelimit headers
  int limit = 0;           // pulls per window
  int remaining = 0;
  int window_seconds = 0;  // w=
  std::string source;      // docker-ratelimit-source: the address or account counted
};

// From a manifest response's headers; `known` false when there are none.
PullQuota pull_quota_of(const HttpResponse& response);

struct QuotaLimit {
  int pulls = 0;  // per window
  std::chrono::seconds window{0};
};

// Docker's limits as enforced: unauthenticated users 100 pulls per 6 hours
// per IPv4 address or IPv6 /64 subnet; a free Personal account 200 pulls per
// 6 hours (docs.docker.com/docker-hub/usage/ and docker/docs
// content/manuals/subscription/details.md; the hourly 10 and 100 announced
// for April 2025 were not enforced, docker/docs PRs #22326, #22351, #22362).
// Docker Hub's own header names the window: `ratelimit-limit: 100;w=21600`.
inline constexpr QuotaLimit kDockerHubAnonymous{100, std::chrono::hours(6)};
inline constexpr QuotaLimit kDockerHubPersonal{200, std::chrono::hours(6)};

// "100/6h", "10/1h", "200/21600s": UserError(bad_input) naming `flag` otherwise.
QuotaLimit parse_quota(const std::string& text, const std::string& flag);
std::string format_quota(const QuotaLimit& limit);


}  // namespace mirrorgate
