// The kind backend's own part of the state file (RunState::backend_state):
// which containers and networks it created, and so may delete.
#pragma once

#include <string>
#include <vector>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "process/process.h"

namespace mirrorgate::kind {

// The cache of an --upstream, as setup-registry.sh --upstream starts it
// (kind-registry-quay-io): removed only when this run created it.
struct KindCache {
  std::string registry;   // "quay.io"
  std::string container;  // "kind-registry-quay-io"
  std::string container_id;
  bool created = false;
};

struct KindState {
  std::string registry_container = "kind-registry";
  // kind-registry-front, which setup-registry.sh starts beside kind-registry
  // when the registry config's remoteurl names it.
  std::string front_container = "kind-registry-front";
  bool front_created = false;
  std::string front_container_id;
  std::string hub_container;     // the Docker Hub stand-in; empty: the real Docker Hub
  // The stand-in's front, a host process inside the hub container's network
  // namespace (nsenter): its pid, and where it logs.
  DaemonHandle hub_front;
  std::filesystem::path hub_front_log;
  std::filesystem::path hub_access_log;
  std::string node_image;        // passed to `kind create cluster --image`; empty: kind's default
  // The docker network of the run's nodes, kind-registry and stand-in:
  // `kind` in front of the real Docker Hub (the product's contract); with the
  // stand-in a network of the run's own, so that no other kind cluster on
  // the host resolves Docker Hub's names to the stand-in.
  std::string network = "kind";
  bool network_created = false;
  // What the run created, by ID: removed only while its name still leads there.
  std::string network_id;
  std::string hub_container_id;
  std::string registry_container_id;
  std::vector<std::string> node_ids;
  bool registry_created = false;
  bool cluster_created = false;
  // When `kind create cluster` started (RFC 3339): a half-made cluster's
  // nodes, made after it, are the run's.
  std::string cluster_create_started;
  // A live look at the user's own cluster (verify --live): nothing may be written.
  bool read_only = false;
  // kind-registry's log is read from here on (RFC 3339): the run's start.
  std::string logs_since;
  std::vector<KindCache> caches;  // every --upstream's, in the order given
  // While setup-registry.sh runs: when it started (RFC 3339) and which of
  // kind-registry, kind-registry-front and the caches did not exist then.
  // Cleared once what it made is recorded by ID; a run killed before that
  // owns those of them made since it started.
  std::string registry_setup_started;
  std::vector<std::string> registry_setup_absent;
};

void to_json(nlohmann::json& j, const KindState& s);
void from_json(const nlohmann::json& j, KindState& s);

}  // namespace mirrorgate::kind
