// The live verify's report: report.json's section, report.md's tables and
// the JUnit cases, from a report shaped like a real run's.
#include <gtest/gtest.h>

#include "reports/live_report.h"
#include "verify/live.h"

#include <fstream>

#include "images/reference.h"
#include "temp_dir.h"

using namespace mirrorgate;

namespace {

LiveReport sample() {
  LiveReport r;
  r.checks = {
      {"kind-registry is a pull-through cache of Docker Hub", "kind-registry", Verdict::pass, "proxy.remoteurl https://registry-1.docker.io", {}, 0.01},
      {"containerd sends docker.io to kind-registry", "aiopslab-worker", Verdict::fail,
       "/etc/containerd/certs.d/docker.io/hosts.toml is missing, so the node pulls docker.io images straight from registry-1.docker.io\n  fix: write kind/hosts.toml …",
       {"files under /etc/containerd/certs.d: none"}, 0.02},
      {"the node pulls through kind-registry", "aiopslab-worker", Verdict::skip, "not pulled | see above", {}, 0},
      {"Docker Hub pull quota", "registry-1.docker.io", Verdict::warn, "3 of 100 pulls left", {}, 0.2},
  };
  r.images = {{"redis:7.2", "cached", "sha256:abc"},
              {"mongo:4.4.6", "not cached", "the cache has no tag 4.4.6 of library/mongo"},
              {"quay.io/prometheus/prometheus:v2.47.0", "not covered", "quay.io is pulled directly"}};
  r.quota = {true, 100, 3, 21600, "203.0.113.7", "anonymous (kind-registry's address)"};
  return r;
}

}  // namespace

TEST(LiveReport, AFailedCheckFailsTheRunAndWarningsDoNot) {
  auto r = sample();
  EXPECT_FALSE(r.passed());
  r.checks.erase(r.checks.begin() + 1);
  EXPECT_TRUE(r.passed());
}

TEST(LiveReport, CountsOfflineReadinessOverDockerIoImagesOnly) {
  auto r = sample();
  EXPECT_EQ(r.cached(), 1);
  EXPECT_EQ(r.covered(), 2);
  auto j = live_report_json(r);
  EXPECT_EQ(j["offline_ready"]["cached"], 1);
  EXPECT_EQ(j["offline_ready"]["covered_images"], 2);
  EXPECT_EQ(j["docker_hub_quota"]["remaining"], 3);
  EXPECT_EQ(j["checks"][1]["verdict"], "FAIL");
}

TEST(LiveReport, MarkdownTablesKeepEachCheckOnOneRow) {
  const auto md = live_report_markdown(sample());
  EXPECT_NE(md.find("| containerd sends docker.io to kind-registry | aiopslab-worker | FAIL | "), std::string::npos) << md;
  EXPECT_NE(md.find("not pulled \\| see above"), std::string::npos) << md;  // a | in a cell is escaped
  EXPECT_NE(md.find("1 of 2 images from registries the cluster caches are cached"), std::string::npos) << md;
  EXPECT_NE(md.find("3 of 100 pulls left per 21600 s"), std::string::npos) << md;
}

TEST(LiveReport, EveryCheckIsAJUnitCaseAndOnlyFailuresCarryAMessage) {
  const auto results = live_report_results(sample());
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].passed);
  EXPECT_FALSE(results[1].passed);
  ASSERT_EQ(results[1].failures.size(), 1u);
  EXPECT_NE(results[1].failures[0].find("files under /etc/containerd/certs.d: none"), std::string::npos);
  EXPECT_TRUE(results[2].skipped);
  EXPECT_TRUE(results[3].passed);  // a warning is not a failure
  EXPECT_NE(junit_xml(results, "verify --live").find("aiopslab-worker"), std::string::npos);
}

// What setup-registry.sh runs (docker inspect's Path and Args): the shipped
// start script serves the cache read-only while the upstream is unreachable.
TEST(LiveReport, ACacheStartedByTheStartScriptSurvivesARestartWithoutNetwork) {
  const auto c = offline_restart_check("http://kind-registry-front:5002",
                                       {"/bin/sh", "/etc/distribution/kind-registry-start.sh"});
  EXPECT_EQ(c.verdict, Verdict::pass) << c.detail;
  EXPECT_NE(c.detail.find("/bin/sh /etc/distribution/kind-registry-start.sh"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("read-only"), std::string::npos) << c.detail;
}

// The image's own command (registry serve): a warning that names the fix.
TEST(LiveReport, ACacheRunByTheImagesOwnCommandIsWarnedAboutARestartWithoutNetwork) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"registry", "serve", "/etc/distribution/config.yml"}, std::vector<std::string>{}}) {
    const auto c = offline_restart_check("https://registry-1.docker.io", command);
    EXPECT_EQ(c.verdict, Verdict::warn) << c.detail;
    EXPECT_NE(c.detail.find("https://registry-1.docker.io"), std::string::npos) << c.detail;
    EXPECT_NE(c.detail.find("fix: start it through registry/kind-registry-start.sh"), std::string::npos) << c.detail;
  }
}

namespace {

void put(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// A cache's storage holding redis:7.2 as distribution stores a proxied
// image: the tag, the manifest's body and revision link, the blobs' links.
std::string store_image(const std::filesystem::path& storage) {
  const std::string manifest = "sha256:" + std::string(64, 'a');
  const std::string config = "sha256:" + std::string(64, 'b');
  const std::string layer = "sha256:" + std::string(64, 'c');
  const auto v2 = storage / "docker/registry/v2";
  const auto repo = v2 / "repositories/library/redis";
  put(v2 / "blobs/sha256/aa" / manifest.substr(7) / "data",
      R"({"schemaVersion":2,"config":{"digest":")" + config + R"("},"layers":[{"digest":")" + layer + R"("}]})");
  put(repo / "_manifests/tags/7.2/current/link", manifest);
  put(repo / "_manifests/revisions/sha256" / manifest.substr(7) / "link", manifest);
  put(repo / "_layers/sha256" / config.substr(7) / "link", config);
  put(repo / "_layers/sha256" / layer.substr(7) / "link", layer);
  return manifest;
}

}  // namespace

TEST(OfflineReadiness, AnImageLinkedIntoItsRepositoryIsCachedUnderItsTagsDigest) {
  TempDir storage("readiness");
  const auto manifest = store_image(storage.path);
  const auto r = readiness_in_storage(storage.path, *parse_reference("redis:7.2"), "linux/amd64", "redis:7.2");
  EXPECT_EQ(r.status, "cached") << r.detail;
  EXPECT_EQ(r.detail, manifest);
}

// distribution serves a manifest from a repository only by its revision
// link there: a body stored for another repository is not this one's.
TEST(OfflineReadiness, AManifestWithoutItsRevisionLinkIsNotCached) {
  TempDir storage("readiness");
  const auto manifest = store_image(storage.path);
  std::filesystem::remove_all(storage.path / "docker/registry/v2/repositories/library/redis/_manifests/revisions");
  const auto r = readiness_in_storage(storage.path, *parse_reference("redis:7.2"), "linux/amd64", "redis:7.2");
  EXPECT_EQ(r.status, "not cached");
  EXPECT_NE(r.detail.find(manifest), std::string::npos) << r.detail;
}

TEST(OfflineReadiness, ABlobWithoutItsLayerLinkIsNotCached) {
  TempDir storage("readiness");
  store_image(storage.path);
  std::filesystem::remove_all(storage.path / "docker/registry/v2/repositories/library/redis/_layers/sha256" /
                              std::string(64, 'c'));
  const auto r = readiness_in_storage(storage.path, *parse_reference("redis:7.2"), "linux/amd64", "redis:7.2");
  EXPECT_EQ(r.status, "not cached");
  EXPECT_EQ(r.detail, "1 of 2 blobs not in the cache");
}
