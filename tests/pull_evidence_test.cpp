// What check_pull_used_mirror says about a pull, from access records shaped
// like the ones docker-registry and the hub stand-in write.
#include "verify/pull_evidence.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "fake_environment.h"

namespace mirrorgate {
namespace {

AccessRecord record(std::string client, RequestKind kind, std::string reference, int status) {
  AccessRecord r;
  r.client = std::move(client);
  r.method = "GET";
  r.kind = kind;
  r.repository = "library/redis";
  r.reference = std::move(reference);
  r.path = "/v2/library/redis/" + std::string(kind == RequestKind::blob ? "blobs/" : "manifests/") + r.reference;
  r.status = status;
  return r;
}

const ExpectedPull kRedis{"docker.io/library/redis:7.2", "library/redis", {"sha256:c0", "sha256:l1"}};
const std::vector<std::string> kCache{"10.77.0.3"};

PullEvidence node_evidence() {
  PullEvidence e;
  e.node = "kind-worker";
  e.node_address = "10.77.0.11";
  return e;
}

// The node's requests to kind-registry for the image, its config answered with `config_status`.
std::vector<AccessRecord> node_at_mirror(int config_status) {
  return {record("10.77.0.11", RequestKind::manifest, "7.2", 200),
          record("10.77.0.11", RequestKind::blob, "sha256:c0", config_status),
          record("10.77.0.11", RequestKind::blob, "sha256:l1", 200)};
}

TEST(PullEvidence, APullServedByKindRegistryHasNoProblem) {
  auto e = node_evidence();
  e.node_at_mirror = node_at_mirror(200);
  e.upstream = {record("10.77.0.3", RequestKind::blob, "sha256:l1", 200)};
  EXPECT_TRUE(check_pull_used_mirror(e, kRedis, kCache).empty());
}

TEST(PullEvidence, AFallbackAfterAServerErrorOfKindRegistryNamesThatError) {
  auto e = node_evidence();
  e.node_at_mirror = node_at_mirror(500);
  e.node_at_upstream = {record("10.77.0.11", RequestKind::blob, "sha256:c0", 200)};
  const auto problems = check_pull_used_mirror(e, kRedis, kCache);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("because kind-registry answered it with a server error"), std::string::npos)
      << problems.front();
  EXPECT_NE(problems.front().find("/v2/library/redis/blobs/sha256:c0 → 500"), std::string::npos) << problems.front();
  EXPECT_NE(problems.front().find("invalid checksum digest format"), std::string::npos) << problems.front();
}

TEST(PullEvidence, AFallbackWithoutAnErrorOfKindRegistryPointsAtTheNodesConfiguration) {
  auto e = node_evidence();
  e.node_at_upstream = {record("10.77.0.11", RequestKind::manifest, "7.2", 200)};
  const auto problems = check_pull_used_mirror(e, kRedis, kCache);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("containerd skipped the mirror (no config_path"), std::string::npos)
      << problems.front();
  EXPECT_EQ(problems.front().find("server error"), std::string::npos) << problems.front();
}

// distribution logs a blob it fetched upstream only once it has stored it,
// after the node has the bytes: the evidence is read again until the line is there.
TEST(PullEvidence, EvidenceOnceLoggedWaitsForTheLastBlobsLine) {
  RunState run = fake_run();
  run.nodes = {{"kind-worker", "worker", "10.77.0.11"}};
  run.mirror_address = "10.77.0.3";
  FakeEnvironment env(run);
  std::atomic<int> reads{0};
  env.mirror_log_source = [&] {
    auto log = node_at_mirror(200);
    if (++reads < 3) log.pop_back();  // the layer's line is not written yet
    return log;
  };
  const auto e = evidence_once_logged(env, "kind-worker", {}, kRedis);
  EXPECT_GE(reads.load(), 3);
  EXPECT_TRUE(check_pull_used_mirror(e, kRedis, kCache).empty());
}

// A blob that never shows up is reported, once `settle` has passed.
TEST(PullEvidence, EvidenceOnceLoggedGivesUpAfterItsSettleTime) {
  RunState run = fake_run();
  run.nodes = {{"kind-worker", "worker", "10.77.0.11"}};
  run.mirror_address = "10.77.0.3";
  FakeEnvironment env(run);
  env.mirror_log = node_at_mirror(200);
  env.mirror_log.pop_back();
  const auto e = evidence_once_logged(env, "kind-worker", {}, kRedis, std::chrono::milliseconds(200));
  const auto problems = check_pull_used_mirror(e, kRedis, kCache);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems.front().find("did not fetch 1 of 2 blobs"), std::string::npos) << problems.front();
}

// A node seen at the upstream itself has gone around the mirror: no log line
// of the mirror's undoes that, so the wait ends a moment later, not after
// the whole settle time (a misconfigured node would wait it out per image).
TEST(PullEvidence, EvidenceOnceLoggedStopsSoonOnceTheNodeIsSeenAtTheUpstream) {
  RunState run = fake_run();
  run.nodes = {{"kind-worker", "worker", "10.77.0.11"}};
  run.mirror_address = "10.77.0.3";
  FakeEnvironment env(run);
  env.upstream_log = {record("10.77.0.11", RequestKind::manifest, "7.2", 200)};
  const auto started = std::chrono::steady_clock::now();
  const auto e = evidence_once_logged(env, "kind-worker", {}, kRedis, std::chrono::seconds(10));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  const auto problems = check_pull_used_mirror(e, kRedis, kCache);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("straight from registry-1.docker.io, not through kind-registry"), std::string::npos)
      << problems.front();
}

// Another registry's pull is judged by its own cache's log and by what the
// stand-in logged for that registry alone, and named in its terms.
TEST(PullEvidence, AnotherRegistrysPullIsJudgedByItsOwnCacheAndNamedSo) {
  RunState run = fake_run();
  run.nodes = {{"kind-worker", "worker", "10.77.0.11"}};
  run.mirror_address = "10.77.0.3";
  run.caches = {{"quay.io", "http://10.77.0.4:5000", "10.77.0.4", "/unused"}};
  FakeEnvironment env(run);
  auto quay = [](AccessRecord r) {
    r.repository = "prometheus/node-exporter";
    r.registry = "quay.io";
    return r;
  };
  // The node's docker.io pull at the same time is not this pull's evidence.
  env.upstream_log = {record("10.77.0.11", RequestKind::manifest, "7.2", 200),
                      quay(record("10.77.0.4", RequestKind::blob, "sha256:l1", 200))};
  env.cache_logs["quay.io"] = {quay(record("10.77.0.11", RequestKind::manifest, "v1.8.2", 200)),
                               quay(record("10.77.0.11", RequestKind::blob, "sha256:c0", 200))};
  const ExpectedPull expected{"quay.io/prometheus/node-exporter:v1.8.2", "prometheus/node-exporter",
                              {"sha256:c0", "sha256:l1"}, "quay.io"};
  const auto e = evidence_once_logged(env, "kind-worker", LogMark{0, 0, "quay.io"}, expected,
                                      std::chrono::milliseconds(200));
  EXPECT_TRUE(e.node_at_upstream.empty()) << "a docker.io request counted against a quay.io pull";
  const auto problems = check_pull_used_mirror(e, expected, env.cache_addresses_of("quay.io"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems.front().find("did not fetch 1 of 2 blobs of quay.io/prometheus/node-exporter:v1.8.2 from "
                                  "kind-registry-quay-io"),
            std::string::npos)
      << problems.front();
}

}  // namespace
}  // namespace mirrorgate
