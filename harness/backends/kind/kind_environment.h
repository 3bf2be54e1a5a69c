// The kind backend's Environment: a kind cluster on Docker. Timed and
// frequent calls go straight to each node's containerd: its CRI socket and
// its content store are reached from the host through the node container's
// root (/proc/PID/root/…), so a measured pull is the CRI call alone, as on
// the embedded lab. Files go in with `docker cp`; access logs come from
// `docker logs`. Without root (a user in the docker group) /proc/PID/root is
// closed, and the same calls go through `docker exec NODE crictl`. The Docker Hub stand-in (when there is one) is switched off
// and shaped from the host inside its network namespace.
#pragma once

#include <map>
#include <mutex>

#include "backends/kind/kind_state.h"
#include "env/environment.h"

namespace mirrorgate::kind {

class KindEnvironment : public Environment {
 public:
  using Environment::state;  // the whole run, for the kind backend's own code
  // `run.backend_state` holds the KindState.
  explicit KindEnvironment(RunState run);

  RunState& mutable_state() { return run_; }
  KindState& kind() { return kind_; }
  const KindState& kind() const { return kind_; }
  void save();

  // The node's containerd socket as the host reaches it.
  std::string node_socket(const std::string& node) const;

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
  // kind-registry for docker.io, kind-registry-quay-io … for an --upstream.
  const std::string& cache_container(const std::string& registry) const;
  std::vector<AccessRecord> mirror_access_log_of(const std::string& registry) const override;
  std::vector<AccessRecord> upstream_access_log() const override;
  MirrorView mirror_view() const override;
  std::optional<NetworkView> network_view(const std::string& component) const override;
  std::vector<ComponentHealth> health() const override;
  RuntimeVersions versions() const override;
  bool has_kubelet() const override { return true; }

 private:
  // /proc/PID/root of the node container.
  std::filesystem::path node_root(const std::string& node) const;
  void require_stand_in(const std::string& what) const;
  void require_writable(const std::string& what) const;
  KindState kind_;
  bool direct_;  // root: the node's socket and files through /proc/PID/root
  mutable std::mutex pids_mutex_;
  mutable std::map<std::string, int> pids_;
};

// Runs argv in the stand-in hub container's network namespace with the
// host's tools (the registry image carries none).
std::vector<std::string> in_hub_netns(const KindState& kind, std::vector<std::string> argv);
void apply_hub_rate(const KindState& kind, const std::string& rate);

// The stand-in's front, started from the host inside the hub container's
// network namespace; recorded in the state; waited for until it answers.
void start_hub_front(KindEnvironment& env);
// Waits until the registry answers /v2/; throws naming it and the timeout.
void wait_answering(const std::string& what, const RegistryClient& client, std::chrono::seconds timeout);

// As on the embedded lab: connects to an unreachable upstream give up after
// one SYN retransmission (~3 s) instead of Go's 30 s dial timeout, in
// kind-registry's and the nodes' network namespaces. Only in containers this
// run created, in front of the Docker Hub stand-in, and as root (nsenter).
void shorten_connect_timeouts(const KindState& kind, const std::vector<NodeInfo>& nodes);

}  // namespace mirrorgate::kind
