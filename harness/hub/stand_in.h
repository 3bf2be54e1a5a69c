// The Docker Hub stand-in, shared by both backends: a docker-registry serving
// HTTPS as registry-1.docker.io with a certificate from a CA made per state
// directory, seeded with the test images through the registry HTTP API. The
// local backend runs it in a namespace, the kind backend in a container on
// the kind network; everything else about it is here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "env/state.h"
#include "images/test_images.h"
#include "registry/registry_client.h"

namespace mirrorgate {

inline constexpr const char* kDockerHubApiHost = "registry-1.docker.io";

// "https://registry-1.docker.io": the stand-in answers to the real name.
std::string hub_url();

struct HubPki {
  std::filesystem::path ca_file;    // the lab CA
  std::filesystem::path ca_bundle;  // the system's CAs + the lab CA (for Go's SSL_CERT_FILE)
  std::filesystem::path cert;       // registry-1.docker.io's certificate
  std::filesystem::path key;
};

// Makes STATE/pki once (the CA and the hub's certificate) and rewrites the
// bundle from the system's current CAs.
HubPki make_hub_pki(const std::filesystem::path& state_dir);

// distribution config of the stand-in: TLS with the given files, storage at
// `root_directory`, listening on `listen` ("10.77.0.2:443" or ":443").
std::string hub_registry_config(const std::string& listen, const std::string& root_directory,
                                const std::string& cert, const std::string& key);

// How the harness reaches the stand-in of a run: its CA, and the API host
// name resolved to the stand-in's address.
RegistryClient hub_client(const RunState& state);

// Generates (or reuses from the store) every image of the list.
std::vector<TestImage> build_test_images(const std::filesystem::path& list, const TestImageStore& store);

// Pushes each image unless the hub holds it, with progress for big ones;
// returns what the hub serves, for the state file.
std::vector<SeededImage> seed_hub(const RegistryClient& hub, const std::vector<TestImage>& images,
                                  const TestImageStore& store, const std::string& platform);

}  // namespace mirrorgate
