// The kind backend: the real thing, driven through its CLIs. kind-registry is
// started by the shipped registry/setup-registry.sh, the cluster by
// `kind create cluster --config …`, hosts.toml goes in with `docker cp`.
//
// The upstream is Docker Hub, or (--stand-in-hub, for tests and machines
// without internet) a container serving HTTPS as registry-1.docker.io on the
// `kind` network, seeded with the test images like the local lab's hub.
#pragma once

#include <memory>

#include "env/backend.h"

namespace mirrorgate::kind {

inline constexpr const char* kBackendName = "kind";

// Throws UserError(missing_prerequisite) naming what is missing and the fix:
// docker, kind, a Docker daemon that answers.
void check_prerequisites();

// The kind backend as a Backend. up brings up (or reuses) kind-registry and
// the cluster, see the header comment; down deletes what up created and
// nothing else, after copying logs and node configs into STATE/runs/RUN/,
// and keeps the mirror's cache unless purge.
const Backend& backend();

// A read-only Environment of the user's own running cluster and
// kind-registry, found through Docker (kind's node labels, the registry
// container by name); no state file, nothing written, access logs read from
// now on. Throws std::runtime_error saying what is missing.
std::unique_ptr<Environment> attach_live(const std::string& cluster, const std::string& registry_container);

}  // namespace mirrorgate::kind
