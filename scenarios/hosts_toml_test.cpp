// hosts.toml on every node: read back where the node's running containerd
// looks (its config_path, from containerd itself), the file exists, parses,
// sends docker.io to the mirror with pull and resolve, and keeps Docker Hub
// as the fallback server (written, or appended by containerd when omitted);
// the effective config has no legacy mirrors.
#include <gtest/gtest.h>

#include "containerd/hosts_toml.h"
#include "fixtures/attach.h"
#include "verify/diagnose.h"

namespace mirrorgate {
namespace {

class HostsTomlOnEveryNode : public EnvironmentTest {
 protected:
  MirrorFacts facts() {
    const auto& f = env().files();
    return MirrorFacts::from_files(f.kind_config, f.registry_config, f.hosts_toml);
  }
};

TEST_F(HostsTomlOnEveryNode, EveryNodesContainerdSendsDockerIoToTheMirror) {
  const auto f = facts();
  for (const auto& node : env().nodes()) {
    for (const auto& finding : diagnose_node(env(), node.name, f)) ADD_FAILURE() << finding.str();
  }
}

TEST_F(HostsTomlOnEveryNode, FileReadBackFromEachNodeMatchesTheShippedOne) {
  for (const auto& node : env().nodes()) {
    auto settings = env().node_registry_config(node.name);
    ASSERT_FALSE(settings.config_path.empty()) << node.name << ": containerd has no config_path";
    EXPECT_TRUE(settings.mirror_hosts.empty()) << node.name << ": legacy mirrors entries conflict with config_path";
    const auto where = locate_hosts_toml(env(), node.name, settings.config_path);
    ASSERT_TRUE(where.text) << node.name << ": no docker.io/hosts.toml under config_path " << settings.config_path;
    auto hosts = parse_hosts_toml(*where.text, node.name + ":" + where.path);
    // containerd appends Docker Hub as the server when the line is omitted,
    // so the fallback that counts is the effective one.
    EXPECT_EQ(hosts.server.value_or("https://registry-1.docker.io"), "https://registry-1.docker.io")
        << node.name << ": the fallback after the mirror is not Docker Hub";
    ASSERT_FALSE(hosts.hosts.empty());
    EXPECT_EQ(hosts.hosts[0].url, "http://kind-registry:5000");
    EXPECT_TRUE(has_capability(hosts.hosts[0], "pull"));
    EXPECT_TRUE(has_capability(hosts.hosts[0], "resolve"));
  }
}

TEST_F(HostsTomlOnEveryNode, KindRegistryIsAPullThroughCacheOfDockerHub) {
  for (const auto& finding : diagnose_mirror(facts())) ADD_FAILURE() << finding.str();
}

}  // namespace
}  // namespace mirrorgate
