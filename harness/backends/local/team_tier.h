// The lab's team tier (runs of --machines 2 or more): the team's shipped
// files (team/) run byte for byte on Debian's Ceph, Redis and haproxy and
// on registry 3.1, each part in a namespace of its own, as processes the
// lab owns, with configs and keys under STATE/team. Between the machines'
// kind-registry and the Docker Hub stand-in:
//
//   machine k: nodes ─▶ kind-registry ─▶ team-cache:5000 (haproxy, hash of the path)
//                                         ├─▶ team-replica-1:5000 (registry, s3) ─▶ its front ─▶ Docker Hub
//                                         └─▶ team-replica-2:5000 …
//   replicas ─▶ team-store:7480 (Ceph RGW; one mon, one OSD on a file-backed BlueStore)
//            ─▶ team-redis:6379 (blob descriptors)
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/local/lab_state.h"
#include "backends/local/local_environment.h"
#include "backends/local/network.h"
#include "backends/local/topology.h"

namespace mirrorgate::local {

// What every machine's kind-registry is given (setup-registry.sh --team-cache URL).
std::string team_cache_url();

// What the team tier needs, checked before a lab of 2 or more machines
// creates anything: its shipped files in `team_files`, registry 3.1, and
// Ceph's, haproxy's and Redis's commands. UserError(missing_prerequisite)
// naming what is missing and how to install it.
void check_team_prerequisites(const std::filesystem::path& team_files);
// Brings the team tier up and waits until the team cache answers: the
// store (made on the first run, kept after), Redis, each replica's front,
// the replicas, haproxy. Throws naming the part that did not come up.
void start_team(LocalEnvironment& env, std::chrono::seconds timeout);
// Replica r (1-based) killed (SIGKILL) or started again and waited for.
void kill_replica(LocalEnvironment& env, int r);
void start_replica(LocalEnvironment& env, int r, std::chrono::seconds timeout);

}  // namespace mirrorgate::local
