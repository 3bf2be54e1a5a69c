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
