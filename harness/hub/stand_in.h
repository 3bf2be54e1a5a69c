// The Docker Hub stand-in, shared by both backends: Docker Hub as clients
// meet it — a docker-registry that accepts only bearer tokens (distribution's
// own `auth: token`), behind an HTTPS front (hub/front.h) that answers as
// registry-1.docker.io and auth.docker.io with a certificate from a CA made
// per state directory, issues the tokens, and counts the pull quota. Seeded
// with the test images through the registry HTTP API, as an account that may
// push. The local backend runs it in a namespace, the kind backend in a
// container on the run's own docker network; everything else about it is here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "env/state.h"
#include "images/test_images.h"
#include "registry/registry_client.h"

namespace mirrorgate {

inline constexpr const char* kDockerHubApiHost = "registry-1.docker.io";
inline constexpr const char* kDockerHubAuthHost = "auth.docker.io";
// The account every stand-in knows besides its seeder: registry configs
// under test use it for proxy.username / proxy.password. A test double's
// account, not a secret.
inline constexpr const char* kLabAccount = "mirrorgate-user";
inline constexpr const char* kLabAccountToken = "mirrorgate-lab-token";

// "https://registry-1.docker.io": the stand-in answers to the real name.
std::string hub_url();

struct HubPki {
  std::filesystem::path ca_file;    // the lab CA
  std::filesystem::path ca_bundle;  // the system's CAs + the lab CA (for Go's SSL_CERT_FILE)
  std::filesystem::path cert;       // registry-1.docker.io's, docker.io's and auth.docker.io's certificate
  std::filesystem::path key;
  std::filesystem::path token_key;  // signs the token service's tokens
  std::filesystem::path token_cert; // its certificate: the hub's rootcertbundle
};

// Makes STATE/pki (the CA, the hub's certificate, the token signing key) and
// rewrites the bundle from the system's current CAs. The lab CA is trusted
// wherever the lab runs, so it can vouch for nothing else: it is valid for
// kLabCaDays, name-constrained to the stand-in world's domains (docker.io,
// docker.com, quay.io, ghcr.io, githubusercontent.com, k8s.io, pkg.dev) and "hub",
// and its key is deleted once it has signed the hub's certificate. A CA
// without those constraints, or expiring within two days, is made anew.
HubPki make_hub_pki(const std::filesystem::path& state_dir);
inline constexpr int kLabCaDays = 30;
HubPki make_hub_pki(const std::filesystem::path& state_dir);

// distribution config of the stand-in: plain HTTP on 127.0.0.1:5000 behind
// the front, storage at `root_directory`, bearer tokens from auth.docker.io
// verified against `token_cert` (as the hub sees that file).
std::string hub_registry_config(const std::string& root_directory, const std::string& token_cert);
inline constexpr const char* kHubBackend = "127.0.0.1:5000";

// STATE/hub/accounts.json: the seeder (may push; a token made per state
// directory) and the lab account; made once. Returns the seeder's credentials.
Credentials ensure_hub_accounts(const std::filesystem::path& state_dir);
std::filesystem::path hub_accounts_file(const std::filesystem::path& state_dir);

// The front's command line (libexec's mirrorgate_hub_front), listening on
// `listen` ("10.77.0.2:443"), with the run's PKI, accounts and quotas.
std::vector<std::string> hub_front_argv(const RunState& state, const std::string& listen);

// How the harness reaches the stand-in of a run: its CA, and the API host
// name resolved to the stand-in's address.
RegistryClient hub_client(const RunState& state);

// Publishes the image on the stand-in hub under a repository no cache has
// seen (blobs mounted, not uploaded) and returns its reference; distribution
// links cached blobs per repository, so a cache fetches every blob from the
// upstream again. The repository's name carries the purpose, the time and
// the process. Empty when the hub refused a mount.
std::string publish_uncached_copy(const RegistryClient& hub, const TestImage& image, const std::string& purpose);

// Generates (or reuses from the store) every image of the list.
std::vector<TestImage> build_test_images(const std::filesystem::path& list, const TestImageStore& store);

// A stand-in seeded with the same test images holds the same files, so the
// first seeding of an image list is kept in the test-image store
// (STORE/hub-seed/KEY, KEY covering every reference and digest) and copied
// into the next stand-in's empty data directory before it starts, instead
// of pushing every image again (about 5 s a lab). seed_hub still checks each
// image by digest afterwards and pushes what is missing.
class HubSeedCache {
 public:
  HubSeedCache(const TestImageStore& store, std::vector<TestImage> images);
  // Before the stand-in starts. Copies the kept seeding into `hub_data` when
  // that directory is empty, the kept copy lies in a directory only root
  // (or the user) can write, and it holds every blob at its size and every
  // tag at its digest; returns whether it did. Copies directories and
  // regular files only, never a link.
  bool restore_into(const std::filesystem::path& hub_data);
  // After seed_hub: keeps `hub_data` as this list's seeding when it was
  // empty before restore_into (so it holds these images and nothing else)
  // and none is kept yet.
  void keep(const std::filesystem::path& hub_data) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::vector<TestImage> images_;
  std::filesystem::path dir_;
  bool started_empty_ = false;
  bool restored_ = false;
};

// Pushes each image unless the hub holds it, with progress for big ones;
// returns what the hub serves, for the state file. With `hub_data` (the
// hub's storage as the harness reaches it) holding every image whole — each
// blob at its size, linked into its repository, each tag at its digest —
// nothing is asked over HTTP.
std::vector<SeededImage> seed_hub(const RegistryClient& hub, const std::vector<TestImage>& images,
                                  const TestImageStore& store, const std::string& platform,
                                  const std::filesystem::path& hub_data = {});

}  // namespace mirrorgate
