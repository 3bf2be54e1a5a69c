#include <gtest/gtest.h>

#include "core/files.h"
#include "registry/access_log.h"

using namespace mirrorgate;

TEST(AccessLog, ParsesContainerdManifestHeadThroughTheMirror) {
  auto r = parse_access_line(
      R"(10.77.0.10 - - [27/Nov/2026:22:01:55 +0000] "HEAD /v2/library/busybox/manifests/1.36?ns=docker.io HTTP/1.1" 200 424 "" "containerd/1.6.20~ds1")");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client, "10.77.0.10");
  EXPECT_EQ(r->method, "HEAD");
  EXPECT_EQ(r->path, "/v2/library/busybox/manifests/1.36");
  EXPECT_EQ(r->query, "ns=docker.io");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->bytes, 424);
  EXPECT_EQ(r->user_agent, "containerd/1.6.20~ds1");
  EXPECT_EQ(r->kind, RequestKind::manifest);
  EXPECT_EQ(r->repository, "library/busybox");
  EXPECT_EQ(r->reference, "1.36");
}

TEST(AccessLog, ClassifiesBlobsCatalogUploadsAndBase) {
  auto blob = parse_access_line(
      R"(10.77.0.3 - - [27/Nov/2026:22:01:55 +0000] "GET /v2/yinfangchen/geo/blobs/sha256:aa HTTP/2.0" 200 99 "" "Go-http-client/2.0")");
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->kind, RequestKind::blob);
  EXPECT_EQ(blob->repository, "yinfangchen/geo");
  EXPECT_EQ(blob->reference, "sha256:aa");
  auto upload = parse_access_line(R"(10.77.0.1 - - [t] "POST /v2/library/redis/blobs/uploads/ HTTP/2.0" 202 0 "" "")");
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->kind, RequestKind::upload);
  EXPECT_EQ(upload->repository, "library/redis");
  auto catalog = parse_access_line(R"(127.0.0.1 - - [t] "GET /v2/_catalog?n=100 HTTP/1.1" 200 20 "" "curl/7.88.1")");
  ASSERT_TRUE(catalog);
  EXPECT_EQ(catalog->kind, RequestKind::catalog);
  auto base = parse_access_line(R"(10.77.0.3 - - [t] "GET /v2/ HTTP/2.0" 200 2 "" "Go-http-client/2.0")");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->kind, RequestKind::base);
}

TEST(AccessLog, SkipsDistributionsOwnLogLinesInARealMirrorLog) {
  auto text = read_file(MIRRORGATE_TEST_DATA "/kind-registry.access.log");
  auto records = parse_access_log(text);
  // The file holds 8 access-log lines from a node and 2 logrus lines.
  ASSERT_EQ(records.size(), 8u);
  for (const auto& r : records) {
    EXPECT_EQ(r.client, "10.77.0.10");
    EXPECT_EQ(r.query, "ns=docker.io");
  }
  EXPECT_EQ(records[2].kind, RequestKind::blob);
  EXPECT_EQ(records[2].bytes, 340);
}

TEST(AccessLog, ParsesTheHubsHttp2Log) {
  auto records = parse_access_log(read_file(MIRRORGATE_TEST_DATA "/hub.access.log"));
  ASSERT_FALSE(records.empty());
  for (const auto& r : records) EXPECT_FALSE(r.client.empty());
}

TEST(AccessLog, RejectsTruncatedLines) {
  EXPECT_FALSE(parse_access_line(R"(10.77.0.10 - - [27/Nov/2026:22:01:55 +0000] "GET /v2/ HTTP/1.1")"));
  EXPECT_FALSE(parse_access_line("time=\"2026\" level=info msg=\"response completed\""));
  EXPECT_FALSE(parse_access_line(""));
}
