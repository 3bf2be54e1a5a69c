#include <gtest/gtest.h>

#include "registry/prewarm.h"

using namespace mirrorgate;

TEST(Prewarm, ImageListSkipsCommentsAndBlankLinesAndKeepsLineNumbers) {
  auto images = read_image_list(MIRRORGATE_TEST_DATA "/images.txt");
  ASSERT_EQ(images.size(), 5u);
  EXPECT_EQ(images[0].text, "docker.io/library/redis:7.2");
  EXPECT_EQ(images[0].line, 2);
  EXPECT_EQ(images[1].text, "yinfangchen/geo:app3");
  EXPECT_EQ(images[3].text, "mongo:4.4.6");
  EXPECT_EQ(images[3].line, 6);
}

TEST(Prewarm, OtherRegistriesAreNotCoveredAndNothingIsFetched) {
  // No registry answers at this address: a covered image would fail.
  RegistryClient nowhere("http://127.0.0.1:9");
  auto r = prewarm_image(nowhere, "quay.io/prometheus/node-exporter:v1.6.0", "linux/amd64", {});
  EXPECT_EQ(r.status, PrewarmStatus::not_covered);
  EXPECT_NE(r.reason.find("quay.io"), std::string::npos);
  EXPECT_EQ(r.bytes, 0);
  auto bad = prewarm_image(nowhere, "Not A Reference", "linux/amd64", {});
  EXPECT_EQ(bad.status, PrewarmStatus::failed);
  auto unreachable = prewarm_image(nowhere, "redis:7.2", "linux/amd64", {});
  EXPECT_EQ(unreachable.status, PrewarmStatus::failed);
  EXPECT_NE(unreachable.reason.find("127.0.0.1:9"), std::string::npos) << unreachable.reason;
}
