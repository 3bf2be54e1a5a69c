#include <gtest/gtest.h>

#include "core/error.h"
#include "cluster/kind_config.h"
#include "tests/bad_input.h"

using namespace mirrorgate;

TEST(KindConfig, ShippedConfigsHaveAControlPlaneAWorkerAndTheConfigPathPatch) {
  for (const char* file : {MIRRORGATE_SOURCE_DIR "/kind/kind-config-x86.yaml", MIRRORGATE_SOURCE_DIR "/kind/kind-config-arm.yaml"}) {
    auto config = load_kind_config(file);
    ASSERT_EQ(config.nodes.size(), 2u) << file;
    EXPECT_EQ(config.nodes[0].name, "kind-control-plane");
    EXPECT_EQ(config.nodes[1].name, "kind-worker");
    ASSERT_EQ(config.containerd_patches.size(), 1u);
    EXPECT_NE(config.containerd_patches[0].toml.find("config_path = \"/etc/containerd/certs.d\""), std::string::npos);
  }
}

TEST(KindConfig, NodesAreNamedAsKindNamesThem) {
  auto nodes = name_kind_nodes({"control-plane", "worker", "worker", "worker"}, "aiopslab");
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0].name, "aiopslab-control-plane");
  EXPECT_EQ(nodes[1].name, "aiopslab-worker");
  EXPECT_EQ(nodes[2].name, "aiopslab-worker2");
  EXPECT_EQ(nodes[3].name, "aiopslab-worker3");
}

TEST(KindConfig, NameFlagOverridesTheFilesName) {
  auto config = parse_kind_config("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: lab\n", "k.yaml");
  EXPECT_EQ(config.name, "lab");
  ASSERT_EQ(config.nodes.size(), 1u);  // kind's default: one control-plane
  EXPECT_EQ(config.nodes[0].name, "lab-control-plane");
  EXPECT_EQ(parse_kind_config("kind: Cluster\nname: lab\n", "k.yaml", "exp").nodes[0].name, "exp-control-plane");
}

TEST(KindConfig, PatchSourcePointsAtItsFirstLine) {
  auto config = parse_kind_config(
      "kind: Cluster\n"                                          // 1
      "apiVersion: kind.x-k8s.io/v1alpha4\n"                     // 2
      "containerdConfigPatches:\n"                               // 3
      "  - |-\n"                                                 // 4
      "    [plugins.\"io.containerd.grpc.v1.cri\".registry]\n"   // 5
      "      config_path = \"/etc/containerd/certs.d\"\n",       // 6
      "k.yaml");
  ASSERT_EQ(config.containerd_patches.size(), 1u);
  EXPECT_EQ(config.containerd_patches[0].source, "k.yaml:5");
}

TEST(KindConfig, MalformedYamlNamesTheLine) {
  auto message = bad_input_message([] { parse_kind_config("kind: Cluster\nnodes:\n  - role: worker\n   extra: [\n", "bad.yaml"); });
  EXPECT_EQ(message.rfind("bad.yaml:", 0), 0u) << message;
}

TEST(KindConfig, UnknownRoleIsRejectedWithItsLine) {
  auto message = bad_input_message(
      [] { parse_kind_config("kind: Cluster\nnodes:\n  - role: control-plane\n  - role: wroker\n", "k.yaml"); });
  EXPECT_NE(message.find("k.yaml:4:"), std::string::npos) << message;
  EXPECT_NE(message.find("wroker"), std::string::npos);
}

TEST(KindConfig, WrongKindIsRejected) {
  EXPECT_THROW(parse_kind_config("kind: Pod\n", "k.yaml"), UserError);
  EXPECT_THROW(parse_kind_config("- a\n- b\n", "k.yaml"), UserError);
}

TEST(KindConfig, ClusterNamesAreCheckedAsKindChecksThemBeforeTheyBecomePaths) {
  auto message = bad_input_message([] { parse_kind_config("kind: Cluster\nname: My_Lab\n", "k.yaml"); });
  EXPECT_EQ(message.rfind("k.yaml:2:", 0), 0u) << message;
  EXPECT_NE(message.find("^[a-z0-9.-]+$"), std::string::npos) << message;
  message = bad_input_message([] { parse_kind_config("kind: Cluster\n", "k.yaml", "../../etc"); });
  EXPECT_EQ(message.rfind("--name ../../etc:", 0), 0u) << message;
  message = bad_input_message([] { parse_kind_config("kind: Cluster\n", "k.yaml", ".."); });
  EXPECT_NE(message.find("'.' and '..'"), std::string::npos) << message;
  const std::string longest(kClusterNameMax, 'a');
  EXPECT_EQ(parse_kind_config("kind: Cluster\n", "k.yaml", longest).name, longest);
  message = bad_input_message([&] { parse_kind_config("kind: Cluster\n", "k.yaml", longest + "a"); });
  EXPECT_NE(message.find("at most 50"), std::string::npos) << message;
  // The flag replaces a bad name in the file, as `kind create cluster --name` does.
  EXPECT_EQ(parse_kind_config("kind: Cluster\nname: My_Lab\n", "k.yaml", "lab").name, "lab");
  EXPECT_EQ(parse_kind_config("kind: Cluster\n", "k.yaml", "lab.v2-1").name, "lab.v2-1");
}
