#include <gtest/gtest.h>

#include "registry/docker_hub.h"
#include "reports/bench_stats.h"

using namespace mirrorgate;

TEST(BenchStats, MannWhitneyExactForCompletelySeparatedSamples) {
  // U = 0 for 5 vs 5: 2 of the 252 orderings are as extreme, two-sided.
  EXPECT_NEAR(mann_whitney_p({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}), 2.0 / 252, 1e-9);
  EXPECT_NEAR(mann_whitney_p({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}), 2.0 / 252, 1e-9);
}

TEST(BenchStats, MannWhitneySeesNoDifferenceInInterleavedSamples) {
  EXPECT_GT(mann_whitney_p({1, 3, 5, 7, 9}, {2, 4, 6, 8, 10}), 0.5);
  // Ties take the normal approximation and stay within [0, 1].
  double p = mann_whitney_p({1, 1, 2, 2}, {1, 2, 2, 3});
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
}

TEST(BenchStats, SampleStatistics) {
  Sample s;
  s.seconds = {5, 1, 4, 2, 3};
  EXPECT_DOUBLE_EQ(s.median(), 3);
  EXPECT_DOUBLE_EQ(s.min(), 1);
  EXPECT_DOUBLE_EQ(s.max(), 5);
  EXPECT_DOUBLE_EQ(s.p95(), 5);
  EXPECT_NEAR(s.cv(), 0.527, 0.001);
}

TEST(BenchStats, ParsesGoogleBenchmarkJsonAndChecksTargets) {
  // The shape Google Benchmark 1.7 writes with --benchmark_out_format=json.
  const char* text = R"({
    "context": {"date": "2026-11-27", "num_cpus": 2},
    "benchmarks": [
      {"name": "pull/cold/100mb-1layer/manual_time/iterations:1/repeats:2/repeats:2", "run_name": "pull/cold/100mb-1layer/iterations:1/repeats:2/manual_time",
       "run_type": "iteration", "repetitions": 2, "repetition_index": 0, "iterations": 1, "real_time": 17000.0,
       "cpu_time": 2.0, "time_unit": "ms", "bytes": 100000000, "upstream_bytes": 200000000},
      {"name": "x", "run_name": "pull/cold/100mb-1layer", "run_type": "iteration", "iterations": 1, "real_time": 18000.0,
       "cpu_time": 2.0, "time_unit": "ms", "bytes": 100000000, "upstream_bytes": 200000000},
      {"name": "y", "run_name": "pull/cold/100mb-1layer", "run_type": "aggregate", "aggregate_name": "cv",
       "real_time": 0.01, "time_unit": "ms", "upstream_amplification": NaN},
      {"name": "z", "run_name": "pull/warm/100mb-1layer", "run_type": "iteration", "real_time": 1000.0, "time_unit": "ms"},
      {"name": "z", "run_name": "pull/warm/100mb-1layer", "run_type": "iteration", "real_time": 1100.0, "time_unit": "ms"},
      {"name": "f", "run_name": "pull/floor/100mb-1layer", "run_type": "iteration", "real_time": 1000.0, "time_unit": "ms"},
      {"name": "u", "run_name": "pull/direct-unshaped/100mb-1layer", "run_type": "iteration", "real_time": 2100.0, "time_unit": "ms"},
      {"name": "h", "run_name": "harness_overhead/cri_round_trip", "run_type": "iteration", "real_time": 1.5, "time_unit": "ms"},
      {"name": "e", "run_name": "pull/direct/100mb-1layer", "run_type": "iteration", "error_occurred": true,
       "error_message": "the node still holds blobs"}
    ]})";
  auto samples = parse_benchmark_json(text);
  ASSERT_EQ(samples["pull/cold/100mb-1layer"].seconds.size(), 2u);
  EXPECT_DOUBLE_EQ(samples["pull/cold/100mb-1layer"].median(), 17.5);
  EXPECT_DOUBLE_EQ(samples["pull/cold/100mb-1layer"].counters["upstream_bytes"], 2e8);
  EXPECT_EQ(samples["pull/cold/100mb-1layer"].counter_series["upstream_bytes"], (std::vector<double>{2e8, 2e8}));
  EXPECT_EQ(samples["pull/direct/100mb-1layer"].error, "the node still holds blobs");
  auto comparisons = compare_modes(samples);
  ASSERT_EQ(comparisons.size(), 3u);  // cold, direct-unshaped and floor; direct errored
  EXPECT_EQ(comparisons[1].slower, "direct-unshaped");
  EXPECT_DOUBLE_EQ(comparisons[1].speedup, 2.1 / 1.05);
  auto targets = check_targets(samples, 300);
  // No warm-digest and no same-path floor: no per-byte or fixed-cost target.
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_TRUE(targets[0].met()) << targets[0].what << ": " << targets[0].measured;  // paired 17 and 16.4 > 5
  EXPECT_NE(targets[0].what.find("cold"), std::string::npos) << targets[0].what;
  EXPECT_TRUE(targets[1].met()) << targets[1].what;                                 // 1.5 ms
  EXPECT_TRUE(targets[2].met());                                                    // 5 min
  auto md = bench_report_markdown(samples, comparisons, targets, {{"upstream_rate", "100mbit"}});
  EXPECT_NE(md.find("all targets met"), std::string::npos) << md;
  EXPECT_NE(md.find("error: the node still holds blobs"), std::string::npos) << md;
  // The report says what each mode is, the floor first of all.
  EXPECT_NE(md.find("- `floor`: the node pulls from a plain registry on its own loopback"), std::string::npos) << md;
  EXPECT_NE(md.find("- `direct-unshaped`: "), std::string::npos) << md;
}

TEST(BenchStats, MedianIntervalTakesTheOrderStatisticsOfTheSignTest) {
  // Five values cannot reach 95 %: the widest interval, min to max, covers 93.75 %.
  auto five = median_interval({1.04, 1.01, 0.99, 1.10, 1.02});
  EXPECT_DOUBLE_EQ(five.median, 1.02);
  EXPECT_DOUBLE_EQ(five.low, 0.99);
  EXPECT_DOUBLE_EQ(five.high, 1.10);
  EXPECT_NEAR(five.coverage, 0.9375, 1e-12);
  // Nine: x(2) to x(8), 1 - 2 * 10/512.
  auto nine = median_interval({9, 1, 8, 2, 7, 3, 6, 4, 5});
  EXPECT_DOUBLE_EQ(nine.low, 2);
  EXPECT_DOUBLE_EQ(nine.high, 8);
  EXPECT_NEAR(nine.coverage, 1 - 2 * 10.0 / 512, 1e-12);
  // Twenty: x(6) to x(15) covers 95.9 %; x(7) to x(14) only 88.5 %.
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);
  auto t = median_interval(twenty);
  EXPECT_DOUBLE_EQ(t.low, 6);
  EXPECT_DOUBLE_EQ(t.high, 15);
  EXPECT_GE(t.coverage, 0.95);
  EXPECT_EQ(median_interval({}).n, 0u);
}

TEST(BenchStats, ATargetIsMissedOnlyWhenTheWholeIntervalIsBeyondIt) {
  MedianInterval i;
  i.n = 5;
  i.low = 1.01, i.median = 1.04, i.high = 1.08;
  EXPECT_EQ(decide(i, 1.05, false), TargetVerdict::not_decided);  // straddles
  EXPECT_EQ(decide(i, 1.10, false), TargetVerdict::met);
  EXPECT_EQ(decide(i, 1.00, false), TargetVerdict::missed);
  EXPECT_EQ(decide(i, 1.00, true), TargetVerdict::met);             // at least 1.00
  EXPECT_EQ(decide(i, 1.05, true), TargetVerdict::not_decided);
  EXPECT_EQ(decide(i, 1.09, true), TargetVerdict::missed);
  EXPECT_EQ(decide(MedianInterval{}, 1.0, false), TargetVerdict::not_decided);  // nothing measured
}

TEST(BenchStats, PerByteAndFixedCostTargetsComeFromPairedRepetitions) {
  std::map<std::string, Sample> samples;
  // Repetition i of every mode was measured together: the pairs cancel what
  // moved all of them (0.30 s then 0.40 s), which unpaired medians would not.
  samples["pull/cold/100mb-4layers"].seconds = {8.6, 8.7, 8.5, 8.6, 8.8};
  samples["pull/warm/100mb-4layers"].seconds = {0.33, 0.43, 0.32, 0.42, 0.33};
  samples["pull/warm-digest/100mb-4layers"].seconds = {0.31, 0.41, 0.30, 0.40, 0.31};
  samples["pull/floor-same-path/100mb-4layers"].seconds = {0.30, 0.40, 0.295, 0.39, 0.30};
  samples["pull/floor/100mb-4layers"].seconds = {0.25, 0.35, 0.25, 0.35, 0.25};
  auto targets = check_targets(samples, 0);
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_NE(targets[0].what.find("5x faster than cold"), std::string::npos);
  EXPECT_TRUE(targets[0].met());
  EXPECT_NE(targets[1].what.find("per byte"), std::string::npos) << targets[1].what;
  EXPECT_NE(targets[1].what.find("100mb-4layers pooled"), std::string::npos) << targets[1].what;
  EXPECT_TRUE(targets[1].met()) << targets[1].measured;  // 1.025–1.033x, all within 1.05x
  EXPECT_NE(targets[2].what.find("fixed cost"), std::string::npos) << targets[2].what;
  EXPECT_TRUE(targets[2].met()) << targets[2].measured;  // 20 ms each
  EXPECT_EQ(targets_headline(targets), "all targets met");

  // The same-path floor 10 % faster in every repetition: missed beyond noise.
  samples["pull/floor-same-path/100mb-4layers"].seconds = {0.28, 0.37, 0.27, 0.36, 0.28};
  targets = check_targets(samples, 0);
  EXPECT_EQ(targets[1].verdict, TargetVerdict::missed) << targets[1].measured;
  EXPECT_NE(targets_headline(targets).find("TARGETS MISSED"), std::string::npos);

  // One repetition on each side of the bound: not decided, and the report says so.
  samples["pull/floor-same-path/100mb-4layers"].seconds = {0.30, 0.40, 0.27, 0.39, 0.30};
  targets = check_targets(samples, 0);
  EXPECT_EQ(targets[1].verdict, TargetVerdict::not_decided) << targets[1].measured;
  const auto md = bench_report_markdown(samples, compare_modes(samples), targets, {});
  EXPECT_NE(md.find("not decided"), std::string::npos) << md;
  EXPECT_NE(md.find("Warm pulls against the floors"), std::string::npos) << md;
  EXPECT_EQ(md.find("TARGETS MISSED"), std::string::npos) << md;
}

TEST(BenchStats, AModeMeasuredInRoundsIsPairedRepetitionByRepetitionWithOneMeasuredOnce) {
  // cold once per repetition, warm three times: each cold against its repetition's mean warm.
  const auto ratios = paired_ratios({9.0, 12.0}, {0.2, 0.3, 0.4, 0.5, 0.6, 0.7});
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_DOUBLE_EQ(ratios[0], 9.0 / 0.3);
  EXPECT_DOUBLE_EQ(ratios[1], 12.0 / 0.6);
  // As long as each other: element by element.
  EXPECT_EQ(paired_differences({0.3, 0.5}, {0.1, 0.2}).size(), 2u);
}

TEST(BenchStats, AClusterThroughTheCachesIsComparedWithTheSameClusterWithout) {
  std::map<std::string, Sample> samples;
  samples["pull/cluster-cached/mixed-list"].seconds = {0.7, 0.6, 0.9};
  samples["pull/cluster-direct/mixed-list"].seconds = {5.2, 5.1, 5.3};
  const auto comparisons = compare_modes(samples);
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_EQ(comparisons[0].image, "mixed-list");
  EXPECT_EQ(comparisons[0].faster, "cluster-cached");
  EXPECT_EQ(comparisons[0].slower, "cluster-direct");
  EXPECT_DOUBLE_EQ(comparisons[0].speedup, 5.2 / 0.7);
  const auto md = bench_report_markdown(samples, comparisons, {}, {});
  EXPECT_NE(md.find("| mixed-list | cluster-cached | cluster-direct | 7.43x |"), std::string::npos) << md;
  EXPECT_NE(md.find("- `cluster-direct`: the same cluster without caches"), std::string::npos) << md;
}

TEST(BenchStats, CompareRunsFlagsOnlySignificantSlowdownsBeyondTheThreshold) {
  std::map<std::string, Sample> old_run, new_run;
  old_run["pull/warm/100mb-1layer"].seconds = {1.00, 1.02, 0.98, 1.01, 0.99};
  new_run["pull/warm/100mb-1layer"].seconds = {1.50, 1.52, 1.48, 1.51, 1.49};
  old_run["pull/warm/10mb-1layer"].seconds = {0.10, 0.12, 0.11, 0.13, 0.09};
  new_run["pull/warm/10mb-1layer"].seconds = {0.11, 0.10, 0.12, 0.13, 0.10};
  old_run["pull/cold/100mb-1layer"].seconds = {10, 10, 10, 10, 10};
  new_run["pull/cold/100mb-1layer"].seconds = {20, 20, 20, 20, 20};
  auto result = compare_runs(old_run, new_run, "pull/warm/", 0.10);
  ASSERT_EQ(result.size(), 2u);  // cold pulls are not compared
  for (const auto& r : result) {
    if (r.name == "pull/warm/100mb-1layer") {
      EXPECT_TRUE(r.regressed);
      EXPECT_NEAR(r.change, 0.5, 0.01);
    } else {
      EXPECT_FALSE(r.regressed) << r.name << " changed " << r.change << " p " << r.p_value;
    }
  }
  // A 50 % slowdown is not a regression against a 60 % threshold.
  for (const auto& r : compare_runs(old_run, new_run, "pull/warm/", 0.60)) EXPECT_FALSE(r.regressed);
}

TEST(BenchStats, DocumentKeepsTheContextAndReadsNaNAsNull) {
  // As Google Benchmark writes it: NaN for the CV of an all-zero counter,
  // and the images the run pulled in its context.
  const std::string text = R"({"context": {"fixture 10mb-1layer": "docker.io/x/y:1@sha256:00"},
    "benchmarks": [{"name": "pull/warm/10mb-1layer_cv", "run_name": "pull/warm/10mb-1layer",
                    "aggregate_name": "cv", "upstream_bytes": -nan, "real_time": 0.1, "time_unit": "s"}]})";
  auto doc = parse_benchmark_document(text);
  EXPECT_EQ(doc["context"]["fixture 10mb-1layer"], "docker.io/x/y:1@sha256:00");
  EXPECT_TRUE(doc["benchmarks"][0]["upstream_bytes"].is_null());
  EXPECT_THROW(parse_benchmark_document("{not json"), std::runtime_error);
}

TEST(BenchStats, TinyPValuesAreNotPrintedAsZero) {
  // 9 vs 9 completely separated: 2 / C(18, 9) = 4.1e-5.
  EXPECT_EQ(format_p_value(mann_whitney_p({1, 2, 3, 4, 5, 6, 7, 8, 9}, {11, 12, 13, 14, 15, 16, 17, 18, 19})),
            "< 0.0001");
  EXPECT_EQ(format_p_value(2.0 / 252), "0.0079");
}

TEST(BenchStats, DockerHubCostPerClusterCreationFromTheCountedPulls) {
  std::map<std::string, Sample> samples;
  auto counted = [&](const std::string& name, std::vector<double> pulls) {
    samples[name].seconds = std::vector<double>(pulls.size(), 1.0);
    samples[name].counter_series["docker_hub_pulls"] = pulls;
  };
  counted("pull/direct/10mb-1layer", {1, 1});
  counted("pull/cold/10mb-1layer", {1, 1});
  counted("pull/warm/10mb-1layer", {0, 0});
  counted("pull/herd/10mb-1layer", {2, 1});  // distribution fetches the tag's manifest once per concurrent request
  counted("pull/herd-prewarmed/10mb-1layer", {0, 0});
  samples["pull/herd-prewarmed/10mb-1layer"].counter_series["prewarm_docker_hub_pulls"] = {1, 1};
  samples["pull/direct/100mb-1layer"].error = "skipped";  // an errored benchmark counts nothing

  auto cost = docker_hub_cost(samples, 3, 5, "images.yaml", {{"anonymous", kDockerHubAnonymous.pulls}, {"Personal", kDockerHubPersonal.pulls}});
  ASSERT_EQ(cost.rows.size(), 5u);
  EXPECT_EQ(cost.rows[0].pulls_per_image, 3);  // direct × 3 nodes
  EXPECT_EQ(cost.rows[1].pulls_per_image, 1);  // cold + warm × 2
  EXPECT_EQ(cost.rows[2].pulls_per_image, 2);  // the herd as measured: the most
  EXPECT_EQ(cost.rows[2].fewest_per_image, 1);
  EXPECT_EQ(format_pulls(1, 2), "1–2");
  EXPECT_EQ(cost.rows[3].pulls_per_image, 1);  // the prewarm, then a herd that cost nothing
  EXPECT_EQ(cost.rows[4].pulls_per_image, 0);  // cached
  EXPECT_EQ(cost.per_creation(cost.rows[0]), 15);
  EXPECT_EQ(creations_per_6_hours(15, 10), "0");
  EXPECT_EQ(creations_per_6_hours(15, 100), "6");
  EXPECT_EQ(creations_per_6_hours(5, 10), "2");
  EXPECT_EQ(creations_per_6_hours(0, 10), "no limit");

  auto md = bench_report_markdown(samples, {}, {}, {}, cost);
  EXPECT_NE(md.find("3 nodes × 5 images (images.yaml)"), std::string::npos) << md;
  EXPECT_NE(md.find("| without the cache: every node pulls from Docker Hub (direct × nodes) | 3 | 15 | 6 | 13 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| through the cache, first creation, every node at once (herd) | 1–2 | 5–10 | 10 | 20 |"),
            std::string::npos)
      << md;
  auto j = bench_report_json(samples, {}, {}, {}, cost);
  EXPECT_EQ(j["docker_hub"]["per_cluster_creation"][4]["creations_per_6_hours_before_429"]["anonymous"], "no limit");
  EXPECT_TRUE(docker_hub_cost({}, 3, 5, "images.yaml", {}).empty()) << "no benchmark counted: no table";
}

TEST(BenchStats, TopologiesSetTheSameBenchmarkSideBySideWithCounterRanges) {
  auto sample = [](std::string name, std::vector<double> seconds, std::vector<double> amplification,
                   std::vector<double> pulls) {
    Sample s;
    s.name = std::move(name);
    s.seconds = std::move(seconds);
    s.counter_series["upstream_amplification"] = std::move(amplification);
    s.counter_series["docker_hub_pulls"] = std::move(pulls);
    return s;
  };
  std::map<std::string, Sample> bare{
      {"pull/herd/10mb-1layer", sample("pull/herd/10mb-1layer", {5.4, 5.2, 5.9}, {5.75, 6.0, 6.0}, {3, 7, 5})},
      {"pull/cold/10mb-1layer", sample("pull/cold/10mb-1layer", {1.0}, {2.0}, {1})},
      {"pull/warm/10mb-1layer", sample("pull/warm/10mb-1layer", {0.2}, {0}, {0})}};
  std::map<std::string, Sample> shipped{
      {"pull/herd/10mb-1layer", sample("pull/herd/10mb-1layer", {1.6, 1.5, 1.7}, {1.0, 1.0, 1.25}, {1, 1, 1})},
      {"pull/cold/10mb-1layer", sample("pull/cold/10mb-1layer", {0.9}, {1.0}, {1})}};
  shipped["pull/cold/10mb-1layer"].error = "";
  shipped["pull/herd/10mb-1layer"].counter_series["fallback_nodes"] = {0, 0, 1};
  const std::vector<TopologyRun> runs{{"registry:2 alone", bare}, {"registry:3 + front", shipped}};
  const auto rows = compare_topologies(runs);
  ASSERT_EQ(rows.size(), 2u) << "warm is in one run only";
  EXPECT_EQ(rows[0].name, "pull/cold/10mb-1layer");
  const auto& herd = rows[1];
  ASSERT_EQ(herd.cells.size(), 2u);
  EXPECT_DOUBLE_EQ(herd.cells[0].seconds, 5.4);
  EXPECT_DOUBLE_EQ(herd.cells[1].seconds, 1.6);
  EXPECT_DOUBLE_EQ(herd.cells[0].amplification_min, 5.75);
  EXPECT_DOUBLE_EQ(herd.cells[1].amplification_max, 1.25);
  EXPECT_DOUBLE_EQ(herd.cells[0].pulls_min, 3);
  EXPECT_DOUBLE_EQ(herd.cells[0].pulls_max, 7);
  EXPECT_DOUBLE_EQ(herd.cells[1].fallbacks_max, 1);
  const auto md = topologies_markdown(runs, rows);
  EXPECT_NE(md.find("| benchmark | registry:2 alone | registry:3 + front |"), std::string::npos) << md;
  EXPECT_NE(md.find("| pull/herd/10mb-1layer | 5.400 s; 5.75–6.00×; 3–7 pulls; 0 fallbacks | "
                    "1.600 s; 1.00–1.25×; 1 pulls; 0–1 fallbacks |"),
            std::string::npos)
      << md;
  const auto j = topologies_json(runs, rows);
  EXPECT_EQ(j[1]["topologies"][1]["topology"], "registry:3 + front");
  EXPECT_EQ(j[1]["topologies"][1]["docker_hub_pulls"], nlohmann::json::array({1.0, 1.0}));
  shipped["pull/cold/10mb-1layer"].counter_series["upstream_amplification"] = {0.99996, 1.00001};
  EXPECT_NE(topologies_markdown(runs, compare_topologies({{"a", bare}, {"b", shipped}})).find("1.00×; 1 pulls"),
            std::string::npos)
      << "amplifications that print alike are one number";

  bare["pull/cold/10mb-1layer"].error = "the node still holds blobs";
  EXPECT_EQ(compare_topologies({{"a", bare}, {"b", shipped}}).size(), 1u)
      << "a benchmark that failed in one run is left out";
}
