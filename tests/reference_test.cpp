#include <gtest/gtest.h>

#include "images/reference.h"

using namespace mirrorgate;

TEST(Reference, NormalizesAsDockerAndContainerdDo) {
  EXPECT_EQ(parse_reference("redis")->str(), "docker.io/library/redis:latest");
  EXPECT_EQ(parse_reference("redis:7.2")->str(), "docker.io/library/redis:7.2");
  EXPECT_EQ(parse_reference("yinfangchen/geo:app3")->str(), "docker.io/yinfangchen/geo:app3");
  EXPECT_EQ(parse_reference("docker.io/library/mongo:4.4.6")->str(), "docker.io/library/mongo:4.4.6");
  EXPECT_EQ(parse_reference("index.docker.io/library/mongo:4.4.6")->domain, "docker.io");
}

TEST(Reference, OtherRegistriesKeepTheirDomain) {
  auto q = parse_reference("quay.io/prometheus/node-exporter:v1.6.0");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->domain, "quay.io");
  EXPECT_EQ(q->repository, "prometheus/node-exporter");
  auto local = parse_reference("localhost:5001/app:dev");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->domain, "localhost:5001");
  EXPECT_EQ(local->tag, "dev");
}

TEST(Reference, DigestsAreKept) {
  const std::string d = "sha256:" + std::string(64, 'a');
  auto r = parse_reference("redis@" + d);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->digest, d);
  EXPECT_TRUE(r->tag.empty());
  EXPECT_EQ(r->with_digest(d), "docker.io/library/redis@" + d);
}

TEST(Reference, InvalidReferencesSayWhy) {
  std::string why;
  EXPECT_FALSE(parse_reference("Redis:7", &why));
  EXPECT_NE(why.find("repository"), std::string::npos);
  EXPECT_FALSE(parse_reference("redis@sha256:short", &why));
  EXPECT_FALSE(parse_reference("", &why));
}

TEST(Reference, AVeryLongReferenceIsRefusedBeforeAnyPatternRuns) {
  // A 200,000-character repository once ended mirrorgate with SIGSEGV (regex recursion).
  std::string why;
  EXPECT_FALSE(parse_reference("docker.io/" + std::string(200000, 'a') + ":1", &why));
  EXPECT_NE(why.find("longer than 512 characters"), std::string::npos) << why.substr(0, 200);
  EXPECT_LT(why.size(), 200u);
  EXPECT_FALSE(parse_reference("docker.io/" + std::string(300, 'a'), &why));
  EXPECT_NE(why.find("longer than 255"), std::string::npos) << why;
  EXPECT_TRUE(parse_reference("docker.io/u/" + std::string(253, 'a')));  // repository u/aaa…: 255
}

TEST(Reference, RegistryHostsFollowDistributionsGrammarAndWhatParsesPrintsAsAReference) {
  std::string why;
  EXPECT_FALSE(parse_reference("reg;istry.example/app", &why));
  EXPECT_NE(why.find("invalid registry host"), std::string::npos) << why;
  EXPECT_FALSE(parse_reference("-bad.example/app"));
  EXPECT_FALSE(parse_reference("registry.example:/app"));
  EXPECT_FALSE(parse_reference("registry.example:123456/app"));
  EXPECT_TRUE(parse_reference("registry-1.example.com:5000/team/app:v1"));
  // Found by the fuzzer: a reference just under the cap that normalizing (":latest") pushed over it.
  const std::string near_cap = "x." + std::string(248, 'a') + "/" + std::string(255, 'b');
  ASSERT_LE(near_cap.size(), kMaxReferenceLength);
  const auto ref = parse_reference(near_cap, &why);
  EXPECT_FALSE(ref) << ref->str().size();
  EXPECT_NE(why.find("once normalized"), std::string::npos) << why;
}
