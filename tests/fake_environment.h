// An Environment for unit tests: node files in a map, the registry settings
// a test sets, and nothing behind the rest (no daemons, no network).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "env/environment.h"

namespace mirrorgate {

inline RunState fake_run() {
  RunState run;
  run.backend = "fake";
  run.nodes = {{"kind-worker", "worker", "10.0.0.11"}};
  return run;
}

class FakeEnvironment : public Environment {
 public:
  explicit FakeEnvironment(RunState run = fake_run()) : Environment(std::move(run)) {}
  std::map<std::string, std::string> files;  // path on the node → content
  RegistrySettings settings{"/etc/containerd/certs.d", {}, "fake CRI status"};

  std::optional<std::string> read_node_file(const std::string&, const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  void write_node_file(const std::string&, const std::string& path, const std::string& content) override {
    files[path] = content;
  }
  std::vector<std::string> list_node_files(const std::string&, const std::string& dir) const override {
    std::vector<std::string> out;
    for (const auto& [path, _] : files) {
      if (path.rfind(dir + "/", 0) == 0) out.push_back(path.substr(dir.size() + 1));
    }
    return out;
  }
  RegistrySettings node_registry_config(const std::string&) const override { return settings; }
  PullResult pull_image(const std::string&, const std::string&, std::chrono::milliseconds) override { return {}; }
  std::set<std::string> image_ids(const std::string&) const override { return {}; }
  std::optional<std::string> image_id(const std::string&, const std::string&) const override { return {}; }
  WaitResult remove_image(const std::string&, const std::string&, const std::vector<std::string>&,
                          std::chrono::milliseconds) override {
    return {true, {}, {}};
  }
  bool node_has_blob(const std::string&, const std::string&) const override { return false; }
  std::uint64_t node_content_bytes(const std::string&) const override { return 0; }
  RegistryClient mirror_of(const std::string&) const override { return RegistryClient("http://unused"); }
  RegistryClient upstream() const override { return RegistryClient("http://unused"); }
  void set_upstream(Upstream) override {}
  void set_upstream_rate(const std::string&) override {}
  void set_upstream_quota(const std::string&, const std::string&) override {}
  void restart_mirror_of(const std::string&, const std::function<void()>&) override {}
  std::string garbage_collect_of(const std::string&, const std::function<void()>&) override { return ""; }
  void kill_mirror_of(const std::string&, const std::function<void()>&) override {}
  std::string mirror_log_of(const std::string&) const override { return ""; }
  // The mirror's log as a test sets it; `mirror_log_source`, when set, is
  // asked on every read instead (a log that grows while it is read).
  std::vector<AccessRecord> mirror_log;
  std::function<std::vector<AccessRecord>()> mirror_log_source;
  // By registry, for the other caches; docker.io's is mirror_log.
  std::map<std::string, std::vector<AccessRecord>> cache_logs;
  std::vector<AccessRecord> mirror_access_log_of(const std::string& registry) const override {
    if (registry != kDockerIo) return cache_logs.count(registry) ? cache_logs.at(registry) : std::vector<AccessRecord>{};
    return mirror_log_source ? mirror_log_source() : mirror_log;
  }
  std::vector<AccessRecord> upstream_log;
  std::vector<AccessRecord> upstream_access_log() const override { return upstream_log; }
  MirrorView mirror_view() const override { return {}; }
  std::optional<NetworkView> network_view(const std::string&) const override { return std::nullopt; }
  std::vector<ComponentHealth> health() const override { return {}; }
  RuntimeVersions versions() const override { return {}; }
};

}  // namespace mirrorgate
