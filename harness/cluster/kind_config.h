// The parts of a kind cluster config (kind.x-k8s.io/v1alpha4) that decide
// which nodes exist and how their containerd is configured.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "containerd/config_patch.h"

namespace mirrorgate {

struct KindNode {
  std::string role;   // "control-plane" or "worker"
  std::string name;   // as kind names the node container
  std::string image;  // nodes[].image, e.g. kindest/node:v1.32.2@sha256:…; empty: kind's default
  int image_line = 0;
};

struct KindConfig {
  std::filesystem::path file;
  std::string name;  // `name:` in the file; empty when the file has none
  std::vector<KindNode> nodes;
  std::vector<ConfigPatch> containerd_patches;  // each with "FILE:LINE" of its first line
};

// Why `name` cannot name a kind cluster, empty when it can. kind accepts
// `^[a-z0-9.-]+$` and warns above 50 characters (a node's host name is the
// name plus "-control-plane", and host names end at 64); the lab makes
// namespaces and directories of it, so it refuses both, and "." and "..".
std::string cluster_name_problem(const std::string& name);
inline constexpr size_t kClusterNameMax = 50;

// kind's names: NAME-control-plane, NAME-control-plane2, …, NAME-worker,
// NAME-worker2, … in the order of the nodes list.
std::vector<KindNode> name_kind_nodes(const std::vector<std::string>& roles, const std::string& cluster);

// Throws UserError(bad_input) with the file and line for malformed YAML, a
// wrong kind/apiVersion, an unknown node role or a cluster name kind refuses. `cluster_name` overrides
// the file's `name:` (like `kind create cluster --name`); both empty: "kind".
KindConfig load_kind_config(const std::filesystem::path& file, const std::string& cluster_name = "");
KindConfig parse_kind_config(const std::string& text, const std::filesystem::path& file,
                             const std::string& cluster_name = "");

}  // namespace mirrorgate
