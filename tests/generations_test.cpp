// Node generations: what each containerd makes of a kind config's merged
// config.toml, by the rules the real daemons showed in the lab, and which
// generation a node image or a --containerd value names.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "cluster/kind_config.h"
#include "containerd/config_patch.h"
#include "containerd/generations.h"
#include "core/error.h"
#include "env/options.h"
#include "registry/generations.h"
#include "tests/bad_input.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;

namespace {

std::vector<GenerationVerdict> verdicts_of(const std::string& kind_config) {
  auto kind = load_kind_config(kind_config);
  return registry_verdicts(apply_containerd_patches(kind_base_containerd_config(), kind.containerd_patches).toml);
}

std::string verdict_line(const std::vector<GenerationVerdict>& verdicts) {
  std::string out;
  for (const auto& v : verdicts) out += v.generation + (v.ok ? "=ok " : "=no ");
  return out;
}

}  // namespace

TEST(Generations, TheShippedKindConfigWorksOnEveryGeneration) {
  EXPECT_EQ(verdict_line(verdicts_of(MIRRORGATE_SOURCE_DIR "/kind/kind-config-x86.yaml")), "1.6=ok 1.7=ok 2.1=ok 2.2=ok 2.3=ok ");
}

TEST(Generations, TheNewPluginNameWorksOnlyOnContainerd2) {
  auto v = verdicts_of(MIRRORGATE_TEST_DATA "/misconfig/patch-2x-plugin-no-version.yaml");
  EXPECT_EQ(verdict_line(v), "1.6=no 1.7=no 2.1=ok 2.2=ok 2.3=ok ");
  EXPECT_NE(v[1].why.find("containerd 2.x's plugin name"), std::string::npos) << v[1].why;
}

TEST(Generations, LegacyTlsConfigsAreRefusedBy1xAndIgnoredBy2x) {
  auto v = verdicts_of(MIRRORGATE_TEST_DATA "/misconfig/tls-config-beside-config-path.yaml");
  EXPECT_EQ(verdict_line(v), "1.6=no 1.7=no 2.1=ok 2.2=ok 2.3=ok ");
  EXPECT_NE(v[0].why.find("`configs.tls` cannot be set"), std::string::npos) << v[0].why;
  EXPECT_NE(v[2].why.find("silently ignores"), std::string::npos) << v[2].why;
}

TEST(Generations, MirrorsBesideConfigPathFailEverywhereAMissingPatchUpTo21) {
  EXPECT_EQ(verdict_line(verdicts_of(MIRRORGATE_TEST_DATA "/misconfig/mirrors-and-config-path.yaml")),
            "1.6=no 1.7=no 2.1=no 2.2=no 2.3=no ");
  // containerd 2.2 and later read /etc/containerd/certs.d without it.
  const auto missing = verdicts_of(MIRRORGATE_TEST_DATA "/misconfig/no-config-path-patch.yaml");
  EXPECT_EQ(verdict_line(missing), "1.6=no 1.7=no 2.1=no 2.2=ok 2.3=ok ");
  EXPECT_NE(missing[4].why.find("by default"), std::string::npos) << missing[4].why;
  // kind drops a version-3 patch against its version-2 base on every release:
  // as if there were none.
  EXPECT_EQ(verdict_line(verdicts_of(MIRRORGATE_TEST_DATA "/misconfig/patch-version-mismatch.yaml")),
            "1.6=no 1.7=no 2.1=no 2.2=ok 2.3=ok ");
}

TEST(Generations, AnUnknownGenerationNamesTheChoices) {
  auto message = bad_input_message([] { (void)generation_named("1.5"); });
  EXPECT_NE(message.find("--containerd 1.5"), std::string::npos) << message;
  for (const char* g : {"1.6", "1.7", "2.1", "2.2", "2.3", "kind v0.32 and v0.33"}) EXPECT_NE(message.find(g), std::string::npos) << message;
}

TEST(Generations, KnownNodeImagesNameTheirKindReleaseAndContainerd) {
  auto m = generation_of_node_image(
      "kindest/node:v1.32.2@sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind_release, "v0.27.0");
  EXPECT_EQ(m->containerd, "2.0.2");
  EXPECT_EQ(m->generation, "2.1");
  EXPECT_FALSE(generation_of_node_image("kindest/node:v1.32.2"));  // a tag alone does not say which kind built it
  EXPECT_EQ(generation_for_version("1.7.24"), "1.7");
  EXPECT_EQ(generation_for_version("1.6.21"), "1.6");
  EXPECT_EQ(generation_for_version("2.0.2"), "2.1");
  EXPECT_EQ(generation_for_version("2.2.0"), "2.2");
  EXPECT_EQ(generation_for_version("2.3.1"), "2.3");
}

TEST(Generations, AKindConfigWithAnUnknownNodeImageIsBadInputNamingTheLineAndChoices) {
  auto kind = parse_kind_config(
      "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n"
      "    image: kindest/node:v1.31.0@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
      "cluster.yaml");
  EnvironmentOptions o;
  auto message = bad_input_message([&] { (void)node_generation(o, kind, nullptr); });
  EXPECT_EQ(message.rfind("cluster.yaml:5:", 0), 0u) << message;
  EXPECT_NE(message.find("--containerd 1.6, 1.7, 2.1"), std::string::npos) << message;
}

TEST(RegistryGenerations, NamesImagesAndConfigPathsAsTheImagesHaveThem) {
  EXPECT_EQ(registry_generation_named("2.8").image, "registry:2");
  EXPECT_EQ(registry_generation_named("3.1").image, "registry:3");
  // distribution's v3 Dockerfile moved the config; registry:2 reads the old place.
  EXPECT_EQ(registry_generation_named("3.1").config_path, "/etc/distribution/config.yml");
  EXPECT_EQ(registry_generation_named("2.8").config_path, "/etc/docker/registry/config.yml");
  try {
    (void)registry_generation_named("3");
    ADD_FAILURE() << "--registry 3 accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("expected one of 2.8 (registry:2), 3.1 (registry:3)"), std::string::npos)
        << e.what();
  }
}

TEST(RegistryGenerations, AReportSaysWhyTheRunIsNotOnTheShippedGeneration) {
  EXPECT_EQ(registry_generation_line("3.1", ""), "3.1 (registry:3), the shipped default");
  EXPECT_EQ(registry_generation_line("2.8", "--registry 2.8 asked for it"),
            "2.8 (registry:2), not the shipped default registry:3: --registry 2.8 asked for it");
  EXPECT_NE(registry_generation_line("2.8", "").find("did not record why"), std::string::npos);
}

TEST(RegistryGenerations, AMissingGenerationQuotesWhatBuildRegistryTried) {
  TempDir cache("registry-cache");
  ::setenv("MIRRORGATE_REGISTRY_CACHE", cache.path.c_str(), 1);
  const auto& g = registry_generation_named("3.1");
  EXPECT_FALSE(registry_available(g));
  const std::string plain = registry_missing_reason(g);
  EXPECT_NE(plain.find("no " + (cache.path / "3.1" / "registry").string()), std::string::npos) << plain;
  EXPECT_NE(plain.find("docker pull registry:3"), std::string::npos) << plain;
  // What ci/build-registry.sh writes when none of its sources worked.
  std::ofstream(cache.path / "3.1.missing") << "ci/build-registry.sh found no distribution v3.1.1 (registry:3); it tried:\n"
                                               "  - the source: no /x/distribution-3.1.1.tar.gz\n";
  const std::string tried = registry_missing_reason(g);
  EXPECT_NE(tried.find("  - the source: no /x/distribution-3.1.1.tar.gz"), std::string::npos) << tried;
  ::unsetenv("MIRRORGATE_REGISTRY_CACHE");
}

TEST(RegistryGenerations, AnImageTagNamesItsGeneration) {
  EXPECT_EQ(registry_generation_of_image("registry:3")->name, "3.1");
  EXPECT_EQ(registry_generation_of_image("registry:3.1.1")->name, "3.1");
  EXPECT_EQ(registry_generation_of_image("docker.io/library/registry:2.8.3")->name, "2.8");
  EXPECT_EQ(registry_generation_of_image("localhost:5000/registry"), nullptr) << "a port is not a tag";
  EXPECT_EQ(registry_generation_of_image("registry:latest"), nullptr);
  EXPECT_EQ(registry_generation_of_image("registry:30"), nullptr);
}

TEST(RegistryGenerations, VersionLineDropsTheBinarysOwnPath) {
  EXPECT_EQ(registry_version_line("3.1", "/var/cache/mirrorgate/registry/3.1/registry "
                                         "github.com/distribution/distribution/v3 v3.1.1\n"),
            "registry 3.1: github.com/distribution/distribution/v3 v3.1.1");
  EXPECT_EQ(registry_version_of("docker-registry github.com/docker/distribution 2.8.2+ds1"),
            "github.com/docker/distribution 2.8.2+ds1");
}
