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
#include <utility>
#include <vector>

#include "backends/local/lab_state.h"
#include "backends/local/local_environment.h"
#include "backends/local/network.h"

namespace mirrorgate::local {

// Address slots on the lab subnet: the team tier's hosts, then machines 2..N,
// each a kind-registry followed by its nodes.
inline constexpr uint32_t kTeamStoreIndex = 100, kTeamRedisIndex = 101, kFirstReplicaIndex = 102,
                          kTeamCacheIndex = 110, kFirstMachineIndex = 120, kMachineSlots = 12;
inline constexpr int kTeamReplicas = 2;
// The most machines any lab names (its namespaces m2-… to m20-…).
inline constexpr int kMaxLabMachines = 20;
inline constexpr int kTeamCachePort = 5000;
inline constexpr int kTeamStorePort = 7480;
// The names the team's shipped files use for its hosts.
inline constexpr const char* kTeamStoreHost = "team-store";
inline constexpr const char* kTeamRedisHost = "team-redis";
inline constexpr const char* kTeamCacheHost = "team-cache";
std::string replica_host(int r);  // "team-replica-1"
// What every machine's kind-registry is given (setup-registry.sh --team-cache URL).
std::string team_cache_url();

// The most machines `subnet` holds with `nodes` nodes each; 1 when it holds
// no team tier. Throws UserError naming --machines when `machines` is more,
// or a machine would have more nodes than its slots.
int max_machines(const Subnet& subnet, size_t nodes);
void check_machines(int machines, const Subnet& subnet, size_t nodes);
std::string machine_mirror_address(const Subnet& subnet, int machine);
std::string machine_node_address(const Subnet& subnet, int machine, size_t node);

// Fills lab.team: namespaces, addresses, logs; nothing is created.
void plan_team(LabState& lab, const std::filesystem::path& state_dir, const Subnet& subnet,
               const std::filesystem::path& logs);

// Every team host with the names it answers to, for each namespace's hosts file.
std::vector<std::pair<std::string, std::string>> team_host_names(const LabState& lab);

// Brings the team tier up and waits until the team cache answers: the
// store (made on the first run, kept after), Redis, each replica's front,
// the replicas, haproxy. Throws naming the part that did not come up.
// What the team tier needs, checked before a lab of 2 or more machines
// creates anything: its shipped files in `team_files`, registry 3.1, and
// Ceph's, haproxy's and Redis's commands. UserError(missing_prerequisite)
// naming what is missing and how to install it.
void check_team_prerequisites(const std::filesystem::path& team_files);
void start_team(LocalEnvironment& env, std::chrono::seconds timeout);
// Replica r (1-based) killed (SIGKILL) or started again and waited for.
void kill_replica(LocalEnvironment& env, int r);
void start_replica(LocalEnvironment& env, int r, std::chrono::seconds timeout);

// STATE/team and what it keeps: the store's data and keys (kept by down
// unless --purge).
std::filesystem::path team_dir(const std::filesystem::path& state_dir);
// Machine k's (k >= 2) kind-registry cache: STATE/machines/mK/registry-data.
std::filesystem::path machine_data_dir(const std::filesystem::path& state_dir, int machine);

}  // namespace mirrorgate::local
