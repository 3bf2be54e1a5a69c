// The local backend's Environment: a running embedded lab, reached directly —
// node files through /etc/netns/NODE, pulls through each node's CRI socket,
// access logs from the files the daemons write, the upstream switched off by
// stopping the hub or downing its link.
#pragma once

#include <memory>

#include "backends/local/lab_state.h"
#include "env/environment.h"

namespace mirrorgate::local {

class LocalEnvironment : public Environment {
 public:
  using Environment::state;  // the whole run, for the lab's own code
  // `run.backend_state` holds the LabState.
  explicit LocalEnvironment(RunState run);

  // The backend's own view, for bring-up and teardown.
  RunState& mutable_state() { return run_; }
  LabState& lab() { return lab_; }
  const LabState& lab() const { return lab_; }
  const LabNode& lab_node(const std::string& name) const;
  // Writes the state file: the common part and the lab's own.
  void save();

  std::optional<std::string> read_node_file(const std::string& node, const std::string& path) const override;
  void write_node_file(const std::string& node, const std::string& path, const std::string& content) override;
  std::vector<std::string> list_node_files(const std::string& node, const std::string& dir) const override;
  PullResult pull_image(const std::string& node, const std::string& image, std::chrono::milliseconds timeout) override;
  std::set<std::string> image_ids(const std::string& node) const override;
  std::optional<std::string> image_id(const std::string& node, const std::string& image) const override;
  WaitResult remove_image(const std::string& node, const std::string& image, const std::vector<std::string>& blob_digests,
                          std::chrono::milliseconds timeout) override;
  bool node_has_blob(const std::string& node, const std::string& digest) const override;
  std::uint64_t node_content_bytes(const std::string& node) const override;
  RegistryClient mirror_of(const std::string& registry) const override;
  RegistryClient upstream() const override;
  RegistrySettings node_registry_config(const std::string& node) const override;
  void set_upstream(Upstream state) override;
  void set_upstream_rate(const std::string& rate) override;
  void set_upstream_quota(const std::string& anonymous, const std::string& account) override;
  void restart_mirror_of(const std::string& registry, const std::function<void()>& while_stopped) override;
  using Environment::restart_mirror_of;
  std::string garbage_collect_of(const std::string& registry, const std::function<void()>& while_stopped) override;
  void kill_mirror_of(const std::string& registry, const std::function<void()>& while_down) override;
  std::string mirror_log_of(const std::string& registry) const override;
  bool switch_mirror_generation(const std::string& generation, std::string& why) override;
  std::optional<std::filesystem::path> mirror_on_small_disk(std::uint64_t bytes, std::string& why) override;
  void restore_mirror_storage() override;
  std::vector<AccessRecord> mirror_access_log_of(const std::string& registry) const override;
  std::vector<AccessRecord> upstream_access_log() const override;
  MirrorView mirror_view() const override;
  std::optional<NetworkView> network_view(const std::string& component) const override;
  std::vector<ComponentHealth> health() const override;
  RuntimeVersions versions() const override;
  std::optional<FloorRegistry> start_floor_registry(const std::string& node, FloorPlace place,
                                                    std::string& why) override;
  void stop_floor_registry(FloorPlace place) override;
  int team_replicas() const override;
  std::string team_cache_url() const override { return run_.team_cache_url; }
  std::string machine_mirror_address(int machine) const override;
  std::vector<AccessRecord> machine_mirror_access_log(int machine) const override;
  std::vector<AccessRecord> replica_access_log(int replica) const override;
  MirrorView machine_mirror_view(int machine) const override;
  MirrorView replica_view(int replica) const override;
  std::string replica_upstream_address(int replica) const override;
  void kill_replica(int replica) override;
  void start_replica(int replica) override;
  void cut_machine_from_team(int machine, bool cut) override;

 private:
  std::filesystem::path node_path(const std::string& node, const std::string& path) const;
  // The lab's record of a registry's cache: kind-registry's for docker.io.
  const LabProcess& cache_process(const std::string& registry) const;
  LabState lab_;
};

}  // namespace mirrorgate::local
