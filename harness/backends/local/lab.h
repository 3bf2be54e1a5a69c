// The embedded lab (the local backend): production's mirror topology on one
// machine, with no Docker, kind or internet. One network namespace each for
// the Docker Hub stand-in (hub, Debian's docker-registry over HTTPS as
// registry-1.docker.io), kind-registry (docker-registry running
// registry/registry-config.yml byte for byte) and every node of the kind
// config (a containerd each, configured as kind configures it). `ip netns
// exec` bind-mounts /etc/netns/NAME/* over /etc, so each namespace gets its
// own /etc/hosts and each node its own /etc/containerd, and the shipped paths
// work unchanged.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "env/backend.h"

namespace mirrorgate::local {

inline constexpr const char* kBackendName = "local";

// Checks that the lab can run here: root, the commands it needs. Throws
// UserError(missing_prerequisite) with the command to run.
void check_prerequisites();

// Those of `commands` that are not on PATH, comma-separated; empty when all are.
std::string missing_commands(const std::vector<std::string>& commands);

// The lab as a Backend. up: a healthy lab from the same files in the same
// state dir is reused; a half-started one is torn down first. down: stops
// everything the state records, after copying configs and logs into the
// run's log directory; keeps the mirror's cache (registry-data), the hub's
// data and the test image store unless purge.
const Backend& backend();

}  // namespace mirrorgate::local
