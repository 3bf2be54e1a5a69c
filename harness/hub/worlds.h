// The stand-in world's registries besides Docker Hub, each answering as the
// real one does to a client (distribution's proxy, containerd): its own host
// name and TLS name, its own auth flow, its own blob redirect. One front
// process serves them all (hub/front.h), by the Host a request names; their
// images live in the hub's docker-registry under the registry's name
// ("quay.io/prometheus/node-exporter"), which the front reaches with tokens
// of its own.
//
//   quay.io        bearer tokens from https://quay.io/v2/auth, service
//                  quay.io (quay's endpoints/v2 and auth/registry_jwt_auth:
//                  realm = the app's URL + /v2/auth, service = its
//                  hostname); a blob GET is a 302 to a signed URL on its CDN,
//                  cdn01.quay.io/quayio-production-s3/sha256/XX/HEX (quay's
//                  blob.py redirects to the storage's direct download URL;
//                  that host and path are what clients' errors show).
//   ghcr.io        bearer tokens from https://ghcr.io/token, service ghcr.io;
//                  /v2/ names the placeholder scope repository:user/image:pull;
//                  a blob GET is a 307 to pkg-containers.githubusercontent.com/
//                  ghcr1/blobs/sha256:HEX with a signature and expiry.
//   registry.k8s.io  archeio (kubernetes/registry.k8s.io, cmd/archeio, "Request
//                  Handling"): every /v2/ request but _catalog (404) is a 307
//                  to the upstream registry, a regional Artifact Registry:
//                  https://us-west1-docker.pkg.dev/v2/k8s-artifacts-prod/images/…
//                  (the region is the client's; the lab has one). Blobs go
//                  there too for a client outside AWS.
//   us-west1-docker.pkg.dev  that Artifact Registry: public images read
//                  without a token (archeio: publicly readable repositories
//                  do not care about a token), /v2/ answered 200.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mirrorgate {

enum class WorldAuth { bearer, none };

struct World {
  std::string registry;  // as references name it, and the prefix of its repositories in the hub's storage
  std::string api_host;  // where its registry API answers
  WorldAuth auth = WorldAuth::none;
  std::string realm_path;     // the token service's path on api_host ("/v2/auth")
  std::string base_scope;     // the scope a /v2/ challenge names, if any (ghcr's placeholder)
  std::string blob_host;      // where a blob GET is redirected; empty: served here
  int blob_redirect = 307;    // 302 (quay) or 307
  // A prefix before the repository name in this world's paths
  // ("k8s-artifacts-prod/images/" on Artifact Registry); empty for most.
  std::string path_prefix;
  // Every request under /v2/ is a 307 to this host, path_prefix inserted
  // (registry.k8s.io); empty: the world serves.
  std::string redirect_to;
};

inline constexpr const char* kQuayBlobHost = "cdn01.quay.io";
inline constexpr const char* kGhcrBlobHost = "pkg-containers.githubusercontent.com";
inline constexpr const char* kK8sArtifactRegistryHost = "us-west1-docker.pkg.dev";

// quay.io, ghcr.io, registry.k8s.io and its Artifact Registry.
const std::vector<World>& stand_in_worlds();
// The world whose api_host is `host`; nullptr for Docker Hub's names and
// anything unknown.
const World* world_at(const std::string& host);
// The world a blob host serves for; nullptr when it is none of theirs.
const World* world_of_blob_host(const std::string& host);
// Every host name the stand-in answers as besides Docker Hub's: the worlds'
// API hosts and their blob hosts (certificates, hosts files, network aliases).
std::vector<std::string> stand_in_world_hosts();

// The WWW-Authenticate header a bearer world sends with a 401; `scope` is
// the request's ("repository:NAME:pull"), empty for /v2/.
std::string world_challenge(const World& world, const std::string& scope);

// A request path of the world split into repository and the rest
// ("/v2/prometheus/node-exporter/manifests/v1.8.2" → "prometheus/node-exporter",
// "/manifests/v1.8.2"); nullopt for /v2/ itself and for anything that is not
// a manifest, blob or tags request under the world's path prefix.
struct WorldPath {
  std::string repository;
  std::string rest;  // "/manifests/…", "/blobs/sha256:…", "/tags/list"
};
std::optional<WorldPath> split_world_path(const World& world, const std::string& path);

// The repository's name in the hub's storage: the world's registry before it.
std::string stored_repository(const World& world, const std::string& repository);
// Where the hub stores an image of any registry: docker.io's under their own
// names ("library/redis"), every other's under the registry's name
// ("quay.io/prometheus/node-exporter").
std::string hub_repository(const std::string& registry, const std::string& repository);

// Where registry.k8s.io sends `path` (and its query): the Artifact Registry
// URL, as archeio's upstreamRedirectURL builds it (path.Join, which drops a
// trailing slash).
std::string world_redirect_url(const World& world, const std::string& path_and_query);

// A blob URL on the world's blob host, without its signature part:
// quay: /quayio-production-s3/sha256/XX/HEX, ghcr: /ghcr1/blobs/sha256:HEX.
std::string world_blob_path(const World& world, const std::string& digest_hex);
// The digest hex a blob path of the world names; nullopt when it is not one.
std::optional<std::string> world_blob_digest(const World& world, const std::string& path);

}  // namespace mirrorgate
