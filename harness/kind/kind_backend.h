// The kind backend: the real thing, driven through its CLIs. kind-registry is
// started by the shipped registry/setup-registry.sh, the cluster by
// `kind create cluster --config …`, node files go in and out with
// `docker exec` / `docker cp`, pulls run `crictl` inside the node.
//
// The upstream is Docker Hub, or (--stand-in-hub, for tests and machines
// without internet) a container serving HTTPS as registry-1.docker.io on the
// `kind` network, seeded with the fixture images like the local lab's hub.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "env/environment.h"
#include "env/lab_state.h"
#include "lab/local_lab.h"

namespace mirrorgate {

// Throws UserError(missing_prerequisite) naming what is missing and the fix:
// docker, kind, a Docker daemon that answers.
void check_kind_prerequisites();

// Brings up (or reuses) kind-registry and the cluster; see the header comment.
// Options used: kind_config, registry_config, hosts_toml (+ hosts_toml_nodes,
// hosts_toml_path), cluster_name, state_dir, and the kind_* fields.
LabState kind_up(const LabOptions& options);

// Deletes what kind_up created and nothing else, after copying logs and node
// configs into STATE/runs/RUN/. The mirror's cache stays unless purge.
DownReport kind_down(const std::filesystem::path& state_dir, bool purge);

std::vector<ComponentHealth> kind_health(const LabState& state);

class KindEnvironment : public Environment {
 public:
  explicit KindEnvironment(LabState state);

  const LabState& state() const { return state_; }

  std::string backend() const override { return "kind"; }
  std::vector<NodeInfo> nodes() const override { return node_infos(state_); }
  std::optional<std::string> read_node_file(const std::string& node, const std::string& path) const override;
  void write_node_file(const std::string& node, const std::string& path, const std::string& content) override;
  std::vector<std::string> list_node_files(const std::string& node, const std::string& dir) const override;
  PullResult pull_image(const std::string& node, const std::string& image, std::chrono::milliseconds timeout) override;
  std::optional<std::string> image_id(const std::string& node, const std::string& image) const override;
  bool remove_image(const std::string& node, const std::string& image, const std::vector<std::string>& blob_digests,
                    std::chrono::milliseconds timeout) override;
  bool node_has_blob(const std::string& node, const std::string& digest) const override;
  std::uint64_t node_content_bytes(const std::string& node) const override;
  RegistryClient mirror() const override;
  std::string mirror_address() const override { return state_.mirror.address; }
  RegistryClient upstream() const override;
  RegistrySettings node_registry_config(const std::string& node) const override;
  void set_upstream(Upstream state) override;
  void set_upstream_rate(const std::string& rate) override;
  std::string upstream_rate() const override { return state_.upstream_rate; }
  void restart_mirror() override;
  std::vector<AccessRecord> mirror_access_log() const override;
  std::vector<AccessRecord> upstream_access_log() const override;

 private:
  void require_stand_in(const std::string& what) const;
  LabState state_;
};

}  // namespace mirrorgate
