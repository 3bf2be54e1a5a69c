// The team tier's rules on its shipped files and on configs that break them.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/files.h"
#include "team/team.h"

namespace mirrorgate {
namespace {

ReplicaConfig shipped(const std::string& name, const std::string& secret) {
  const std::string file = MIRRORGATE_SOURCE_DIR "/team/registry-config.yml";
  return {name, file, read_file_if_exists(file).value_or(""), {{"REGISTRY_HTTP_SECRET", secret}}};
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Team, TheShippedReplicaConfigSharesOneStoreSafely) {
  const auto r = shipped("team-replica-1", "s3cret");
  ASSERT_FALSE(r.text.empty());
  EXPECT_TRUE(replica_config_problems(r).empty());
  EXPECT_TRUE(http_secret_problems({r, shipped("team-replica-2", "s3cret")}).empty());
}

TEST(Team, AReplicaThatWouldExpireContentIsNamedWithTheKey) {
  auto r = shipped("team-replica-2", "s");
  r.text = replace(r.text, "  ttl: 0", "  ttl: 168h");
  const auto problems = replica_config_problems(r);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("team-replica-2"), std::string::npos);
  EXPECT_NE(problems[0].find("proxy.ttl"), std::string::npos);
  EXPECT_NE(problems[0].find("168h"), std::string::npos);
  // The environment overrides the file, as distribution reads it.
  r.environment.push_back({"REGISTRY_PROXY_TTL", "0"});
  EXPECT_TRUE(replica_config_problems(r).empty());
}

TEST(Team, StorageRedisAndRedirectAreChecked) {
  auto r = shipped("team-replica-1", "s");
  r.text = replace(r.text, "blobdescriptor: redis", "blobdescriptor: inmemory");
  r.text = replace(r.text, "    disable: true", "    disable: false");
  const auto problems = replica_config_problems(r);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("blobdescriptor"), std::string::npos);
  EXPECT_NE(problems[1].find("redirect"), std::string::npos);
}

TEST(Team, AReplicaWithAnotherHttpSecretIsNamed) {
  const auto problems = http_secret_problems({shipped("team-replica-1", "a"), shipped("team-replica-2", "b")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("team-replica-2"), std::string::npos);
  EXPECT_NE(problems[0].find("differs from team-replica-1"), std::string::npos);
  auto none = shipped("team-replica-3", "");
  none.environment.clear();
  EXPECT_EQ(http_secret_problems({none}).size(), 1u);
}

TEST(Team, TeamCacheUrls) {
  for (const char* ok : {"http://cache.lab.example:5000", "https://cache", "http://10.0.0.5:5000/", "http://[::1]:5000"}) {
    EXPECT_FALSE(team_cache_url_problem(ok)) << ok;
  }
  for (const char* bad : {"cache:5000", "ftp://cache", "http://cache:5000/v2/", "http://cache:99999", "http://", ""}) {
    EXPECT_TRUE(team_cache_url_problem(bad)) << bad;
  }
}

TEST(Team, AMalformedReplicaConfigNamesTheFileAndLine) {
  ReplicaConfig r{"team-replica-1", "/x/registry-config.yml", "proxy:\n  ttl: [0\n", {}};
  try {
    (void)replica_config_problems(r);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/x/registry-config.yml"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mirrorgate

namespace mirrorgate {
namespace {

ReplicaConfig kind_registry(const std::vector<std::pair<std::string, std::string>>& environment) {
  const std::string file = MIRRORGATE_SOURCE_DIR "/registry/registry-config.yml";
  return {"machine 2's kind-registry", file, read_file_if_exists(file).value_or(""), environment};
}

TEST(Team, AMachineThatGoesToDockerHubInsteadOfTheTeamCacheIsNamed) {
  const std::string team = "http://team-cache:5000";
  EXPECT_FALSE(machine_upstream_problem(kind_registry({{"REGISTRY_PROXY_REMOTEURL", team + "/"}}), team));
  const auto own_front = machine_upstream_problem(kind_registry({}), team);
  ASSERT_TRUE(own_front);
  EXPECT_NE(own_front->find("machine 2's kind-registry"), std::string::npos);
  EXPECT_NE(own_front->find("kind-registry-front:5002"), std::string::npos);
  EXPECT_NE(own_front->find("registry-config.yml"), std::string::npos);
  const auto hub = machine_upstream_problem(kind_registry({{"REGISTRY_PROXY_REMOTEURL", "https://registry-1.docker.io"}}), team);
  ASSERT_TRUE(hub);
  EXPECT_NE(hub->find("registry-1.docker.io (REGISTRY_PROXY_REMOTEURL)"), std::string::npos);
}

}  // namespace
// Docker Hub's log of one herd through the team tier, as the stand-in's
// front writes it: what the team was served.
TEST(Team, WhatDockerHubServedIsCountedFromItsLog) {
  const std::string blob = "sha256:" + std::string(64, 'a'), manifest = "sha256:" + std::string(64, 'b');
  const std::string log =
      R"(10.77.0.103 - - [07/Dec/2026:00:31:00 +0000] "GET /v2/library/redis/manifests/7.2 HTTP/1.1" 200 1570 "" "nginx" "pull counted 99/100")" "\n"
      R"(10.77.0.103 - - [07/Dec/2026:00:31:00 +0000] "GET /v2/library/redis/manifests/)" + manifest + R"( HTTP/1.1" 200 1570 "" "nginx")" "\n"
      R"(10.77.0.103 - - [07/Dec/2026:00:31:00 +0000] "HEAD /v2/library/redis/blobs/)" + blob + R"( HTTP/1.1" 200 0 "" "nginx")" "\n"
      R"(10.77.0.103 - - [07/Dec/2026:00:31:01 +0000] "GET /v2/library/redis/blobs/)" + blob + R"( HTTP/1.1" 200 5000 "" "nginx")" "\n"
      R"(10.77.0.104 - - [07/Dec/2026:00:31:01 +0000] "GET /v2/library/redis/blobs/)" + blob + R"( HTTP/1.1" 206 100 "" "nginx")" "\n"
      R"(10.77.0.104 - - [07/Dec/2026:00:31:02 +0000] "GET /v2/library/redis/blobs/)" + blob + R"( HTTP/1.1" 200 5000 "" "nginx")" "\n"
      R"(10.77.0.104 - - [07/Dec/2026:00:31:02 +0000] "GET /v2/library/memcached/blobs/)" + blob + R"( HTTP/1.1" 200 5000 "" "nginx")" "\n"
      R"(10.77.0.104 - - [07/Dec/2026:00:31:02 +0000] "GET /v2/library/memcached/blobs/)" + manifest + R"( HTTP/1.1" 404 90 "" "nginx")" "\n";
  const auto served = hub_served(parse_access_log(log));
  // The manifest by digest and the blob of two repositories, one fetched twice;
  // neither the tag, the HEAD, the 206 nor the 404 is a GET of content.
  EXPECT_EQ(served.gets, 4);
  EXPECT_EQ(served.distinct, 3);
  EXPECT_EQ(served.counted_pulls, 1);
  EXPECT_EQ(served.bytes, 1570 + 1570 + 0 + 5000 + 100 + 5000 + 5000);
  EXPECT_EQ(hub_served({}).gets, 0);
}

}  // namespace mirrorgate
