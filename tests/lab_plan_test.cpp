// verify's spread of the scenarios over its labs: every listed scenario in
// exactly one lab; the families that stop Docker Hub or restart
// kind-registry beside the first; a new test of such a family lands beside
// too. On the scenarios binary's own list when the build gives its path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "process/process.h"
#include "verify/lab_plan.h"

using namespace mirrorgate;

namespace {

std::vector<std::string> listed_by_binary() {
  const char* binary = std::getenv("MIRRORGATE_SCENARIOS_BINARY");
  if (!binary || !*binary) binary = MIRRORGATE_SCENARIOS_BUILT;
  if (!std::filesystem::exists(binary)) return {};
  return parse_gtest_list(run({binary, "--gtest_list_tests"}).out);
}

std::map<std::string, size_t> lab_of(const std::vector<std::vector<std::string>>& plan) {
  std::map<std::string, size_t> out;
  for (size_t lab = 0; lab < plan.size(); ++lab) {
    for (const auto& name : plan[lab]) {
      EXPECT_EQ(out.count(name), 0u) << name << " is planned in two labs";
      out[name] = lab;
    }
  }
  return out;
}

}  // namespace

TEST(LabPlan, GtestPatternsMatchAsGtestMatchesThem) {
  EXPECT_TRUE(matches_pattern("OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubLinkDown", "OfflinePulls.*LinkDown"));
  EXPECT_FALSE(matches_pattern("OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubStopped", "OfflinePulls.*LinkDown"));
  EXPECT_TRUE(matches_pattern("CacheLifecycle.PruneKeepsX", "CacheLifecycle.PruneKeeps*"));
  EXPECT_TRUE(matches_pattern("A.b", "A.?"));
  EXPECT_FALSE(matches_pattern("A.bc", "A.?"));
  EXPECT_TRUE(matches_pattern("A.b", "*"));
  EXPECT_FALSE(matches_pattern("A.b", "B.*"));
}

TEST(LabPlan, EveryScenarioRunsInExactlyOneLabAndTheDisruptiveOnesBeside) {
  std::vector<std::string> listed = listed_by_binary();
  const bool from_binary = !listed.empty();
  if (!from_binary) {
    listed = {"CatalogPopulation.RepositoryAppearsInTheMirrorsCatalogAfterTheFirstPull",
              "OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubLinkDown",
              "OfflinePulls.CachedImagesPullOnEveryNodeWithTheHubStopped",
              "OfflineRestart.AnUncachedImageComesThroughOnceTheHubAnswersAgain",
              "CacheLifecycle.KindRegistryNeverDeletesWhatItCached",
              "CacheLifecycle.KilledMidColdPullServesNoPartialBlob",
              "EveryUpstreamOffline.EachCachedImagePullsOnEveryNodeWithItsRegistryStopped"};
  }
  RecordProperty("listed_from", from_binary ? "the scenarios binary" : "a fixed list");
  // A test added later to a family that must run beside lands beside.
  listed.push_back("OfflineRestart.SomeTestAddedLater");
  const auto plan = plan_labs(listed);
  ASSERT_EQ(plan.size(), labs_beside().size() + 1);
  const auto lab = lab_of(plan);
  EXPECT_EQ(lab.size(), listed.size()) << "a listed scenario is in no lab";
  for (const auto& [name, where] : lab) {
    for (const char* family : {"OfflinePulls.", "OfflineRestart.", "EveryUpstreamOffline."}) {
      if (name.rfind(family, 0) == 0) EXPECT_GT(where, 0u) << name << " stops Docker Hub: it must not run in the first lab";
    }
  }
  EXPECT_EQ(lab.at("OfflineRestart.SomeTestAddedLater"), 2u);
  EXPECT_EQ(lab.at("CacheLifecycle.KilledMidColdPullServesNoPartialBlob"), 2u);
  EXPECT_EQ(lab.at("CatalogPopulation.RepositoryAppearsInTheMirrorsCatalogAfterTheFirstPull"), 0u);
  // Every lab beside has something to run.
  for (size_t i = 1; i < plan.size(); ++i) EXPECT_FALSE(plan[i].empty()) << "lab beside " << i << " runs nothing";
  EXPECT_EQ(exact_filter({"A.b", "C.d"}), "A.b:C.d");
  EXPECT_EQ(parse_gtest_list("A.\n  b\n  c  # GetParam() = 1\nD.\n  e\n"),
            (std::vector<std::string>{"A.b", "A.c", "D.e"}));
}
