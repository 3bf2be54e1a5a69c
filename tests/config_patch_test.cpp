#include <gtest/gtest.h>

#include "containerd/config_patch.h"
#include "core/error.h"
#include "cluster/kind_config.h"
#include "tests/bad_input.h"

using namespace mirrorgate;

TEST(ConfigPatch, ShippedKindConfigSetsConfigPathOnTheKindBase) {
  auto kind = load_kind_config(MIRRORGATE_SOURCE_DIR "/kind/kind-config-x86.yaml");
  auto patched = apply_containerd_patches(kind_base_containerd_config(), kind.containerd_patches);
  EXPECT_TRUE(patched.skipped.empty());
  EXPECT_EQ(patched.version, 2);
  auto settings = registry_settings(patched.toml);
  EXPECT_EQ(settings.config_path, "/etc/containerd/certs.d");
  EXPECT_TRUE(settings.mirror_hosts.empty());
  // The base's own settings survive the merge.
  EXPECT_NE(patched.toml.find("discard_unpacked_layers = true"), std::string::npos);
  EXPECT_NE(patched.toml.find("SystemdCgroup = true"), std::string::npos);
}

TEST(ConfigPatch, TablesMergeAndValuesReplaceAsInJsonMergePatch) {
  auto patched = apply_containerd_patches(
      "version = 2\n[a]\nx = 1\ny = [1, 2]\n[a.b]\nz = 'keep'\n",
      {{"[a]\nx = 5\ny = [3]\n[a.c]\nw = true\n", "test:1"}});
  EXPECT_NE(patched.toml.find("x = 5"), std::string::npos) << patched.toml;
  EXPECT_NE(patched.toml.find("y = [ 3 ]"), std::string::npos) << patched.toml;
  EXPECT_NE(patched.toml.find("z = 'keep'"), std::string::npos) << patched.toml;
  EXPECT_NE(patched.toml.find("w = true"), std::string::npos) << patched.toml;
}

TEST(ConfigPatch, PatchWithAnotherVersionIsSkippedAndReported) {
  // containerd 2.x style patch against a 1.x (version 2) node config: kind
  // drops it silently, so config_path never reaches the node.
  auto patched = apply_containerd_patches(
      kind_base_containerd_config(),
      {{"version = 3\n[plugins.\"io.containerd.cri.v1.images\".registry]\nconfig_path = \"/etc/containerd/certs.d\"\n",
        "kind.yaml:30"}});
  ASSERT_EQ(patched.skipped.size(), 1u);
  EXPECT_NE(patched.skipped[0].find("kind.yaml:30"), std::string::npos);
  EXPECT_NE(patched.skipped[0].find("version = 3"), std::string::npos);
  EXPECT_EQ(registry_settings(patched.toml).config_path, "");
}

TEST(ConfigPatch, PatchWithTheSameVersionIsApplied) {
  auto patched = apply_containerd_patches(
      kind_base_containerd_config(),
      {{"version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/x\"\n", "k:1"}});
  EXPECT_TRUE(patched.skipped.empty());
  EXPECT_EQ(registry_settings(patched.toml).config_path, "/x");
}

TEST(ConfigPatch, MalformedPatchNamesTheKindConfigLine) {
  auto message = bad_input_message(
      [] { apply_containerd_patches(kind_base_containerd_config(), {{"[plugins\nconfig_path = 1\n", "kind.yaml:40"}}); });
  EXPECT_EQ(message.rfind("kind.yaml:40:", 0), 0u) << message;
}

TEST(ConfigPatch, RegistrySettingsSeesLegacyMirrorsThatConflictWithConfigPath) {
  auto settings = registry_settings(
      "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/etc/containerd/certs.d\"\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\nendpoint = [\"http://kind-registry:5000\"]\n");
  EXPECT_EQ(settings.config_path, "/etc/containerd/certs.d");
  ASSERT_EQ(settings.mirror_hosts.size(), 1u);
  EXPECT_EQ(settings.mirror_hosts[0], "docker.io");
}

TEST(ConfigPatch, RegistrySettingsReadsContainerd2Layout) {
  auto settings = registry_settings(
      "version = 3\n[plugins.\"io.containerd.cri.v1.images\".registry]\nconfig_path = \"/etc/containerd/certs.d\"\n");
  EXPECT_EQ(settings.config_path, "/etc/containerd/certs.d");
}
