#include <gtest/gtest.h>

#include "core/error.h"
#include "registry/registry_config.h"
#include "tests/bad_input.h"

using namespace mirrorgate;

TEST(RegistryConfig, ShippedConfigIsAProxyOfDockerHubThroughTheFrontOnPort5000) {
  auto c = load_registry_config(MIRRORGATE_SOURCE_DIR "/registry/registry-config.yml");
  ASSERT_TRUE(c.proxy_remote_url);
  EXPECT_EQ(*c.proxy_remote_url, "http://kind-registry-front:5002");
  EXPECT_TRUE(proxies_through_front(c));
  EXPECT_EQ(c.listen_port, 5000);
  EXPECT_EQ(c.root_directory, "/var/lib/registry");
  EXPECT_FALSE(c.tls);
  // The seed's config, the bare comparison: Docker Hub directly.
  auto bare = load_registry_config(MIRRORGATE_SOURCE_DIR "/fixtures/bare-registry-config.yaml");
  EXPECT_EQ(*bare.proxy_remote_url, "https://registry-1.docker.io");
  EXPECT_FALSE(proxies_through_front(bare));
}

TEST(RegistryConfig, WithoutProxySectionIsNotACache) {
  auto c = parse_registry_config("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /x\nhttp:\n  addr: :5000\n", "r.yml");
  EXPECT_FALSE(c.proxy_remote_url);
}

TEST(RegistryConfig, MalformedYamlNamesFileAndLine) {
  auto message = bad_input_message([] { parse_registry_config("version: 0.1\nproxy:\n  remoteurl: [unclosed\n", "my.yml"); });
  EXPECT_EQ(message.rfind("my.yml:", 0), 0u) << message;
}

TEST(RegistryConfig, AddressWithoutPortIsRejected) {
  EXPECT_THROW(parse_registry_config("http:\n  addr: localhost\n", "r.yml"), UserError);
}

TEST(RegistryConfig, TheShippedConfigNeverExpiresWhatItCached) {
  auto c = load_registry_config(MIRRORGATE_SOURCE_DIR "/registry/registry-config.yml");
  ASSERT_TRUE(c.proxy_ttl_seconds);
  EXPECT_EQ(*c.proxy_ttl_seconds, 0);
  EXPECT_FALSE(c.delete_enabled);
  EXPECT_NE(c.delete_source.find("registry-config.yml:"), std::string::npos) << c.delete_source;
}

TEST(RegistryConfig, ProxyTtlIsReadAsDistributionReadsADuration) {
  EXPECT_EQ(parse_go_duration_seconds("168h"), 168 * 3600.0);
  EXPECT_EQ(parse_go_duration_seconds("1h30m"), 5400.0);
  EXPECT_EQ(parse_go_duration_seconds("10s"), 10.0);
  EXPECT_EQ(parse_go_duration_seconds("1500ms"), 1.5);
  EXPECT_EQ(parse_go_duration_seconds("0"), 0.0);
  EXPECT_EQ(parse_go_duration_seconds("-1h"), -3600.0);
  // A bare integer goes into time.Duration as nanoseconds: 3600 is 3.6 µs, not an hour.
  EXPECT_EQ(parse_go_duration_seconds("3600"), 3600e-9);
  EXPECT_FALSE(parse_go_duration_seconds("a week"));
  EXPECT_FALSE(parse_go_duration_seconds("10"
                                         "d"));
  EXPECT_FALSE(parse_go_duration_seconds(""));
}

TEST(RegistryConfig, TtlAndDeleteNameTheirLineOrTheirVariable) {
  auto c = parse_registry_config("version: 0.1\nstorage:\n  delete:\n    enabled: true\nproxy:\n  remoteurl: https://registry-1.docker.io\n"
                                 "  ttl: 72h\n", "r.yml");
  EXPECT_TRUE(c.delete_enabled);
  EXPECT_EQ(c.delete_source, "r.yml:4");
  EXPECT_EQ(c.proxy_ttl_source, "r.yml:7");
  EXPECT_EQ(*c.proxy_ttl_seconds, 72 * 3600.0);
  // distribution reads REGISTRY_* over the file.
  auto env = with_environment(c, {{"REGISTRY_PROXY_TTL", "0"}, {"REGISTRY_STORAGE_DELETE_ENABLED", "false"}});
  EXPECT_EQ(*env.proxy_ttl_seconds, 0);
  EXPECT_EQ(env.proxy_ttl_source, "REGISTRY_PROXY_TTL");
  EXPECT_FALSE(env.delete_enabled);
  auto on = with_environment(parse_registry_config("proxy:\n  remoteurl: x\n", "r.yml"),
                             {{"REGISTRY_STORAGE_DELETE_ENABLED", "True"}});
  EXPECT_TRUE(on.delete_enabled);
  EXPECT_EQ(on.delete_source, "REGISTRY_STORAGE_DELETE_ENABLED");
  auto message = bad_input_message([] { parse_registry_config("proxy:\n  remoteurl: x\n  ttl: a week\n", "my.yml"); });
  EXPECT_EQ(message.rfind("my.yml:3:", 0), 0u) << message;
}
