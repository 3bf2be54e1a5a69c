// The team bench's report (reports/team_bench.h): its targets decided on
// herds, its table and its plot of Docker Hub's pulls against N.
#include <gtest/gtest.h>

#include "reports/team_bench.h"

namespace mirrorgate {
namespace {

TeamHerd herd(int machines, double seconds, int counted = 6, int gets = 28) {
  TeamHerd h;
  h.machines = machines;
  h.nodes = 2 * machines;
  h.images = 6;
  h.hub_gets = gets;
  h.distinct = 28;
  h.counted_pulls = counted;
  h.hub_bytes = 127'400'000;
  h.image_bytes = 127'000'000;
  h.slowest_seconds = seconds;
  return h;
}

const Target* find(const std::vector<Target>& targets, const std::string& start) {
  for (const auto& t : targets) {
    if (t.what.rfind(start, 0) == 0) return &t;
  }
  return nullptr;
}

TEST(TeamBench, ATeamAskingOncePerImageMeetsThePullAndByteTargets) {
  const std::vector<TeamBenchRow> rows{{1, {herd(1, 12.3), herd(1, 12.4), herd(1, 12.5)}},
                                       {3, {herd(3, 13.0), herd(3, 13.2), herd(3, 13.4)}}};
  const auto targets = team_bench_targets(rows);
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_TRUE(find(targets, "Docker Hub pulls per image per team = 1")->met());
  EXPECT_TRUE(find(targets, "upstream bytes")->met());
  EXPECT_TRUE(find(targets, "0 failed pulls")->met());
  // 13.2 / 12.4, its interval (13.0 / 12.5 to 13.4 / 12.3) wholly under 1.25.
  const auto* herd_target = find(targets, "a cold herd on 3 machines");
  ASSERT_NE(herd_target, nullptr);
  EXPECT_TRUE(herd_target->met()) << herd_target->measured;
  EXPECT_NE(herd_target->measured.find("1.06×"), std::string::npos) << herd_target->measured;
}

TEST(TeamBench, APullPerMachineARepeatedBlobAndASlowHerdAreMissed) {
  auto repeated = herd(3, 23.0, 6, 29);
  auto per_machine = herd(2, 20.0, 12);
  auto failed = herd(3, 24.0);
  failed.failed = 1;
  const std::vector<TeamBenchRow> rows{{1, {herd(1, 12.3), herd(1, 12.4)}}, {2, {per_machine}}, {3, {repeated, failed}}};
  const auto targets = team_bench_targets(rows);
  EXPECT_TRUE(find(targets, "Docker Hub pulls per image per team = 1")->missed());
  EXPECT_NE(find(targets, "Docker Hub pulls per image per team = 1")->measured.find("2.00 counted pulls per image"),
            std::string::npos);
  EXPECT_TRUE(find(targets, "0 failed pulls")->missed());
  EXPECT_TRUE(find(targets, "a cold herd on 3 machines")->missed());
}

TEST(TeamBench, BytesBeyondTheBoundAreMissed) {
  auto h = herd(1, 12.0);
  h.hub_bytes = 2 * h.image_bytes;
  EXPECT_TRUE(find(team_bench_targets({{1, {h}}}), "upstream bytes")->missed());
  // Without N = 3 there is no herd target, without herds no target at all.
  EXPECT_EQ(find(team_bench_targets({{1, {h}}}), "a cold herd"), nullptr);
  EXPECT_TRUE(team_bench_targets({{1, {}}}).empty());
}

TEST(TeamBench, TheTableSetsPerMachineCachesBesideTheTeamAndThePlotDrawsBoth) {
  // N = 2's per-machine caches ran (12 pulls, 14 s); N = 3's did not.
  const std::vector<TeamBenchRow> rows{{1, {herd(1, 12.3)}, {}},
                                       {2, {herd(2, 20.0)}, {herd(2, 14.0, 12)}},
                                       {3, {herd(3, 23.0)}, {}},
                                       {4, {}, {}}};
  const auto md = team_bench_markdown(rows, team_bench_targets(rows), "100mbit", "team-pulls.svg");
  EXPECT_NE(md.find("| 3 | 6 | 1 | 28 (28) | 1.00 | 127400000 (1.003×) | 23.00 s"), std::string::npos) << md;
  EXPECT_NE(md.find("| 12 | 14.00 s (14.00–14.00, 1 herd) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 18 (N × N = 1's) | - |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 6 | the same |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 4 | - | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("![Docker Hub pulls per cluster creation against N](team-pulls.svg)"), std::string::npos);
  EXPECT_NE(md.find("100mbit"), std::string::npos);
  const auto svg = team_pulls_svg(rows);
  ASSERT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.find("N = 4"), std::string::npos) << "a row without herds is not drawn";
  EXPECT_NE(svg.find("team tier (measured), N = 3: 6 pulls"), std::string::npos) << svg;
  EXPECT_NE(svg.find("where not run), N = 2: 12 pulls"), std::string::npos) << svg;
  EXPECT_NE(svg.find("where not run), N = 3: 18 pulls"), std::string::npos) << svg;
  EXPECT_EQ(team_pulls_svg({{3, {herd(3, 23.0)}, {}}}), "") << "without N = 1 there is nothing to multiply";
  // Every N measured: the legend says so.
  const auto measured = team_pulls_svg({{1, {herd(1, 12.3)}, {}}, {2, {herd(2, 20.0)}, {herd(2, 14.0, 12)}}});
  EXPECT_NE(measured.find("per-machine caches (measured), N = 2: 12 pulls"), std::string::npos) << measured;
  const auto json = team_bench_json(rows, {});
  EXPECT_EQ(json["rows"][2]["herds"][0]["counted_pulls"], 6);
  EXPECT_EQ(json["rows"][1]["per_machine_herds"][0]["counted_pulls"], 12);
}

}  // namespace
}  // namespace mirrorgate
