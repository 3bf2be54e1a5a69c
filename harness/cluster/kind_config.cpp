#include "cluster/kind_config.h"

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/files.h"

namespace mirrorgate {

std::string cluster_name_problem(const std::string& name) {
  if (name.empty()) return "a cluster name is required";
  if (name.size() > kClusterNameMax) {
    return "is " + std::to_string(name.size()) + " characters; kind names its nodes NAME-control-plane, and host names "
           "end at 64 characters, so at most " + std::to_string(kClusterNameMax);
  }
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
    return "cluster names must match ^[a-z0-9.-]+$ (lowercase letters, digits, '.' and '-'), as kind requires";
  }
  if (name == "." || name == "..") return "'.' and '..' name directories, not clusters";
  return "";
}

std::vector<KindNode> name_kind_nodes(const std::vector<std::string>& roles, const std::string& cluster) {
  std::vector<KindNode> nodes;
  int control_planes = 0;
  int workers = 0;
  for (const auto& role : roles) {
    int& count = role == "control-plane" ? control_planes : workers;
    ++count;
    std::string name = cluster + "-" + role + (count > 1 ? std::to_string(count) : "");
    nodes.push_back({role, name});
  }
  return nodes;
}

KindConfig load_kind_config(const std::filesystem::path& file, const std::string& cluster_name) {
  auto text = read_file_if_exists(file);
  if (!text) throw bad_input(file.string(), 0, "kind config not found");
  return parse_kind_config(*text, file, cluster_name);
}

KindConfig parse_kind_config(const std::string& text, const std::filesystem::path& file,
                             const std::string& cluster_name) {
  const std::string where = file.string();
  auto line_of = [](const YAML::Node& n) { return n.Mark().line + 1; };
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw bad_input(where, e.mark.line + 1, "malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw bad_input(where, 1, "expected a kind cluster config (a YAML mapping)");
  KindConfig config;
  config.file = file;
  std::vector<std::string> roles;
  std::vector<std::pair<std::string, int>> images;  // each node's image and its line
  try {
    if (root["kind"] && root["kind"].as<std::string>() != "Cluster") {
      throw bad_input(where, line_of(root["kind"]), "kind must be Cluster, got " + root["kind"].as<std::string>());
    }
    if (root["apiVersion"]) {
      auto api = root["apiVersion"].as<std::string>();
      if (api.rfind("kind.x-k8s.io/", 0) != 0) {
        throw bad_input(where, line_of(root["apiVersion"]), "apiVersion must be kind.x-k8s.io/v1alpha4, got " + api);
      }
    }
    if (root["name"]) {
      config.name = root["name"].as<std::string>();
      if (const auto problem = cluster_name_problem(config.name); cluster_name.empty() && !problem.empty()) {
        throw bad_input(where, line_of(root["name"]), "name '" + config.name + "': " + problem);
      }
    }
    if (auto nodes = root["nodes"]) {
      if (!nodes.IsSequence()) throw bad_input(where, line_of(nodes), "nodes must be a list");
      for (const auto& node : nodes) {
        std::string role = node["role"] ? node["role"].as<std::string>() : "control-plane";
        if (role != "control-plane" && role != "worker") {
          throw bad_input(where, line_of(node), "unknown node role '" + role + "' (control-plane or worker)");
        }
        roles.push_back(role);
        images.emplace_back(node["image"] ? node["image"].as<std::string>() : "", node["image"] ? line_of(node["image"]) : 0);
      }
    }
    // kind's default cluster: one control-plane node.
    if (roles.empty()) roles.push_back("control-plane");
    if (auto patches = root["containerdConfigPatches"]) {
      if (!patches.IsSequence()) throw bad_input(where, line_of(patches), "containerdConfigPatches must be a list");
      for (const auto& patch : patches) {
        // A block scalar ("- |") starts on the line after its indicator.
        int first_line = line_of(patch) + (patch.Tag() == "!" ? 1 : 0);
        config.containerd_patches.push_back({patch.as<std::string>(), where + ":" + std::to_string(first_line)});
      }
    }
  } catch (const YAML::Exception& e) {
    throw bad_input(where, e.mark.line + 1, e.msg);
  }
  if (!cluster_name.empty()) {
    if (const auto problem = cluster_name_problem(cluster_name); !problem.empty()) throw bad_flag("--name " + cluster_name, problem);
  }
  std::string cluster = !cluster_name.empty() ? cluster_name : !config.name.empty() ? config.name : "kind";
  config.name = cluster;
  config.nodes = name_kind_nodes(roles, cluster);
  for (size_t i = 0; i < images.size() && i < config.nodes.size(); ++i) {
    config.nodes[i].image = images[i].first;
    config.nodes[i].image_line = images[i].second;
  }
  return config;
}

}  // namespace mirrorgate
