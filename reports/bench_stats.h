// Statistics of a pull benchmark run, from Google Benchmark's JSON output:
// per benchmark the repetitions' times, their spread, and how warm pulls
// compare with cold and direct ones (with a Mann–Whitney U test, since a
// handful of noisy timings is no normal sample).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mirrorgate {

struct Sample {
  std::string name;             // "pull/warm/100mb-4layers"
  std::vector<double> seconds;  // one per repetition
  std::map<std::string, double> counters;  // from the last repetition
  std::string error;            // set when the benchmark skipped with an error
  std::map<std::string, std::vector<double>> counter_series;  // every repetition's counters, in order
  double median() const;
  double min() const;
  double max() const;
  double p95() const;           // nearest rank
  double cv() const;            // coefficient of variation (stddev / mean)
};

// Throws std::runtime_error when `text` is not Google Benchmark JSON.
std::map<std::string, Sample> parse_benchmark_json(const std::string& text);
// The whole document (context included), its NaNs read as null.
nlohmann::json parse_benchmark_document(const std::string& text);
// The samples of a parsed document; throws like parse_benchmark_json.
std::map<std::string, Sample> benchmark_samples(const nlohmann::json& document);

// Two-sided p-value of the Mann–Whitney U test that a and b come from the
// same distribution: exact for small samples (≤ 12 each), normal
// approximation with tie correction above.
double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b);

struct Comparison {
  std::string image;     // "100mb-4layers"
  std::string faster;    // "warm"
  std::string slower;    // "cold"
  double speedup = 0;    // median(slower) / median(faster)
  double p_value = 1;
};

std::vector<Comparison> compare_modes(const std::map<std::string, Sample>& samples);

// What a pull mode ("cold", "warm", "direct", "direct-unshaped", "floor")
// measures, for the reports; empty for another name.
std::string pull_mode_meaning(const std::string& mode);

// "0.0079", or "< 0.0001" where four places would print a misleading 0.
std::string format_p_value(double p);

// A distribution-free interval for the median of a sample: the order
// statistics x(k) and x(n+1-k), k the largest for which the binomial
// coverage reaches `confidence`; with too few values for that (5 gives
// 93.75 % at most), the widest, whose coverage it states.
struct MedianInterval {
  double low = 0, median = 0, high = 0;
  double coverage = 0;  // the probability that the interval holds the true median
  size_t n = 0;
};
MedianInterval median_interval(std::vector<double> values, double confidence = 0.95);

// A target is decided with the noise in view: met when the whole interval
// is on the target's side, missed when it is wholly beyond it, and not
// decided when it straddles the bound (more repetitions would decide it).
enum class TargetVerdict { met, not_decided, missed };
std::string to_string(TargetVerdict v);  // "met", "not decided", "missed"

struct Target {
  std::string what;
  std::string measured;  // the median and its interval, with the sample it came from
  TargetVerdict verdict = TargetVerdict::missed;
  bool met() const { return verdict == TargetVerdict::met; }
  bool missed() const { return verdict == TargetVerdict::missed; }
};

// Decides value ≤ bound (or ≥ bound when at_least) on an interval.
TargetVerdict decide(const MedianInterval& interval, double bound, bool at_least);

// The pairs a[i] and b[i] measured together, one after the other (the
// benchmark runs every mode of an image in each repetition, the compared
// modes in rounds): their ratios a/b and differences a-b. When one has k
// values per repetition and the other one (cold beside warm), the k are
// taken as their mean; otherwise only the first min(|a|, |b|).
std::vector<double> paired_ratios(const std::vector<double>& a, const std::vector<double>& b);
std::vector<double> paired_differences(const std::vector<double>& a, const std::vector<double>& b);

// The project's targets (docs/benchmarks.md says why each is what it is):
//   - a warm pull of each 100 MB image at least 5x faster than a cold one
//     (paired cold / warm);
//   - per byte, what the cache costs: a warm pull by digest of the 100 MB
//     images within kPerByteBound of the same-path floor (paired
//     warm-digest / floor-same-path, the images pooled);
//   - the fixed cost of a pull by tag (paired warm − warm-digest over every
//     image) within kFixedCostBudget;
//   - harness overhead under 5 ms;
//   - when run_seconds > 0, the run under 10 minutes.
inline constexpr double kPerByteBound = 1.05;
inline constexpr double kFixedCostBudget = 0.030;  // seconds; measured ~14 ms on 2 cores (docs/benchmarks.md)
std::vector<Target> check_targets(const std::map<std::string, Sample>& samples, double run_seconds);

// The floors beside a warm pull, per image: warm, warm by digest, the
// loopback floor and the same-path floor, with the paired ratios' medians
// and intervals. For the report; no verdict.
struct FloorRow {
  std::string image;
  double warm = 0, warm_digest = 0, floor = 0, floor_same_path = 0;  // medians, s; 0 when not measured
  MedianInterval warm_vs_floor, warm_digest_vs_same_path, fixed_cost;  // n = 0 when not measured
};
std::vector<FloorRow> floor_rows(const std::map<std::string, Sample>& samples);

// One benchmark in two runs: did it get slower?
struct Regression {
  std::string name;
  double old_median = 0, new_median = 0;
  double change = 0;   // new / old - 1 (0.2: 20 % slower)
  double p_value = 1;  // Mann–Whitney U over the two runs' repetitions
  bool regressed = false;  // change > threshold and p < alpha
};

// Compares the benchmarks whose name starts with `prefix` (e.g. "pull/warm/")
// present in both runs.
std::vector<Regression> compare_runs(const std::map<std::string, Sample>& old_run,
                                     const std::map<std::string, Sample>& new_run, const std::string& prefix,
                                     double threshold, double alpha = 0.05);

// Docker Hub's pull quota, as the benchmarks counted it: what creating a
// cluster costs in counted pulls, with and without the cache, and how many
// creations fit in 6 hours under each of Docker's limits before Docker Hub
// answers 429.
struct PullLimit {
  std::string name;  // "anonymous"
  int pulls = 0;     // per 6 hours, Docker Hub's window for both limits
};

struct HubCostRow {
  std::string how;          // "without the cache: every node pulls from Docker Hub"
  std::string measured_by;  // the benchmarks whose docker_hub_pulls counters it adds up
  double pulls_per_image = 0;      // the most any repetition counted
  double fewest_per_image = 0;     // the fewest (a herd varies with timing)
};

struct DockerHubCost {
  int nodes = 0;
  int images = 0;         // a creation pulls this many images (the image set)
  std::string image_set;  // where they are listed, e.g. "fixtures/images.yaml"
  std::vector<HubCostRow> rows;
  std::vector<PullLimit> limits;
  bool empty() const { return rows.empty(); }
  double per_creation(const HubCostRow& row) const { return row.pulls_per_image * images; }
  double fewest_per_creation(const HubCostRow& row) const { return row.fewest_per_image * images; }
};

// From the docker_hub_pulls counters of every repetition over the benchmark
// images: the most (what a creation may cost; creations per 6 hours count with
// it) and the fewest. Empty when no benchmark counted.
DockerHubCost docker_hub_cost(const std::map<std::string, Sample>& samples, int nodes, int images,
                              std::string image_set, std::vector<PullLimit> limits);
// "2", or "2–4" when the repetitions counted differently.
std::string format_pulls(double fewest, double most);
// "5", or "no limit" when a creation costs nothing.
std::string creations_per_6_hours(double pulls_per_creation, int pulls_per_6_hours);

// The same benchmarks on several topologies in one bench run (`bench
// --compare-bare`, `--compare-topologies`): the seed's registry:2 alone,
// registry:2 and registry:3 alone and behind kind-registry-front, the files
// under test. Per topology: the median time, and the fewest and most
// upstream amplification, counted Docker Hub pulls and nodes that fell back
// to Docker Hub over the repetitions.
struct TopologyRun {
  std::string name;  // "registry:3 + front"
  std::map<std::string, Sample> samples;
};
struct TopologyCell {
  double seconds = 0;
  double amplification_min = 0, amplification_max = 0;
  double pulls_min = 0, pulls_max = 0;
  double fallbacks_min = 0, fallbacks_max = 0;
};
struct TopologyRow {
  std::string name;                 // "pull/herd/10mb-1layer"
  std::vector<TopologyCell> cells;  // one per run, in the runs' order
};

// The benchmarks every run has, without errors, in name order.
std::vector<TopologyRow> compare_topologies(const std::vector<TopologyRun>& runs);
nlohmann::json topologies_json(const std::vector<TopologyRun>& runs, const std::vector<TopologyRow>& rows);
std::string topologies_markdown(const std::vector<TopologyRun>& runs, const std::vector<TopologyRow>& rows);

// "all targets met", "no target missed; 4 met, 1 not decided within the
// noise", "TARGETS MISSED (1 of 5, beyond noise)".
std::string targets_headline(const std::vector<Target>& targets);

// A section's targets as report.md's table ("| target | measured | verdict |")
// and as report.json's list (what, measured, met, verdict).
std::string targets_table_markdown(const std::vector<Target>& targets);
nlohmann::json targets_section_json(const std::vector<Target>& targets);

// What one part of a bench run (the pulls, the team, the cache commands)
// gives the run's verdict: whether every measurement in it ran, and its
// targets.
struct BenchSection {
  bool measured = true;
  std::vector<Target> targets;
};

nlohmann::json bench_report_json(const std::map<std::string, Sample>& samples, const std::vector<Comparison>& comparisons,
                                 const std::vector<Target>& targets, const nlohmann::json& environment,
                                 const DockerHubCost& hub = {});
std::string bench_report_markdown(const std::map<std::string, Sample>& samples,
                                  const std::vector<Comparison>& comparisons, const std::vector<Target>& targets,
                                  const nlohmann::json& environment, const DockerHubCost& hub = {});

}  // namespace mirrorgate
