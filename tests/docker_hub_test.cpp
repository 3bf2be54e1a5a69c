// Docker Hub's token challenge and quota headers, as registry-1.docker.io
// sends them (docs.docker.com/docker-hub/usage/pulls/, the registry token spec).
#include <gtest/gtest.h>

#include "registry/docker_hub.h"
#include "registry/registry_config.h"

using namespace mirrorgate;

TEST(DockerHub, ReadsTheBearerChallengeOfARepositoryRequest) {
  auto c = parse_bearer_challenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "https://auth.docker.io/token");
  EXPECT_EQ(c->service, "registry.docker.io");
  EXPECT_EQ(c->scope, "repository:library/redis:pull");
}

TEST(DockerHub, ReadsAChallengeWithoutScopeAndRefusesOtherSchemes) {
  auto c = parse_bearer_challenge(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scope, "");
  EXPECT_FALSE(parse_bearer_challenge(R"(Basic realm="Registry Realm")"));
  EXPECT_FALSE(parse_bearer_challenge("Bearer service=\"x\""));  // no realm
  EXPECT_FALSE(parse_bearer_challenge(""));
}

TEST(DockerHub, ReadsThePullQuotaFromManifestHeaders) {
  HttpResponse r;
  r.headers = {{"ratelimit-limit", "100;w=21600"}, {"ratelimit-remaining", "76;w=21600"},
               {"docker-ratelimit-source", "203.0.113.7"}};
  auto q = pull_quota_of(r);
  EXPECT_TRUE(q.known);
  EXPECT_EQ(q.limit, 100);
  EXPECT_EQ(q.remaining, 76);
  EXPECT_EQ(q.window_seconds, 21600);
  EXPECT_EQ(q.source, "203.0.113.7");
}

TEST(DockerHub, NoQuotaHeadersMeansTheQuotaIsUnknown) {
  HttpResponse r;
  EXPECT_FALSE(pull_quota_of(r).known);
  r.headers = {{"ratelimit-limit", "garbage"}, {"ratelimit-remaining", "1;w=1"}};
  EXPECT_FALSE(pull_quota_of(r).known);
}

TEST(RegistryConfig, EnvironmentVariablesOverrideTheFileAsDistributionReadsThem) {
  auto c = parse_registry_config("version: 0.1\nhttp:\n  addr: :5000\n", "config.yml");
  EXPECT_FALSE(c.proxy_remote_url);
  // kind's docs start a pull-through cache this way, with no proxy section in the file.
  c = with_environment(c, {{"REGISTRY_PROXY_REMOTEURL", "https://registry-1.docker.io"},
                           {"REGISTRY_PROXY_USERNAME", "alice"},
                           {"REGISTRY_PROXY_PASSWORD", "dckr_pat_x"},
                           {"REGISTRY_HTTP_ADDR", "0.0.0.0:5050"}});
  ASSERT_TRUE(c.proxy_remote_url);
  EXPECT_EQ(*c.proxy_remote_url, "https://registry-1.docker.io");
  EXPECT_EQ(c.proxy_username, "alice");
  EXPECT_EQ(c.proxy_password, "dckr_pat_x");
  EXPECT_EQ(c.listen_port, 5050);
}
