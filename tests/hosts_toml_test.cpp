#include <gtest/gtest.h>

#include "containerd/hosts_toml.h"
#include "core/error.h"
#include "core/files.h"
#include "tests/bad_input.h"

using namespace mirrorgate;

TEST(HostsToml, ShippedFileSendsDockerIoToTheMirrorWithPullAndResolve) {
  auto hosts = parse_hosts_toml(read_file(MIRRORGATE_SOURCE_DIR "/kind/hosts.toml"), "kind/hosts.toml");
  ASSERT_TRUE(hosts.server);
  EXPECT_EQ(*hosts.server, "https://registry-1.docker.io");
  ASSERT_EQ(hosts.hosts.size(), 1u);
  EXPECT_EQ(hosts.hosts[0].url, "http://kind-registry:5000");
  EXPECT_TRUE(has_capability(hosts.hosts[0], "pull"));
  EXPECT_TRUE(has_capability(hosts.hosts[0], "resolve"));
  EXPECT_FALSE(has_capability(hosts.hosts[0], "push"));
}

TEST(HostsToml, HostsKeepFileOrderAsContainerdTriesThem) {
  auto hosts = parse_hosts_toml(
      "server = \"https://registry-1.docker.io\"\n"
      "[host.\"http://zeta:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
      "[host.\"http://alpha:5000\"]\n  capabilities = [\"pull\"]\n",
      "h.toml");
  ASSERT_EQ(hosts.hosts.size(), 2u);
  EXPECT_EQ(hosts.hosts[0].url, "http://zeta:5000");
  EXPECT_EQ(hosts.hosts[1].url, "http://alpha:5000");
  EXPECT_FALSE(has_capability(hosts.hosts[1], "resolve"));
}

TEST(HostsToml, OmittedCapabilitiesMeanContainerdsDefaults) {
  auto hosts = parse_hosts_toml("[host.\"http://m:5000\"]\n", "h.toml");
  ASSERT_EQ(hosts.hosts.size(), 1u);
  EXPECT_FALSE(hosts.hosts[0].capabilities_set);
  EXPECT_TRUE(has_capability(hosts.hosts[0], "resolve"));
  EXPECT_FALSE(hosts.server);
}

TEST(HostsToml, RenderThenParseRoundTrips) {
  HostsToml in;
  in.server = "https://registry-1.docker.io";
  HostEntry h;
  h.url = "http://kind-registry:5000";
  h.capabilities = {"pull", "resolve"};
  h.capabilities_set = true;
  h.skip_verify = true;
  in.hosts.push_back(h);
  auto out = parse_hosts_toml(render_hosts_toml(in), "rendered");
  ASSERT_TRUE(out.server);
  EXPECT_EQ(*out.server, *in.server);
  ASSERT_EQ(out.hosts.size(), 1u);
  EXPECT_EQ(out.hosts[0].url, h.url);
  EXPECT_EQ(out.hosts[0].capabilities, h.capabilities);
  EXPECT_TRUE(out.hosts[0].skip_verify);
}

TEST(HostsToml, QuotesBackslashesAndControlCharactersSurviveTheRoundTrip) {
  HostsToml in;
  in.server = "https://a\"b\\c";
  HostEntry h;
  h.url = std::string("http://m:5000/\"]\n[x\t\x01") + "\x7f";
  h.capabilities = {"pu\"ll"};
  h.capabilities_set = true;
  in.hosts.push_back(h);
  const auto text = render_hosts_toml(in);
  auto out = parse_hosts_toml(text, "rendered");
  ASSERT_TRUE(out.server) << text;
  EXPECT_EQ(*out.server, *in.server);
  ASSERT_EQ(out.hosts.size(), 1u) << text;
  EXPECT_EQ(out.hosts[0].url, h.url);
  EXPECT_EQ(out.hosts[0].capabilities, h.capabilities);
}

TEST(HostsToml, MalformedFileNamesFileAndLine) {
  auto message = bad_input_message([] {
    parse_hosts_toml("server = \"https://registry-1.docker.io\"\n\n[host.\"http://kind-registry:5000\"\n", "my/hosts.toml");
  });
  EXPECT_EQ(message.rfind("my/hosts.toml:3:", 0), 0u) << message;
}

TEST(HostsToml, CapabilitiesOfTheWrongTypeAreRejected) {
  EXPECT_THROW(parse_hosts_toml("[host.\"http://m:5000\"]\ncapabilities = \"pull\"\n", "h.toml"), UserError);
}

TEST(HostsToml, DirectoryIsTheReferencesHost) {
  EXPECT_EQ(hosts_directory_for(""), "docker.io");
  EXPECT_EQ(hosts_directory_for("docker.io"), "docker.io");
  EXPECT_EQ(hosts_directory_for("quay.io"), "quay.io");
}

// containerd's own order (remotes/docker/config hostPaths): a port is
// written _PORT_ and tried first, then the host, then _default.
TEST(HostsToml, DirectoriesContainerdTriesForAHostInItsOrder) {
  EXPECT_EQ(containerd_host_dirs("/etc/containerd/certs.d", "quay.io"),
            (std::vector<std::string>{"/etc/containerd/certs.d/quay.io", "/etc/containerd/certs.d/_default"}));
  EXPECT_EQ(containerd_host_dirs("/r", "localhost:5000"),
            (std::vector<std::string>{"/r/localhost_5000_", "/r/localhost:5000", "/r/_default"}));
  EXPECT_EQ(containerd_host_dirs("/r", ""), (std::vector<std::string>{"/r/docker.io", "/r/_default"}));
}

TEST(HostsToml, AHostWithoutDialTimeoutIsWarnedAboutOnTheGenerationsThatHonourIt) {
  const std::string without = "server = \"https://registry-1.docker.io\"\n\n[host.\"http://kind-registry:5000\"]\n"
                              "  capabilities = [\"pull\", \"resolve\"]\n";
  const auto hosts = parse_hosts_toml(without, "hosts.toml");
  EXPECT_TRUE(hosts.hosts.at(0).dial_timeout.empty());
  EXPECT_TRUE(dial_timeout_warnings(hosts, "hosts.toml", "1.7").empty());  // ignored before 2.1
  const auto warnings = dial_timeout_warnings(hosts, "hosts.toml", "2.3");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("hosts.toml:3: [host.\"http://kind-registry:5000\"] has no dial_timeout", 0), 0u)
      << warnings[0];
  const auto with = parse_hosts_toml(without + "  dial_timeout = \"2s\"\n", "hosts.toml");
  EXPECT_EQ(with.hosts.at(0).dial_timeout, "2s");
  EXPECT_TRUE(dial_timeout_warnings(with, "hosts.toml", "2.3").empty());
  EXPECT_NE(render_hosts_toml(with).find("dial_timeout = \"2s\""), std::string::npos);
  EXPECT_EQ(bad_input_message([&] { (void)parse_hosts_toml(without + "  dial_timeout = 2\n", "h.toml"); })
                .rfind("h.toml:3: dial_timeout of http://kind-registry:5000 must be a duration", 0),
            0u);
}
