// A test double for the subset of the kind CLI the kind backend calls:
//   kind create cluster --name NAME --config FILE [--image IMAGE]
//   kind get clusters | kind get nodes --name NAME | kind delete cluster --name NAME
// It creates what kind creates, as far as the backend can see: one container
// per node of the config, named and labelled as kind names and labels them,
// on the `kind` network (or, as kind, KIND_EXPERIMENTAL_DOCKER_NETWORK's),
// whose containerd runs the node image's config.toml with the config's
// containerdConfigPatches merged in as kind merges them.
// No kubelet: the node image runs containerd only.
//
// With MIRRORGATE_REAL_KIND naming a real kind binary, every command but
// `create cluster` is the real kind's: it finds the double's clusters and
// nodes by the same labels. Real `kind create cluster` needs privileged
// containers, which this machine refuses ("unable to apply caps"), as does
// every `docker exec --privileged` kind makes (get kubeconfig, export logs).
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "containerd/config_patch.h"
#include "core/error.h"
#include "core/files.h"
#include "core/wait.h"
#include "cluster/kind_config.h"
#include "process/process.h"

namespace {

using namespace mirrorgate;
namespace fs = std::filesystem;

constexpr const char* kClusterLabel = "io.x-k8s.kind.cluster";
constexpr const char* kRoleLabel = "io.x-k8s.kind.role";
constexpr const char* kDefaultImage = "mirrorgate/kind-node:containerd";
constexpr auto kNodeReady = std::chrono::seconds(60);

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> cluster_nodes(const std::string& cluster) {
  return lines(run({"docker", "ps", "-a", "--filter", std::string("label=") + kClusterLabel + "=" + cluster,
                    "--format", "{{.Names}}"})
                   .out);
}

std::vector<std::string> clusters() {
  std::set<std::string> names;
  for (const auto& n : lines(run({"docker", "ps", "-a", "--filter", std::string("label=") + kClusterLabel,
                                  "--format", std::string("{{.Label \"") + kClusterLabel + "\"}}"})
                                 .out)) {
    names.insert(n);
  }
  return {names.begin(), names.end()};
}

int create_cluster(std::string name, const fs::path& config_file, const std::string& image) {
  KindConfig kind = load_kind_config(config_file, name);
  name = kind.name.empty() ? "kind" : kind.name;
  if (!cluster_nodes(name).empty()) {
    std::cerr << "ERROR: failed to create cluster: node(s) already exist for a cluster with the name \"" << name
              << "\"\n";
    return 1;
  }
  PatchedConfig config = apply_containerd_patches(kind_base_containerd_config(), kind.containerd_patches);
  // As kind: the nodes' network is `kind` unless KIND_EXPERIMENTAL_DOCKER_NETWORK names another.
  const char* network_env = std::getenv("KIND_EXPERIMENTAL_DOCKER_NETWORK");
  const std::string network = network_env && *network_env ? network_env : "kind";
  if (!run({"docker", "network", "inspect", network}, {.check = false}).ok()) {
    run({"docker", "network", "create", network});
  }
  const fs::path tmp = fs::temp_directory_path() / ("kind-double-" + std::to_string(::getpid()) + ".toml");
  write_file_atomic(tmp, config.toml);
  std::cout << "Creating cluster \"" << name << "\" ...\n";
  for (const auto& node : kind.nodes) {
    // kind's nodes are privileged; where the host withholds CAP_SYS_RESOURCE,
    // --privileged fails, and every capability but that one is enough.
    run({"docker", "create", "--name", node.name, "--hostname", node.name, "--network", network,
         "--label", std::string(kClusterLabel) + "=" + name, "--label", std::string(kRoleLabel) + "=" + node.role,
         "--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--init",
         "--tmpfs", "/run", "--volume", "/var/lib/containerd", image});
    run({"docker", "cp", tmp.string(), node.name + ":/etc/containerd/config.toml"});
    run({"docker", "start", node.name});
    std::cout << " ✓ node " << node.name << " (" << node.role << ")\n";
  }
  fs::remove(tmp);
  for (const auto& node : kind.nodes) {
    auto ready = wait_for(
        [&](std::string& why) {
          auto r = run({"docker", "exec", node.name, "crictl", "version"}, {.check = false});
          why = r.err;
          if (r.ok()) return true;
          // containerd runs on without its CRI plugin when the config is
          // refused: nothing to wait for then.
          auto logs = run({"docker", "logs", node.name}, {.check = false});
          // 1.x: "failed to load plugin io.containerd.grpc.v1.cri"; 2.x: "failed to load plugin" … id=io.containerd.cri.v1.images
          bool refused = false;
          for (const auto& line : lines(logs.out + logs.err)) {
            refused = refused || (line.find("failed to load plugin") != std::string::npos &&
                                  (line.find("io.containerd.grpc.v1.cri") != std::string::npos ||
                                   line.find("io.containerd.cri.v1") != std::string::npos));
          }
          if (refused) {
            throw std::runtime_error("containerd on " + node.name + " did not load its CRI plugin:\n" + logs.err);
          }
          return false;
        },
        kNodeReady, std::chrono::milliseconds(200));
    if (!ready) {
      auto logs = run({"docker", "logs", "--tail", "20", node.name}, {.check = false});
      std::cerr << "ERROR: failed to create cluster: containerd on " << node.name << " did not answer within "
                << kNodeReady.count() << " s: " << ready.last_error << "\n" << logs.out << logs.err;
      return 1;
    }
  }
  std::cout << "Set kubectl context to \"kind-" << name << "\" (no kubelet in this double)\n";
  return 0;
}

int delete_cluster(const std::string& name) {
  std::cout << "Deleting cluster \"" << name << "\" ...\n";
  for (const auto& node : cluster_nodes(name)) {
    run({"docker", "rm", "-f", "-v", node});
    std::cout << "Deleted nodes: [\"" << node << "\"]\n";
  }
  return 0;
}

int usage() {
  std::cerr << "kind (mirrorgate's test double): create cluster --name NAME --config FILE [--image IMAGE] | "
               "get clusters | get nodes --name NAME | delete cluster --name NAME\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* real_kind = std::getenv("MIRRORGATE_REAL_KIND");
  const bool create = args.size() >= 2 && args[0] == "create" && args[1] == "cluster";
  if (real_kind && *real_kind && !create) {
    argv[0] = const_cast<char*>(real_kind);
    ::execv(real_kind, argv);
    std::cerr << "kind (mirrorgate's test double): cannot run the real kind " << real_kind << ": "
              << std::strerror(errno) << "\n";
    return 127;
  }
  std::string name = "kind", image = kDefaultImage;
  fs::path config;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) throw UserError(ExitCode::bad_input, args[i] + " needs a value");
      out = args[++i];
    };
    std::string v;
    if (args[i] == "--name" || args[i] == "-n") value(name);
    else if (args[i] == "--image") value(image);
    else if (args[i] == "--config") { value(v); config = v; }
    else if (args[i] == "--wait" || args[i] == "--kubeconfig") value(v);  // accepted, nothing to wait for
    else if (args[i].rfind("--", 0) == 0) return usage();
    else words.push_back(args[i]);
  }
  try {
    if (words == std::vector<std::string>{"create", "cluster"}) {
      if (config.empty()) return usage();
      return create_cluster(name, config, image);
    }
    if (words == std::vector<std::string>{"delete", "cluster"}) return delete_cluster(name);
    if (words == std::vector<std::string>{"get", "clusters"}) {
      auto all = clusters();
      if (all.empty()) std::cerr << "No kind clusters found.\n";
      for (const auto& c : all) std::cout << c << "\n";
      return 0;
    }
    if (words == std::vector<std::string>{"get", "nodes"}) {
      auto nodes = cluster_nodes(name);
      if (nodes.empty()) std::cerr << "No kind nodes found for cluster \"" << name << "\".\n";
      for (const auto& n : nodes) std::cout << n << "\n";
      return 0;
    }
    if (words == std::vector<std::string>{"version"}) {
      std::cout << "kind v0.0.0-mirrorgate-double\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "ERROR: " << e.what() << "\n";
    return 1;
  }
  return usage();
}
