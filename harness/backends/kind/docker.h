// The Docker CLI as the kind backend drives it (through Boost.Process), and
// what it reads from containers: their kind-network address, their pid (to
// reach a node's containerd socket and files through /proc/PID/root), and
// their access logs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "process/process.h"
#include "registry/http.h"

namespace mirrorgate::kind {

inline constexpr const char* kKindNetwork = "kind";
inline constexpr auto kDockerTimeout = std::chrono::minutes(2);

RunResult docker(std::vector<std::string> args, RunOptions options = {.timeout = kDockerTimeout});
// Never throws on a non-zero exit; the caller looks at ok().
RunResult docker_quiet(std::vector<std::string> args);

bool container_exists(const std::string& name);
bool container_running(const std::string& name);
// The container's main process as the host sees it; 0 when it does not run.
int container_pid(const std::string& name);
// Its address on `network`; waits for it (right after `docker network
// connect` the address can still be empty).
std::string address_on_network(const std::string& container, const std::string& network);
// Its address on `network` as it is now; empty when it has none, or when no
// container has that name.
std::string current_address_on_network(const std::string& container, const std::string& network);
// The networks it is attached to, by name.
std::vector<std::string> networks_of(const std::string& container);

// The full ID of the container (or network) of that name; empty when none.
// What a run creates it records by ID, and removes only while the name still
// leads to that ID: a container someone made under the same name since is
// not the run's.
std::string container_id(const std::string& name);
std::string network_id(const std::string& name);
// Labels every container and network a run creates: the state directory
// that owns it (`docker ps --filter label=io.mirrorgate.state` lists them).
inline constexpr const char* kStateLabel = "io.mirrorgate.state";
// What registry/setup-registry.sh labels its containers with: "cache" on
// kind-registry and on each other registry's cache, "kind-registry-front"
// on the front (as kind labels its nodes with their cluster).
inline constexpr const char* kMirrorgateRoleLabel = "io.mirrorgate.role";

bool on_path(const std::string& command);

std::string trim(std::string s);
std::vector<std::string> lines_of(const std::string& text);

// The container's stdout (a registry's access log) as far as it is complete:
// a request of our own, logged after every request that finished before it,
// marks where — dockerd copies container output asynchronously. The markers
// are left out.
// `since` (RFC 3339, may be empty) bounds what is read of a long-lived log.
std::string synced_access_log(const std::string& container, const std::string& base_url, const HttpOptions& options,
                              const std::string& since = "");

}  // namespace mirrorgate::kind
