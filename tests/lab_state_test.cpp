#include <gtest/gtest.h>

#include "core/error.h"
#include "core/files.h"
#include "env/lab_state.h"
#include "tests/bad_input.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

TEST(LabState, RoundTripsThroughTheStateFile) {
  char tmpl[] = "/tmp/mirrorgate-state-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  LabState s;
  s.state_dir = dir;
  s.cluster = "aiopslab";
  s.subnet = "10.77.0.0/24";
  s.host_address = "10.77.0.1";
  s.namespaces = {"mirrorgate-switch", "hub", "kind-registry", "aiopslab-control-plane"};
  s.etc_dirs = {"/etc/netns/hub"};
  s.upstream_rate = "100mbit";
  s.kind_config = "/src/kind/kind-config-x86.yaml";
  s.images = "/src/fixtures/images.yaml";
  s.hub = {"hub", "10.77.0.2", {1234, 99}, dir / "hub.log", dir / "hub.access.log"};
  s.mirror = {"kind-registry", "10.77.0.3", {1235, 100}, dir / "m.log", dir / "m.access.log"};
  LabNode n;
  n.name = "aiopslab-control-plane";
  n.role = "control-plane";
  n.containerd = {n.name, "10.77.0.10", {1236, 101}, dir / "c.log", {}};
  n.socket = dir / "c.sock";
  s.nodes.push_back(n);
  s.fixtures.push_back({"docker.io/library/redis:7.2", "sha256:abc", "application/vnd.oci.image.index.v1+json", 42});
  s.complete = true;
  save_state(s);

  auto loaded = load_state(dir);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(nlohmann::json(*loaded), nlohmann::json(s));
  EXPECT_EQ(loaded->nodes[0].containerd.daemon.pid, 1236);
  EXPECT_EQ(loaded->hub.daemon.start_time, 99u);
  EXPECT_EQ(loaded->fixtures[0].bytes, 42u);
  fs::remove_all(dir);
}

TEST(LabState, KindBackendStateRoundTripsAndNamesTheMirrorByItsPublishedPort) {
  char tmpl[] = "/tmp/mirrorgate-state-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  LabState s;
  s.backend = "kind";
  s.state_dir = dir;
  s.cluster = "aiopslab";
  s.mirror = {"kind-registry", "172.18.0.3", {}, {}, {}};
  s.mirror_host_url = "http://127.0.0.1:5001";
  s.kind.hub_container = "mirrorgate-hub";
  s.kind.node_image = "mirrorgate/kind-node:containerd";
  s.kind.cluster_created = true;
  s.kind.registry_created = true;
  save_state(s);

  auto loaded = load_state(dir);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(nlohmann::json(*loaded), nlohmann::json(s));
  EXPECT_TRUE(loaded->kind.cluster_created);
  EXPECT_FALSE(loaded->kind.network_created);  // up did not make the kind network: down must not remove it
  // The host reaches kind-registry on its published port; the upstream sees its kind-network address.
  EXPECT_EQ(loaded->mirror_url(), "http://127.0.0.1:5001");
  EXPECT_EQ(loaded->mirror.address, "172.18.0.3");
  fs::remove_all(dir);
}

TEST(LabState, MissingStateIsNotAnError) {
  EXPECT_FALSE(load_state("/nonexistent/mirrorgate"));
}

TEST(LabState, CorruptStateNamesTheFile) {
  char tmpl[] = "/tmp/mirrorgate-state-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  write_file_atomic(dir / "lab.json", "{ not json");
  auto message = bad_input_message([&] { load_state(dir); });
  EXPECT_NE(message.find((dir / "lab.json").string()), std::string::npos) << message;
  fs::remove_all(dir);
}
