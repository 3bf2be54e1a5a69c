// The diagnosis against a stand-in node: a fake Environment holds the
// node's files and the registry settings its containerd reports; everything
// else (the parsers, the rules) is the real code.
#include <gtest/gtest.h>

#include <map>

#include "core/files.h"
#include "tests/fake_environment.h"
#include "verify/diagnose.h"

using namespace mirrorgate;

namespace {

// The diagnosis reads the node's files and the settings its containerd reports.
using FakeNodes = FakeEnvironment;

const std::string kHostsPath = "/etc/containerd/certs.d/docker.io/hosts.toml";

MirrorFacts shipped_facts() {
  return MirrorFacts::from_files(MIRRORGATE_SOURCE_DIR "/kind/kind-config-x86.yaml",
                                 MIRRORGATE_SOURCE_DIR "/registry/registry-config.yml",
                                 MIRRORGATE_SOURCE_DIR "/kind/hosts.toml");
}

std::string all(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += f.str() + "\n";
  return out;
}

}  // namespace

TEST(Diagnose, ShippedFilesOnANodeHaveNoFindings) {
  FakeNodes env;
  env.files[kHostsPath] = read_file(MIRRORGATE_SOURCE_DIR "/kind/hosts.toml");
  EXPECT_TRUE(diagnose_node(env, "kind-worker", shipped_facts()).empty()) << all(diagnose_node(env, "kind-worker", shipped_facts()));
  EXPECT_TRUE(diagnose_mirror(shipped_facts()).empty());
}

TEST(Diagnose, NoConfigPathNamesTheKindConfig) {
  FakeNodes env;
  env.settings.config_path.clear();
  auto text = all(diagnose_node(env, "kind-worker", shipped_facts()));
  EXPECT_NE(text.find("no config_path, so hosts.toml is ignored"), std::string::npos) << text;
  EXPECT_NE(text.find("containerdConfigPatches"), std::string::npos) << text;
}

TEST(Diagnose, HostsTomlInTheApiHostsDirectoryIsExplained) {
  FakeNodes env;
  env.files["/etc/containerd/certs.d/registry-1.docker.io/hosts.toml"] = read_file(MIRRORGATE_SOURCE_DIR "/kind/hosts.toml");
  auto text = all(diagnose_node(env, "kind-worker", shipped_facts()));
  EXPECT_NE(text.find("is missing"), std::string::npos) << text;
  EXPECT_NE(text.find("named after the image's registry (docker.io)"), std::string::npos) << text;
  EXPECT_NE(text.find("registry-1.docker.io/hosts.toml"), std::string::npos) << text;
}

TEST(Diagnose, EachWrongMirrorLineGetsItsOwnFinding) {
  FakeNodes env;
  env.files[kHostsPath] = "server = \"https://registry-1.docker.io\"\n[host.\"https://kind-regsitry:5001\"]\n  capabilities = [\"pull\"]\n";
  auto findings = diagnose_node(env, "kind-worker", shipped_facts());
  auto text = all(findings);
  EXPECT_EQ(findings.size(), 4u) << text;
  EXPECT_NE(text.find("kind-regsitry, but the mirror is kind-registry"), std::string::npos) << text;
  EXPECT_NE(text.find("5001 is the port on the host"), std::string::npos) << text;
  EXPECT_NE(text.find("serves plain HTTP"), std::string::npos) << text;
  EXPECT_NE(text.find("capabilities = [\"pull\"] only"), std::string::npos) << text;
  EXPECT_NE(text.find("hosts.toml:2"), std::string::npos) << "findings point at the line: " << text;
}

TEST(Diagnose, MalformedHostsTomlSaysContainerdIgnoresIt) {
  FakeNodes env;
  env.files[kHostsPath] = "[host.\"http://kind-registry:5000\"\n";
  auto text = all(diagnose_node(env, "kind-worker", shipped_facts()));
  EXPECT_NE(text.find("not valid TOML"), std::string::npos) << text;
}

TEST(Diagnose, LegacyMirrorsBesideConfigPathAreFlagged) {
  FakeNodes env;
  env.files[kHostsPath] = read_file(MIRRORGATE_SOURCE_DIR "/kind/hosts.toml");
  env.settings.mirror_hosts = {"docker.io"};
  auto text = all(diagnose_node(env, "kind-worker", shipped_facts()));
  EXPECT_NE(text.find("legacy `mirrors`"), std::string::npos) << text;
}

TEST(Diagnose, RegistryConfigsThatAreNotADockerHubCache) {
  auto no_proxy = MirrorFacts::from_files("", MIRRORGATE_SOURCE_DIR "/tests/data/misconfig/no-proxy-registry-config.yml", "");
  EXPECT_NE(all(diagnose_mirror(no_proxy)).find("not a pull-through cache"), std::string::npos);
  auto wrong = MirrorFacts::from_files("", MIRRORGATE_SOURCE_DIR "/tests/data/misconfig/wrong-remoteurl-registry-config.yml", "");
  auto text = all(diagnose_mirror(wrong));
  EXPECT_NE(text.find("docker.io is only an alias"), std::string::npos) << text;
}

TEST(Diagnose, ACacheThatDeletesWhatItCachedIsNamedWithItsFix) {
  const std::string misconfig = MIRRORGATE_SOURCE_DIR "/tests/data/misconfig/";
  // The shipped config keeps what it cached, on both generations.
  const auto shipped = load_registry_config(MIRRORGATE_SOURCE_DIR "/registry/registry-config.yml");
  EXPECT_FALSE(expiring_cache(shipped, "3.1"));
  EXPECT_FALSE(expiring_cache(shipped, "2.8"));
  // Deletion on, ttl unset: 168 h on both.
  const auto expiring = load_registry_config(misconfig + "expiring-cache-registry-config.yml");
  for (const char* generation : {"3.1", "2.8"}) {
    const auto f = expiring_cache(expiring, generation);
    ASSERT_TRUE(f) << generation;
    const auto text = f->str();
    EXPECT_NE(text.find("storage.delete.enabled is true (" + misconfig + "expiring-cache-registry-config.yml:11)"),
              std::string::npos) << text;
    EXPECT_NE(text.find("168 h after it first fetched it"), std::string::npos) << text;
    EXPECT_NE(text.find("shares it"), std::string::npos) << text;
    EXPECT_NE(text.find("storage.delete.enabled: false"), std::string::npos) << text;
  }
  // ttl: 0 turns registry 3's expiry off; 2.8 ignores the key.
  const auto ttl0 = load_registry_config(misconfig + "delete-on-ttl-0-registry-config.yml");
  EXPECT_FALSE(expiring_cache(ttl0, "3.1"));
  ASSERT_TRUE(expiring_cache(ttl0, "2.8"));
  EXPECT_NE(expiring_cache(ttl0, "2.8")->str().find("registry 2.8 ignores proxy.ttl"), std::string::npos);
  // A short ttl from the environment is named by its variable and its hours.
  const auto short_ttl = with_environment(expiring, {{"REGISTRY_PROXY_TTL", "24h"}});
  const auto f = expiring_cache(short_ttl, "3.1");
  ASSERT_TRUE(f);
  EXPECT_NE(f->str().find("proxy.ttl is 24h (REGISTRY_PROXY_TTL)"), std::string::npos) << f->str();
  EXPECT_NE(f->str().find("every blob and manifest 24 h after"), std::string::npos) << f->str();
  // Deletion off from the environment: nothing is ever deleted.
  EXPECT_FALSE(expiring_cache(with_environment(expiring, {{"REGISTRY_STORAGE_DELETE_ENABLED", "false"}}), "2.8"));
}

TEST(Diagnose, SkippedPatchIsTheCauseOfAMissingConfigPath) {
  FakeNodes env;
  env.settings.config_path.clear();
  auto facts = MirrorFacts::from_files(MIRRORGATE_SOURCE_DIR "/tests/data/misconfig/patch-version-mismatch.yaml",
                                       MIRRORGATE_SOURCE_DIR "/registry/registry-config.yml", "");
  auto text = all(diagnose_node(env, "kind-worker", facts));
  EXPECT_NE(text.find("kind skipped the kind config's patch"), std::string::npos) << text;
  EXPECT_NE(text.find("patch-version-mismatch.yaml:9"), std::string::npos) << text;
}

// Another registry's hosts.toml is found as containerd finds it: per root,
// HOST_PORT_, HOST, _default; the first root that has one wins.
TEST(Diagnose, AnotherRegistrysHostsTomlIsLocatedAsContainerdLooks) {
  FakeNodes env;
  env.files["/etc/docker/certs.d/quay.io/hosts.toml"] = "server = \"https://quay.io\"\n";
  env.files["/etc/containerd/certs.d/_default/hosts.toml"] = "server = \"https://default\"\n";
  auto where = locate_hosts_toml(env, "kind-worker", "/etc/containerd/certs.d:/etc/docker/certs.d", "quay.io");
  EXPECT_EQ(where.dir, "/etc/containerd/certs.d/_default") << "the first root's _default comes before the second root";
  env.files.erase("/etc/containerd/certs.d/_default/hosts.toml");
  where = locate_hosts_toml(env, "kind-worker", "/etc/containerd/certs.d:/etc/docker/certs.d", "quay.io");
  EXPECT_EQ(where.dir, "/etc/docker/certs.d/quay.io");
  env.files["/etc/docker/certs.d/registry.local_5000_/hosts.toml"] = "server = \"http://registry.local:5000\"\n";
  where = locate_hosts_toml(env, "kind-worker", "/etc/docker/certs.d", "registry.local:5000");
  EXPECT_EQ(where.dir, "/etc/docker/certs.d/registry.local_5000_");
  where = locate_hosts_toml(env, "kind-worker", "/etc/containerd/certs.d", "ghcr.io");
  EXPECT_TRUE(where.dir.empty());
  EXPECT_EQ(where.path, "/etc/containerd/certs.d/ghcr.io/hosts.toml");
}

TEST(FullCacheDisk, NamedWhenNearlyFullOrWhenTheRegistrySaysItCouldNotStore) {
  const std::uint64_t GiB = std::uint64_t(1) << 30;
  EXPECT_FALSE(full_cache_disk("kind-registry", "/data", 50 * GiB, 200 * GiB, ""));
  // 5 % free of a large disk, but over 1 GiB: room for layers yet.
  EXPECT_FALSE(full_cache_disk("kind-registry", "/data", 10 * GiB, 200 * GiB, ""));
  const auto low = full_cache_disk("kind-registry", "/data", GiB / 2, 200 * GiB, "");
  ASSERT_TRUE(low);
  EXPECT_NE(low->problem.find("kind-registry's storage /data is nearly full"), std::string::npos) << low->str();
  EXPECT_NE(low->fix.find("mirrorgate cache prune --keep"), std::string::npos);
  const std::string log =
      "time=\"…\" level=info msg=\"response completed\"\n"
      "time=\"…\" level=error msg=\"response completed with error\" err.detail=\"write /data/docker/registry/v2/"
      "repositories/x/_uploads/1/data: no space left on device\"\n";
  const auto said = full_cache_disk("kind-registry", "/data", 50 * GiB, 200 * GiB, log);
  ASSERT_TRUE(said);
  EXPECT_NE(said->problem.find("is full"), std::string::npos);
  ASSERT_EQ(said->evidence.size(), 1u);
  EXPECT_NE(said->evidence[0].find("no space left on device"), std::string::npos);
}
