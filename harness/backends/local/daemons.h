// The lab's daemons, each started in its namespace through `ip netns exec`
// (so /etc/netns/NS is its /etc), recorded in the state file as soon as it
// runs, and waited for until it answers: the hub (Docker Hub stand-in),
// kind-registry, and one containerd per node.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backends/local/local_environment.h"
#include "backends/local/topology.h"

namespace mirrorgate::local {

// Where the lab's DNS answers kind-registry-front: the address of Docker's
// own DNS inside a container on a user-defined network.
inline constexpr const char* kLabDnsAddress = "127.0.0.11";

// Starts argv in namespace ns through `ip netns exec` (so /etc/netns/NS is
// its /etc), stdout to p's access log (else its log), stderr to its log,
// and records it in p. `execs`: what the program may exec into in turn.
DaemonHandle start_in_namespace(const std::string& ns, std::vector<std::string> argv, LabProcess& p,
                                const std::map<std::string, std::string>& env = {},
                                std::vector<std::string> execs = {});
// Waits until `ready` holds while p's daemon runs; throws with its log when
// it exits or does not answer in time.
void wait_until(const std::string& what, const std::function<bool(std::string&)>& ready, const LabProcess& p,
                std::chrono::seconds timeout);
std::function<bool(std::string&)> answers(const RegistryClient& client);
std::string log_tail(const std::filesystem::path& log, size_t limit = 1500);
// A registry as kind-registry runs (the shipped config and start script),
// over `data`, its upstream remote_url when not empty.
void launch_registry(LocalEnvironment& env, LabProcess& p, const std::filesystem::path& data,
                     const std::string& remote_url);
// kind-registry-front from the shipped files as `front`, with the lab's DNS
// `dns` in the same namespace, nginx's prefix run_dir.
void launch_front_at(LocalEnvironment& env, LabProcess& front, LabProcess& dns, const std::filesystem::path& run_dir);
void wait_for_front_at(const LabProcess& front, const LabProcess& dns, std::chrono::seconds timeout);

// The stand-in: its registry, then its front; waits until the front answers.
// launch_* start a daemon and record it, wait_for_* wait until it answers:
// bring-up starts what depends on nothing at once, then waits.
void start_hub(LocalEnvironment& env, std::chrono::seconds timeout);
void launch_hub(LocalEnvironment& env);
void wait_for_hub(LocalEnvironment& env, std::chrono::seconds timeout);
// The front alone (after it was stopped, or with other quotas).
void start_hub_front(LocalEnvironment& env, std::chrono::seconds timeout);
void start_mirror(LocalEnvironment& env, std::chrono::seconds timeout);
void launch_mirror(LocalEnvironment& env);
// What kind-registry and each cache run: the shipped start script with
// busybox's sh, or without one `registry serve CONFIG`.
std::vector<std::string> registry_command(const RunState& run);
void wait_for_mirror(LocalEnvironment& env, std::chrono::seconds timeout);
// An --upstream's cache (kind-registry-quay-io): kind-registry's config and
// start script, its upstream and storage through the environment.
void launch_cache(LocalEnvironment& env, LabCache& cache);
void wait_for_cache(LocalEnvironment& env, const LabCache& cache, std::chrono::seconds timeout);
// kind-registry-front from the shipped files (its start script and nginx
// config, byte for byte), in kind-registry's namespace.
void start_front(LocalEnvironment& env, std::chrono::seconds timeout);
void launch_front(LocalEnvironment& env);  // and the lab's DNS it resolves with
void wait_for_front(LocalEnvironment& env, std::chrono::seconds timeout);
// Its run directory (nginx's prefix: config copy, cache of at most 10
// minutes, temp files), LabNames::front_run_dir of the lab's instance:
// removed with the lab, like the nodes' directories.
std::filesystem::path front_run_dir(const LabState& lab);
// The directory of the nginx the lab runs: ci/setup.sh unpacks Debian's into
// /var/cache/mirrorgate/nginx (MIRRORGATE_NGINX_CACHE), else the one on PATH.
std::filesystem::path nginx_bin_dir();
void start_node(LocalEnvironment& env, LabNode& node);
// Waits until the node's CRI answers; fails at once, with containerd's own
// log line, when containerd runs without its CRI plugin.
void wait_for_node(const LabNode& node, std::chrono::seconds timeout);

// The benchmarks' floor registries (FloorRegistry): a plain registry
// listening on every address at kFloorRegistryPort, on `node`'s loopback
// (in the node's namespace, storing in the node's own directory, gone with
// the node) or in kind-registry's namespace (storing in floor_registry_dir).
inline constexpr int kFloorRegistryPort = 5055;
std::filesystem::path floor_registry_dir(const RunState& run, FloorPlace place, const std::string& node);
// Where the cache-full scenario's small disk (a tmpfs) is mounted.
inline std::filesystem::path small_disk_dir(const RunState& run) { return run.state_dir / "small-disk"; }
// The lab's record of the floor registry at `place`.
LabProcess& floor_registry_process(LabState& lab, FloorPlace place);
void start_floor_registry(LocalEnvironment& env, FloorPlace place, const std::string& node,
                          std::chrono::seconds timeout);

// tc tbf on the hub's link ("100mbit"); empty: unlimited.
void apply_upstream_rate(const LabState& lab, const std::string& rate);

}  // namespace mirrorgate::local
