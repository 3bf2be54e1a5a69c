#include <gtest/gtest.h>

#include "backends/kind/kind_environment.h"
#include "backends/local/lab_state.h"
#include "core/error.h"
#include "core/files.h"
#include "env/state.h"
#include "tests/bad_input.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

namespace {

RunState common_part(const fs::path& dir, const std::string& backend) {
  RunState s;
  s.backend = backend;
  s.state_dir = dir;
  s.cluster = "aiopslab";
  s.created_at = "20261129T101010Z";
  s.files = {"/src/kind/kind-config-x86.yaml", "/src/registry/registry-config.yml", "/src/kind/hosts.toml",
             "/src/fixtures/images.yaml"};
  s.upstream_rate = "100mbit";
  s.mirror_url = "http://10.77.0.3:5000";
  s.mirror_address = "10.77.0.3";
  s.harness_address = "10.77.0.1";
  s.hub_address = "10.77.0.2";
  s.nodes = {{"aiopslab-control-plane", "control-plane", "10.77.0.10"}};
  s.seeded_images.push_back({"docker.io/library/redis:7.2", "sha256:abc", "application/vnd.oci.image.index.v1+json", 42});
  s.complete = true;
  return s;
}

}  // namespace

TEST(RunState, LocalBackendStateRoundTripsThroughTheStateFile) {
  TempDir dir;
  RunState s = common_part(dir.path, "local");
  local::LabState lab;
  lab.subnet = "10.77.0.0/24";
  lab.namespaces = {"mirrorgate-switch", "hub", "kind-registry", "aiopslab-control-plane"};
  lab.etc_dirs = {"/etc/netns/hub"};
  lab.hub = {"hub", "10.77.0.2", {1234, 99}, dir.path / "hub.log", dir.path / "hub.access.log"};
  lab.mirror = {"kind-registry", "10.77.0.3", {1235, 100}, dir.path / "m.log", dir.path / "m.access.log"};
  local::LabNode n;
  n.name = "aiopslab-control-plane";
  n.role = "control-plane";
  n.containerd = {n.name, "10.77.0.10", {1236, 101}, dir.path / "c.log", {}};
  n.socket = dir.path / "c.sock";
  lab.nodes.push_back(n);
  s.backend_state = lab;
  save_state(s);

  auto loaded = load_state(dir.path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(nlohmann::json(*loaded), nlohmann::json(s));
  EXPECT_EQ(loaded->seeded_images[0].bytes, 42u);
  const auto lab_back = loaded->backend_state.get<local::LabState>();
  EXPECT_EQ(lab_back.nodes[0].containerd.daemon.pid, 1236);
  EXPECT_EQ(lab_back.hub.daemon.start_time, 99u);
}

TEST(RunState, KindBackendStateRoundTripsAndNamesTheMirrorByItsPublishedPort) {
  TempDir dir;
  RunState s = common_part(dir.path, "kind");
  s.mirror_url = "http://127.0.0.1:5001";
  s.mirror_address = "172.18.0.3";
  kind::KindState k;
  k.hub_container = "mirrorgate-hub-mirrorgate";
  k.node_image = "mirrorgate/kind-node:containerd";
  k.cluster_created = true;
  k.registry_created = true;
  k.network = "mirrorgate-net-mirrorgate";
  k.network_id = "5d1c0ffee";
  k.hub_container_id = "a1";
  k.registry_container_id = "b2";
  k.node_ids = {"c3", "d4"};
  k.cluster_create_started = "2026-11-30T13:17:35Z";
  // A run killed while setup-registry.sh ran.
  k.registry_setup_started = "2026-11-30T13:17:20Z";
  k.registry_setup_absent = {"kind-registry-front"};
  s.backend_state = k;
  save_state(s);

  auto loaded = load_state(dir.path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(nlohmann::json(*loaded), nlohmann::json(s));
  const auto kind_back = loaded->backend_state.get<kind::KindState>();
  EXPECT_TRUE(kind_back.cluster_created);
  EXPECT_FALSE(kind_back.network_created);  // up did not make the kind network: down must not remove it
  // What down may remove it knows by ID.
  EXPECT_EQ(kind_back.network, "mirrorgate-net-mirrorgate");
  EXPECT_EQ(kind_back.node_ids, (std::vector<std::string>{"c3", "d4"}));
  EXPECT_EQ(kind_back.registry_container_id, "b2");
  EXPECT_EQ(kind_back.registry_setup_started, "2026-11-30T13:17:20Z");
  EXPECT_EQ(kind_back.registry_setup_absent, (std::vector<std::string>{"kind-registry-front"}));
  // The host reaches kind-registry on its published port; the upstream sees its kind-network address.
  kind::KindEnvironment env(*loaded);
  EXPECT_EQ(env.mirror().base_url(), "http://127.0.0.1:5001");
  EXPECT_EQ(env.mirror_address(), "172.18.0.3");
}

TEST(RunState, MissingStateIsNotAnError) { EXPECT_FALSE(load_state("/nonexistent/mirrorgate")); }

TEST(RunState, CorruptStateNamesTheFile) {
  TempDir dir;
  write_file_atomic(dir.path / "state.json", "{ not json");
  auto message = bad_input_message([&] { (void)load_state(dir.path); });
  EXPECT_NE(message.find((dir.path / "state.json").string()), std::string::npos) << message;
}

TEST(RunState, StateOfAnotherLayoutVersionIsRefusedNamingBothVersions) {
  TempDir dir;
  RunState s = common_part(dir.path, "local");
  s.version = 1;
  save_state(s);
  auto message = bad_input_message([&] { (void)load_state(dir.path); });
  EXPECT_NE(message.find("layout version 1"), std::string::npos) << message;
  EXPECT_NE(message.find("reads version " + std::to_string(RunState::kVersion)), std::string::npos) << message;
}
