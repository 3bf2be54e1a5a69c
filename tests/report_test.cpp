#include <gtest/gtest.h>

#include "reports/report.h"

using namespace mirrorgate;

namespace {

// The shape gtest 1.12 writes with --gtest_output=json (trimmed).
const char* kGtestJson = R"({
  "tests": 3, "failures": 1, "disabled": 0, "errors": 0, "name": "AllTests",
  "testsuites": [
    {"name": "OfflinePulls", "tests": 2, "failures": 1,
     "testsuite": [
       {"name": "CachedImagesPullOnEveryNodeWithTheHubStopped", "status": "RUN", "result": "COMPLETED", "time": "4.741s",
        "classname": "OfflinePulls",
        "failures": [{"failure": "offline_test.cpp:42\nkind-worker could not pull docker.io/library/redis:7.2 <offline>", "type": ""}]},
       {"name": "CachedImagesPullOnEveryNodeWithTheHubLinkDown", "status": "RUN", "result": "COMPLETED", "time": "50.95s",
        "classname": "OfflinePulls"}]},
    {"name": "WarmPulls", "tests": 1, "failures": 0,
     "testsuite": [
       {"name": "OtherNodesPullACachedImageWithoutUpstreamBlobDownloads", "status": "RUN", "result": "SKIPPED",
        "time": "0s", "classname": "WarmPulls"}]}
  ]
})";

}  // namespace

TEST(Report, ParsesGtestJsonIntoResults) {
  auto results = parse_gtest_json(kGtestJson);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].suite, "OfflinePulls");
  EXPECT_FALSE(results[0].passed);
  ASSERT_EQ(results[0].failures.size(), 1u);
  EXPECT_NE(results[0].failures[0].find("could not pull"), std::string::npos);
  EXPECT_TRUE(results[1].passed);
  EXPECT_DOUBLE_EQ(results[1].seconds, 50.95);
  EXPECT_TRUE(results[2].skipped);
  EXPECT_FALSE(results[2].passed);
}

TEST(Report, RejectsOtherJson) {
  EXPECT_THROW(parse_gtest_json("{\"a\": 1}"), std::runtime_error);
  EXPECT_THROW(parse_gtest_json("not json"), std::runtime_error);
}

TEST(Report, JunitXmlCountsFailuresAndEscapes) {
  auto xml = junit_xml(parse_gtest_json(kGtestJson), "verify");
  EXPECT_NE(xml.find("<testsuite name=\"OfflinePulls\" tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("&lt;offline&gt;"), std::string::npos);
  EXPECT_NE(xml.find("<skipped/>"), std::string::npos);
  EXPECT_EQ(xml.find("<offline>"), std::string::npos);
}

TEST(Report, JunitXmlHasNoControlCharactersEvenWhenAFailureQuotesAColouredLog) {
  ScenarioResult r;
  r.suite = "OfflinePulls";
  r.name = "CachedImagesPull";
  r.failures = {"containerd said: \x1b[31mfailed\x1b[0m \x01 & <done>"};
  const auto xml = junit_xml({r}, "verify");
  for (const unsigned char c : xml) {
    EXPECT_FALSE(c < 0x20 && c != '\t' && c != '\n' && c != '\r') << "control character " << int(c) << " in\n" << xml;
  }
  EXPECT_NE(xml.find("\\x1B[31mfailed\\x1B[0m \\x01 &amp; &lt;done&gt;"), std::string::npos) << xml;
}

TEST(Report, MarkdownLeadsWithTheVerdictAndShowsFailures) {
  VerifyReport r;
  r.run_id = "20261127T000000Z";
  r.scenarios = parse_gtest_json(kGtestJson);
  r.upstream["kind-registry"] = {.requests = 12, .manifest_heads = 6, .blob_gets = 4, .bytes = 1000};
  r.pulls = nlohmann::json::array({{{"scenario", "offline"}, {"seconds", 0.5}}, {{"scenario", "offline"}, {"seconds", 1.5}}});
  auto md = report_markdown(r);
  EXPECT_EQ(md.rfind("# mirrorgate verify 20261127T000000Z: FAIL", 0), 0u) << md;
  EXPECT_NE(md.find("1 passed, 1 failed, 1 skipped"), std::string::npos) << md;
  EXPECT_NE(md.find("## OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubStopped"), std::string::npos);
  EXPECT_NE(md.find("| kind-registry | 12 | 6 | 4 | 1000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| offline | 2 | 1.000 |"), std::string::npos) << md;
  auto j = report_json(r);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["scenarios"][2]["status"], "skipped");
  EXPECT_EQ(j["upstream"]["kind-registry"]["blob_gets"], 4);
  EXPECT_FALSE(j.contains("docker_hub")) << "no stand-in, no Docker Hub count";
}

TEST(Report, DockerHubsCountKeepsItsKeysInJsonAndMarkdown) {
  VerifyReport r;
  r.run_id = "20261203T000000Z";
  r.docker_hub = DockerHubSummary{{{"account lab", {.pulls_counted = 3, .pulls_refused = 1, .manifest_heads = 2,
                                                    .tokens_issued = 5, .tokens_refused = 0}}},
                                  "100/6h",
                                  "200/6h"};
  const auto j = report_json(r);
  EXPECT_EQ(j["docker_hub"]["by_identity"]["account lab"]["pulls_counted"], 3);
  EXPECT_EQ(j["docker_hub"]["by_identity"]["account lab"]["tokens_issued"], 5);
  EXPECT_EQ(j["docker_hub"]["quota_per_account"], "200/6h");
  const auto md = report_markdown(r);
  EXPECT_NE(md.find("Quota: 100/6h per address, 200/6h per account"), std::string::npos) << md;
  EXPECT_NE(md.find("| account lab | 3 | 1 | 2 | 5 | 0 |"), std::string::npos) << md;
}
