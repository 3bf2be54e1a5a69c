// The stand-in Docker Hub's front door: one HTTPS server (Boost.Beast over
// OpenSSL) answering as registry-1.docker.io, docker.io and auth.docker.io.
//   auth.docker.io/token  the token service (hub/token.h)
//   registry-1.docker.io  relayed to the hub's docker-registry behind it,
//                         which verifies every bearer token itself; manifest
//                         GETs are counted against the pull quota
//                         (hub/quota.h), answered with Docker Hub's ratelimit
//                         headers, and 429 TOOMANYREQUESTS once it is spent;
//                         a blob GET the hub would serve is answered, as
//                         Docker Hub answers it, with a 307 to its CDN host:
//   production.cloudflare.docker.com  the blob, for a signed URL that expires
//                         (no token: the signature is the permission).
// Every request is logged on stdout in Apache combined format with the
// client's address and, in the user field, the account of its token — the
// evidence of who pulled what, and who was counted.
#pragma once

#include <filesystem>
#include <string>

#include "hub/quota.h"

namespace mirrorgate {

// Where Docker Hub's blob GETs redirect to (a 307 with a signed URL).
inline constexpr const char* kDockerHubBlobHost = "production.cloudflare.docker.com";

struct FrontOptions {
  std::string listen_address = "0.0.0.0";
  unsigned short listen_port = 443;
  std::filesystem::path tls_cert;  // for registry-1.docker.io, docker.io, auth.docker.io
  std::filesystem::path tls_key;
  std::string backend_address = "127.0.0.1";  // the hub's docker-registry, plain HTTP
  unsigned short backend_port = 5000;
  std::filesystem::path token_key;   // signs tokens
  std::filesystem::path token_cert;  // its certificate (the hub's rootcertbundle)
  std::filesystem::path accounts;    // accounts.json
  QuotaLimit anonymous = kDockerHubAnonymous;
  QuotaLimit account = kDockerHubPersonal;
};


// Serves until the process is stopped. Throws std::runtime_error when it
// cannot listen or read its keys.
void run_front(const FrontOptions& options);

}  // namespace mirrorgate
