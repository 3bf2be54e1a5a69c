// Node generations: which containerd a kind node runs, and so how its
// registry config is written, migrated and read back. The lab runs each
// generation from Debian's own packages (ci/fetch-containerd.sh) or, where
// Debian has none yet, built from the sources kept beside the project
// (ci/build-containerd.sh):
//   1.6  Debian 12's containerd 1.6.20 (the system's /usr/bin)
//   1.7  trixie's 1.7.24   — the containerd of kind v0.20–v0.26 node images
//   2.1  sid's 2.1.9       — kind v0.27–v0.30 (2.0.2, 2.1.x)
//   2.2  v2.2.7, built     — kind v0.31 (2.2.0)
//   2.3  v2.3.4, built     — kind v0.32 (2.3.1) and v0.33
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "containerd/config_patch.h"

namespace mirrorgate {

struct KindRelease {
  std::string release;     // "v0.27.0"
  std::string containerd;  // what its node images ship, "2.0.2"
};

// containerd per kind release, from each tag's images/base/Dockerfile.
const std::vector<KindRelease>& kind_releases();

struct NodeGeneration {
  std::string name;      // "1.6", "1.7", "2.1": what --containerd takes
  std::string version;   // what the lab runs, "2.1.9"
  std::string origin;    // where it comes from: "Debian sid's package", "the source containerd-2.3.4.tar.gz"
  std::string stands_for;  // the kind releases whose nodes run this generation
  bool major2 = false;   // containerd 2.x: config version 3, io.containerd.cri.v1.images, no config in CRI Status
  std::string obtain;    // the script that puts it in place
};

const std::vector<NodeGeneration>& node_generations();

// The generation named by --containerd; throws UserError(bad_input) naming
// the choices.
const NodeGeneration& generation_named(const std::string& name);

// The lab's binaries of a generation (containerd, containerd-shim-runc-v2,
// ctr), and whether they are there.
std::filesystem::path generation_bin_dir(const NodeGeneration& generation);
bool generation_available(const NodeGeneration& generation);
// The newest generation whose binaries are there.
const NodeGeneration& newest_available_generation();

// What a node of `generation` reads, from the settings its config shows:
// containerd 2.2 and later set config_path to
// /etc/containerd/certs.d:/etc/docker/certs.d when the config sets neither
// it nor legacy mirrors (and `containerd config dump` still prints it empty).
RegistrySettings with_generation_defaults(RegistrySettings settings, const std::string& generation);

// The generation a kind node image stands for (kindest/node:vX.Y.Z@sha256:…),
// from the default node images of kind releases this project could read.
// nullopt when the image is not one of them.
struct NodeImageMatch {
  std::string kind_release;
  std::string containerd;  // what that release ships
  std::string generation;  // the lab generation standing for it
};
std::optional<NodeImageMatch> generation_of_node_image(const std::string& image);

// What a node of each generation makes of a merged config.toml (kind's
// base and the kind config's patches, as kind merged them), by the rules
// the real daemons showed in this project's lab (Debian's 1.6.20, 1.7.24 and
// 2.1.9; 2.2.7 and 2.3.4 built from source): where it reads config_path,
// and which combinations its CRI plugin refuses. `ok` false: docker.io pulls do not go through hosts.toml.
struct GenerationVerdict {
  std::string generation;  // "1.6"
  std::string stands_for;  // the kind releases
  bool ok = false;
  std::string why;         // what that containerd does with the config
};
std::vector<GenerationVerdict> registry_verdicts(const std::string& merged_config_toml);

// The lab generation standing for a containerd version ("2.0.2" → "2.1",
// "1.7.24" → "1.7", "1.6.21" → "1.6").
std::string generation_for_version(const std::string& containerd_version);

}  // namespace mirrorgate
