// Registry generations: which distribution kind-registry runs. The lab runs
// each from a binary of this machine, the kind backend from its image:
//   2.8  Debian 12's docker-registry 2.8.2 — what the seed's `registry:2` runs
//   3.1  distribution v3.1.1, built by ci/build-registry.sh from its source —
//        what `registry:3` runs, the image kind's local-registry script uses
// They differ where a cache feels it (read in v3.1.1's source, seen in the
// lab): 3.1 fetches a cold blob from the upstream once and tees it to the
// client and the store, where 2.8 fetches it twice; 3.1 writes a link to a
// temporary file and renames it, where 2.8 rewrites it in place (the read
// during that write is 2.8's "invalid checksum digest format" 500).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mirrorgate {

struct RegistryGeneration {
  std::string name;     // "2.8", "3.1": what --registry takes
  std::string version;  // what the lab runs, "2.8.2"
  std::string image;    // the Docker image of that generation, "registry:2"
  // Where that image reads its config (the distribution image's Dockerfile:
  // /etc/docker/registry/config.yml up to v2, /etc/distribution/config.yml in v3).
  std::string config_path;
  std::string source;   // where the lab's binary comes from, for messages
};

const std::vector<RegistryGeneration>& registry_generations();

// What the shipped registry/setup-registry.sh runs: the measured best
// (docs/registry-generations.md).
const RegistryGeneration& shipped_registry_generation();

// The generation named by --registry; throws UserError(bad_input) naming the choices.
const RegistryGeneration& registry_generation_named(const std::string& name);

// The generation whose image is `image` ("registry:3", "…/registry:2.8.3");
// nullptr when the tag names none of them.
const RegistryGeneration* registry_generation_of_image(const std::string& image);

// The lab's binary of a generation, and whether it is there.
std::filesystem::path registry_binary(const RegistryGeneration& generation);
bool registry_available(const RegistryGeneration& generation);
// The newest generation whose binary is here; nullptr when none is.
const RegistryGeneration* newest_available_registry();

// What a report says of kind-registry: "registry 3.1: github.com/…/v3 v3.1.1",
// from the generation and what `registry --version` printed (its own path first).
std::string registry_version_line(const std::string& generation, const std::string& version_output);
// Just the module and version of `registry --version`'s first line.
std::string registry_version_of(const std::string& version_output);

// What a report and the main job's last lines say of the generation that
// ran: "3.1 (registry:3), the shipped default", or "2.8 (registry:2), not
// the shipped default registry:3: NOTE".
std::string registry_generation_line(const std::string& generation, const std::string& note);

// `registry garbage-collect`'s own summary in its output ("12 blobs marked,
// 3 blobs and 0 manifests eligible for deletion"); else the output's last
// non-empty lines (up to `lines`), which say why it failed.
std::string garbage_collect_summary(const std::string& output, size_t lines = 4);

// `BINARY garbage-collect CONFIG` over the storage at `root` (given to it as
// REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY), while nothing serves it.
// Returns its summary; throws naming `who`, the command and why it failed.
std::string run_garbage_collect(const std::filesystem::path& binary, const std::filesystem::path& config,
                                const std::filesystem::path& root, const std::string& who);

// Why a generation's binary is missing and how to get it.
std::string registry_missing_reason(const RegistryGeneration& generation);

}  // namespace mirrorgate
