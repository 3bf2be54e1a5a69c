#include "reports/bench_stats.h"

#include <algorithm>
#include <tuple>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace mirrorgate {

using json = nlohmann::json;

namespace {

std::vector<double> sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

double to_seconds(double value, const std::string& unit) {
  if (unit == "ns") return value / 1e9;
  if (unit == "us") return value / 1e6;
  if (unit == "ms") return value / 1e3;
  return value;
}

std::string fmt(double v, int precision = 3) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << v;
  return out.str();
}

// Number of ways to pick k of the first n ranks... via the distribution of
// the U statistic for sizes m, n (no ties): counts[u] for u in 0..m*n.
std::vector<double> u_distribution(int m, int n) {
  // f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)
  std::vector<std::vector<std::vector<double>>> f(
      m + 1, std::vector<std::vector<double>>(n + 1, std::vector<double>(m * n + 1, 0)));
  for (int i = 0; i <= m; ++i) {
    for (int j = 0; j <= n; ++j) {
      for (int u = 0; u <= i * j; ++u) {
        if (i == 0 || j == 0) {
          f[i][j][u] = u == 0 ? 1 : 0;
          continue;
        }
        double a = u - j >= 0 ? f[i - 1][j][u - j] : 0;
        double b = f[i][j - 1][u];
        f[i][j][u] = a + b;
      }
    }
  }
  return f[m][n];
}

}  // namespace

double Sample::median() const {
  if (seconds.empty()) return 0;
  auto s = sorted(seconds);
  size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
double Sample::min() const { return seconds.empty() ? 0 : *std::min_element(seconds.begin(), seconds.end()); }
double Sample::max() const { return seconds.empty() ? 0 : *std::max_element(seconds.begin(), seconds.end()); }
double Sample::p95() const {
  if (seconds.empty()) return 0;
  auto s = sorted(seconds);
  size_t rank = static_cast<size_t>(std::ceil(0.95 * s.size()));
  return s[std::max<size_t>(rank, 1) - 1];
}
double Sample::cv() const {
  if (seconds.size() < 2) return 0;
  double mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / seconds.size();
  double var = 0;
  for (double x : seconds) var += (x - mean) * (x - mean);
  var /= static_cast<double>(seconds.size() - 1);
  return mean > 0 ? std::sqrt(var) / mean : 0;
}

json parse_benchmark_document(const std::string& text) {
  // Google Benchmark writes NaN (e.g. the CV of an all-zero counter), which
  // JSON has no word for; read it as null.
  static const std::regex not_a_number(R"(:\s*-?(NaN|nan|inf|Infinity)\b)");
  try {
    return json::parse(std::regex_replace(text, not_a_number, ": null"));
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("not Google Benchmark JSON: ") + e.what());
  }
}

std::map<std::string, Sample> parse_benchmark_json(const std::string& text) {
  return benchmark_samples(parse_benchmark_document(text));
}

std::map<std::string, Sample> benchmark_samples(const json& j) {
  if (!j.contains("benchmarks")) throw std::runtime_error("not Google Benchmark JSON: no benchmarks");
  std::map<std::string, Sample> out;
  static const std::vector<std::string> known{"name", "run_name", "run_type", "repetitions", "repetition_index",
                                              "threads", "iterations", "real_time", "cpu_time", "time_unit",
                                              "family_index", "per_family_instance_index", "aggregate_name",
                                              "aggregate_unit", "error_occurred", "error_message", "label"};
  for (const auto& b : j["benchmarks"]) {
    if (b.value("run_type", "iteration") != "iteration") continue;
    // run_name carries the benchmark's settings ("…/iterations:1/repeats:5/
    // manual_time"); the report names benchmarks by what they measure.
    std::string name = b.value("run_name", b.value("name", ""));
    for (const char* suffix : {"/iterations:", "/repeats:", "/manual_time", "/real_time", "/threads:"}) {
      if (auto at = name.find(suffix); at != std::string::npos) name.erase(at);
    }
    auto& s = out[name];
    s.name = name;
    if (b.value("error_occurred", false)) {
      s.error = b.value("error_message", "error");
      continue;
    }
    s.seconds.push_back(to_seconds(b.value("real_time", 0.0), b.value("time_unit", "ns")));
    for (const auto& [key, value] : b.items()) {
      if (value.is_number() && std::find(known.begin(), known.end(), key) == known.end()) {
        s.counters[key] = value.get<double>();
        s.counter_series[key].push_back(value.get<double>());
      }
    }
  }
  return out;
}

double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b) {
  const int m = static_cast<int>(a.size()), n = static_cast<int>(b.size());
  if (m == 0 || n == 0) return 1;
  // Ranks over the pooled sample, ties getting their mean rank.
  std::vector<std::pair<double, int>> pooled;
  for (double x : a) pooled.push_back({x, 0});
  for (double x : b) pooled.push_back({x, 1});
  std::sort(pooled.begin(), pooled.end());
  std::vector<double> ranks(pooled.size());
  double tie_term = 0;
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    for (size_t k = i; k < j; ++k) ranks[k] = (i + j + 1) / 2.0;
    i = j;
  }
  double rank_sum_a = 0;
  for (size_t k = 0; k < pooled.size(); ++k) {
    if (pooled[k].second == 0) rank_sum_a += ranks[k];
  }
  const double u = rank_sum_a - m * (m + 1) / 2.0;
  const double mean = m * n / 2.0;
  if (m <= 12 && n <= 12 && tie_term == 0) {
    auto dist = u_distribution(m, n);
    double total = std::accumulate(dist.begin(), dist.end(), 0.0);
    double extreme = std::min(u, m * n - u);
    double tail = 0;
    for (int k = 0; k <= static_cast<int>(std::floor(extreme)); ++k) tail += dist[k];
    return std::min(1.0, 2 * tail / total);
  }
  const double N = m + n;
  double sigma = std::sqrt(m * n / 12.0 * ((N + 1) - tie_term / (N * (N - 1))));
  if (sigma == 0) return 1;
  double z = (std::abs(u - mean) - 0.5) / sigma;
  return std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
}

std::string pull_mode_meaning(const std::string& mode) {
  static const std::map<std::string, std::string> meanings{
      {"cold", "the mirror has never seen the image: fetched from the upstream through it"},
      {"warm", "the mirror holds the image, the node does not"},
      {"direct", "the node pulls from the upstream with no mirror (what users have today)"},
      {"direct-unshaped", "direct with the upstream's link unshaped (its TLS and token service remain)"},
      {"warm-digest", "a warm pull by the digest the tag names: kind-registry asks the upstream nothing; warm minus "
                      "this is the fixed cost of a pull by tag"},
      {"floor", "the node pulls from a plain registry on its own loopback: containerd's own fetch, store and unpack, "
                "with no network and no cache between"},
      {"floor-same-path", "the node pulls from a plain registry where kind-registry runs, across the same bridge: a "
                          "warm pull's path without the cache; what a warm pull by digest is held against"},
      {"cluster-cached", "a cluster comes up: every node pulls every image of a list across registries (docker.io's "
                         "and each cached registry's), one after another as kubelet does, the nodes at once, through "
                         "the caches, which hold them all; the slowest node's time"},
      {"cluster-direct", "the same cluster without caches: each registry's hosts.toml names only its server"},
  };
  auto it = meanings.find(mode);
  return it == meanings.end() ? "" : it->second;
}

std::vector<Comparison> compare_modes(const std::map<std::string, Sample>& samples) {
  std::vector<Comparison> out;
  // A cluster's images through the caches against the same without them.
  for (const auto& [name, cached] : samples) {
    if (name.rfind("pull/cluster-cached/", 0) != 0 || cached.seconds.empty()) continue;
    const std::string list = name.substr(20);
    auto it = samples.find("pull/cluster-direct/" + list);
    if (it == samples.end() || it->second.seconds.empty()) continue;
    out.push_back({list, "cluster-cached", "cluster-direct", it->second.median() / cached.median(),
                   mann_whitney_p(cached.seconds, it->second.seconds)});
  }
  for (const auto& [name, warm] : samples) {
    if (name.rfind("pull/warm/", 0) != 0 || warm.seconds.empty()) continue;
    const std::string image = name.substr(10);
    for (const char* other : {"cold", "direct", "direct-unshaped", "floor"}) {
      auto it = samples.find(std::string("pull/") + other + "/" + image);
      if (it == samples.end() || it->second.seconds.empty()) continue;
      Comparison c{image, "warm", other, it->second.median() / warm.median(),
                   mann_whitney_p(warm.seconds, it->second.seconds)};
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// P(X <= k) for X ~ Binomial(n, 1/2).
double binomial_half_cdf(size_t n, size_t k) {
  double term = std::pow(0.5, static_cast<double>(n));  // C(n, 0) / 2^n
  double sum = term;
  for (size_t i = 1; i <= k && i <= n; ++i) {
    term = term * static_cast<double>(n - i + 1) / static_cast<double>(i);
    sum += term;
  }
  return std::min(sum, 1.0);
}

double median_of_sorted(const std::vector<double>& v) {
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

MedianInterval median_interval(std::vector<double> values, double confidence) {
  MedianInterval out;
  out.n = values.size();
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  out.median = median_of_sorted(values);
  // [x(k), x(n+1-k)] (1-based) holds the median with probability
  // 1 - 2 P(X <= k-1), X ~ Binomial(n, 1/2): the sign test's interval.
  size_t k = 1;
  for (size_t candidate = 1; 2 * candidate <= out.n; ++candidate) {
    if (1 - 2 * binomial_half_cdf(out.n, candidate - 1) >= confidence) k = candidate;
  }
  out.low = values[k - 1];
  out.high = values[out.n - k];
  out.coverage = std::max(0.0, 1 - 2 * binomial_half_cdf(out.n, k - 1));
  return out;
}

std::string to_string(TargetVerdict v) {
  switch (v) {
    case TargetVerdict::met: return "met";
    case TargetVerdict::not_decided: return "not decided";
    case TargetVerdict::missed: return "missed";
  }
  return "";
}

TargetVerdict decide(const MedianInterval& i, double bound, bool at_least) {
  if (i.n == 0) return TargetVerdict::not_decided;
  if (at_least) return i.low >= bound ? TargetVerdict::met : i.high < bound ? TargetVerdict::missed : TargetVerdict::not_decided;
  return i.high <= bound ? TargetVerdict::met : i.low > bound ? TargetVerdict::missed : TargetVerdict::not_decided;
}

namespace {

// `values` as `groups` consecutive groups, each its mean: a mode measured k
// times per repetition set beside one measured once.
std::vector<double> group_means(const std::vector<double>& values, size_t groups) {
  std::vector<double> out;
  const size_t k = values.size() / groups;
  for (size_t g = 0; g < groups; ++g) {
    double sum = 0;
    for (size_t i = 0; i < k; ++i) sum += values[g * k + i];
    out.push_back(sum / static_cast<double>(k));
  }
  return out;
}

// The two as pairs: element by element when they are as long; when one is
// a whole multiple of the other, its groups' means against the other's.
std::pair<std::vector<double>, std::vector<double>> aligned(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty() || a.size() == b.size()) return {a, b};
  if (b.size() % a.size() == 0) return {a, group_means(b, a.size())};
  if (a.size() % b.size() == 0) return {group_means(a, b.size()), b};
  const size_t n = std::min(a.size(), b.size());
  return {std::vector<double>(a.begin(), a.begin() + static_cast<long>(n)),
          std::vector<double>(b.begin(), b.begin() + static_cast<long>(n))};
}

}  // namespace

std::vector<double> paired_ratios(const std::vector<double>& a_in, const std::vector<double>& b_in) {
  const auto [a, b] = aligned(a_in, b_in);
  std::vector<double> out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (b[i] > 0) out.push_back(a[i] / b[i]);
  }
  return out;
}

std::vector<double> paired_differences(const std::vector<double>& a_in, const std::vector<double>& b_in) {
  const auto [a, b] = aligned(a_in, b_in);
  std::vector<double> out;
  for (size_t i = 0; i < a.size(); ++i) out.push_back(a[i] - b[i]);
  return out;
}

namespace {

// "1.02x (0.99–1.04, 94 % interval of 5 paired repetitions)"
std::string describe(const MedianInterval& i, const std::string& unit, int precision, double scale = 1) {
  std::ostringstream out;
  out << fmt(i.median * scale, precision) << unit << " (" << fmt(i.low * scale, precision) << "–"
      << fmt(i.high * scale, precision) << unit << ", " << fmt(i.coverage * 100, 0) << " % interval of " << i.n
      << (i.n == 1 ? " value" : " values") << ")";
  return out.str();
}

const std::vector<double>* seconds_of(const std::map<std::string, Sample>& samples, const std::string& name) {
  auto it = samples.find(name);
  return it == samples.end() || it->second.seconds.empty() || !it->second.error.empty() ? nullptr : &it->second.seconds;
}

}  // namespace

std::vector<Target> check_targets(const std::map<std::string, Sample>& samples, double run_seconds) {
  std::vector<Target> out;
  std::vector<double> fixed_costs;  // every image's paired warm − warm-digest
  std::vector<double> per_byte;     // every 100 MB image's paired warm-digest / floor-same-path
  std::vector<std::string> per_byte_images;
  for (const auto& [name, warm] : samples) {
    if (name.rfind("pull/warm/", 0) != 0 || warm.seconds.empty() || !warm.error.empty()) continue;
    const std::string image = name.substr(10);
    const auto* digest = seconds_of(samples, "pull/warm-digest/" + image);
    if (image.rfind("100mb", 0) == 0) {
      if (const auto* cold = seconds_of(samples, "pull/cold/" + image)) {
        const auto i = median_interval(paired_ratios(*cold, warm.seconds));
        out.push_back({"warm pull of " + image + " at least 5x faster than cold (paired cold / warm)",
                       describe(i, "x", 1), decide(i, 5, true)});
      }
      const auto* same_path = seconds_of(samples, "pull/floor-same-path/" + image);
      if (digest && same_path) {
        const auto r = paired_ratios(*digest, *same_path);
        per_byte.insert(per_byte.end(), r.begin(), r.end());
        per_byte_images.push_back(image);
      }
    }
    if (digest) {
      const auto d = paired_differences(warm.seconds, *digest);
      fixed_costs.insert(fixed_costs.end(), d.begin(), d.end());
    }
  }
  if (!per_byte.empty()) {
    // One property of the cache, measured on every 100 MB image: pooled,
    // so that its interval is narrow enough to decide a 5 % bound (15 pairs
    // of one image left it straddling in half the runs).
    std::string images;
    for (const auto& i : per_byte_images) images += (images.empty() ? "" : " and ") + i;
    const auto i = median_interval(per_byte);
    out.push_back({"per byte: a warm pull by digest within " + fmt(kPerByteBound, 2) +
                       "x of the same-path floor (paired warm-digest / floor-same-path, " + images + " pooled)",
                   describe(i, "x", 3), decide(i, kPerByteBound, false)});
  }
  if (!fixed_costs.empty()) {
    const auto i = median_interval(fixed_costs);
    out.push_back({"fixed cost of a pull by tag (kind-registry asks the upstream for the tag, with a token) at most " +
                       fmt(kFixedCostBudget * 1000, 0) + " ms (paired warm − warm-digest, every image)",
                   describe(i, " ms", 1, 1000), decide(i, kFixedCostBudget, false)});
  }
  if (const auto* overhead = seconds_of(samples, "harness_overhead/cri_round_trip")) {
    const auto i = median_interval(*overhead);
    out.push_back({"harness overhead per measured pull under 5 ms", describe(i, " ms", 2, 1000),
                   decide(i, 0.005, false)});
  }
  if (run_seconds > 0) {
    out.push_back({"benchmark run under 10 minutes", fmt(run_seconds / 60, 1) + " min (one run)",
                   run_seconds < 600 ? TargetVerdict::met : TargetVerdict::missed});
  }
  return out;
}

std::vector<FloorRow> floor_rows(const std::map<std::string, Sample>& samples) {
  std::vector<FloorRow> out;
  for (const auto& [name, warm] : samples) {
    if (name.rfind("pull/warm/", 0) != 0 || warm.seconds.empty() || !warm.error.empty()) continue;
    FloorRow row;
    row.image = name.substr(10);
    row.warm = warm.median();
    const auto* digest = seconds_of(samples, "pull/warm-digest/" + row.image);
    const auto* floor = seconds_of(samples, "pull/floor/" + row.image);
    const auto* same_path = seconds_of(samples, "pull/floor-same-path/" + row.image);
    if (digest) {
      row.warm_digest = samples.at("pull/warm-digest/" + row.image).median();
      row.fixed_cost = median_interval(paired_differences(warm.seconds, *digest));
    }
    if (floor) {
      row.floor = samples.at("pull/floor/" + row.image).median();
      row.warm_vs_floor = median_interval(paired_ratios(warm.seconds, *floor));
    }
    if (same_path) {
      row.floor_same_path = samples.at("pull/floor-same-path/" + row.image).median();
      if (digest) row.warm_digest_vs_same_path = median_interval(paired_ratios(*digest, *same_path));
    }
    if (digest || floor || same_path) out.push_back(row);
  }
  return out;
}

std::vector<Regression> compare_runs(const std::map<std::string, Sample>& old_run,
                                     const std::map<std::string, Sample>& new_run, const std::string& prefix,
                                     double threshold, double alpha) {
  std::vector<Regression> out;
  for (const auto& [name, before] : old_run) {
    if (name.rfind(prefix, 0) != 0 || before.seconds.empty()) continue;
    auto it = new_run.find(name);
    if (it == new_run.end() || it->second.seconds.empty()) continue;
    Regression r;
    r.name = name;
    r.old_median = before.median();
    r.new_median = it->second.median();
    r.change = r.old_median > 0 ? r.new_median / r.old_median - 1 : 0;
    r.p_value = mann_whitney_p(before.seconds, it->second.seconds);
    r.regressed = r.change > threshold && r.p_value < alpha;
    out.push_back(r);
  }
  return out;
}

std::string format_p_value(double p) { return p < 0.0001 ? "< 0.0001" : fmt(p, 4); }

namespace {

struct Range {
  double fewest = 0, most = 0;
  Range operator*(double k) const { return {fewest * k, most * k}; }
  Range operator+(const Range& o) const { return {fewest + o.fewest, most + o.most}; }
};

// The fewest and the most `counter` over every repetition of pull/MODE/*;
// nullopt when no such benchmark counted.
std::optional<Range> counter_range(const std::map<std::string, Sample>& samples, const std::string& mode,
                                   const std::string& counter = "docker_hub_pulls") {
  std::optional<Range> range;
  const std::string prefix = "pull/" + mode + "/";
  for (const auto& [name, s] : samples) {
    if (name.rfind(prefix, 0) != 0 || !s.error.empty()) continue;
    auto it = s.counter_series.find(counter);
    if (it == s.counter_series.end()) continue;
    for (double v : it->second) {
      if (!range) range = Range{v, v};
      range->fewest = std::min(range->fewest, v);
      range->most = std::max(range->most, v);
    }
  }
  return range;
}

}  // namespace

DockerHubCost docker_hub_cost(const std::map<std::string, Sample>& samples, int nodes, int images,
                              std::string image_set, std::vector<PullLimit> limits) {
  DockerHubCost cost{.nodes = nodes, .images = images, .image_set = std::move(image_set), .rows = {},
                     .limits = std::move(limits)};
  if (nodes < 1 || images < 1) return cost;
  const auto direct = counter_range(samples, "direct");
  const auto cold = counter_range(samples, "cold");
  const auto warm = counter_range(samples, "warm");
  const auto herd = counter_range(samples, "herd");
  const auto prewarmed = counter_range(samples, "herd-prewarmed");
  const auto prewarming = counter_range(samples, "herd-prewarmed", "prewarm_docker_hub_pulls");
  const double n = nodes;
  auto add = [&](std::string how, std::string measured_by, const Range& r) {
    cost.rows.push_back({std::move(how), std::move(measured_by), r.most, r.fewest});
  };
  if (direct) add("without the cache: every node pulls from Docker Hub", "direct × nodes", *direct * n);
  if (cold && warm) {
    add("through the cache, first creation, nodes one after another", "cold + warm × (nodes − 1)",
        *cold + *warm * (n - 1));
  }
  if (herd) add("through the cache, first creation, every node at once", "herd", *herd);
  if (prewarmed && prewarming) {
    add("through the cache, prewarmed, then every node at once", "prewarm + herd-prewarmed", *prewarming + *prewarmed);
  }
  if (warm) add("through the cache, every later creation (image cached)", "warm × nodes", *warm * n);
  return cost;
}

std::string format_pulls(double fewest, double most) {
  return fewest == most ? fmt(most, 0) : fmt(fewest, 0) + "–" + fmt(most, 0);
}

namespace {

std::pair<double, double> counter_range(const Sample& s, const std::string& counter) {
  const auto it = s.counter_series.find(counter);
  if (it == s.counter_series.end() || it->second.empty()) {
    const auto last = s.counters.find(counter);
    const double v = last == s.counters.end() ? 0 : last->second;
    return {v, v};
  }
  const auto [lo, hi] = std::minmax_element(it->second.begin(), it->second.end());
  return {*lo, *hi};
}

// "1.00", or "1.00–1.25"; one number when both print the same.
std::string format_range(double lo, double hi, int places) {
  const std::string a = fmt(lo, places), b = fmt(hi, places);
  return a == b ? b : a + "–" + b;
}

}  // namespace

std::vector<TopologyRow> compare_topologies(const std::vector<TopologyRun>& runs) {
  std::vector<TopologyRow> rows;
  if (runs.empty()) return rows;
  for (const auto& [name, first] : runs.front().samples) {
    TopologyRow row{name, {}};
    for (const auto& run : runs) {
      const auto it = run.samples.find(name);
      if (it == run.samples.end() || !it->second.error.empty() || it->second.seconds.empty()) break;
      const auto& s = it->second;
      TopologyCell c;
      c.seconds = s.median();
      std::tie(c.amplification_min, c.amplification_max) = counter_range(s, "upstream_amplification");
      std::tie(c.pulls_min, c.pulls_max) = counter_range(s, "docker_hub_pulls");
      std::tie(c.fallbacks_min, c.fallbacks_max) = counter_range(s, "fallback_nodes");
      row.cells.push_back(c);
    }
    if (row.cells.size() == runs.size()) rows.push_back(std::move(row));
  }
  return rows;
}

json topologies_json(const std::vector<TopologyRun>& runs, const std::vector<TopologyRow>& rows) {
  json out = json::array();
  for (const auto& r : rows) {
    json row = {{"name", r.name}, {"topologies", json::array()}};
    for (size_t i = 0; i < r.cells.size(); ++i) {
      const auto& c = r.cells[i];
      row["topologies"].push_back({{"topology", runs[i].name},
                                   {"median_seconds", c.seconds},
                                   {"upstream_amplification", {c.amplification_min, c.amplification_max}},
                                   {"docker_hub_pulls", {c.pulls_min, c.pulls_max}},
                                   {"fallback_nodes", {c.fallbacks_min, c.fallbacks_max}}});
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string topologies_markdown(const std::vector<TopologyRun>& runs, const std::vector<TopologyRow>& rows) {
  std::ostringstream md;
  md << "## Topologies side by side\n\n"
     << "Same run, same images and link. Each cell: median time; upstream bytes per image byte; Docker Hub's counted "
        "pulls; nodes that went around the cache to Docker Hub (fewest–most over the repetitions; for direct pulls "
        "that is every node, by design).\n\n| benchmark |";
  for (const auto& run : runs) md << " " << run.name << " |";
  md << "\n|---|";
  for (size_t i = 0; i < runs.size(); ++i) md << "---|";
  md << "\n";
  for (const auto& r : rows) {
    md << "| " << r.name << " |";
    for (const auto& c : r.cells) {
      md << " " << fmt(c.seconds, 3) << " s; " << format_range(c.amplification_min, c.amplification_max, 2) << "×; "
         << format_range(c.pulls_min, c.pulls_max, 0) << " pulls; " << format_range(c.fallbacks_min, c.fallbacks_max, 0)
         << " fallbacks |";
    }
    md << "\n";
  }
  return md.str();
}

std::string creations_per_6_hours(double pulls_per_creation, int pulls_per_6_hours) {
  if (pulls_per_creation <= 0) return "no limit";
  return std::to_string(static_cast<long long>(std::floor(pulls_per_6_hours / pulls_per_creation + 1e-9)));
}

std::string targets_table_markdown(const std::vector<Target>& targets) {
  std::ostringstream md;
  md << "\n| target | measured | verdict |\n|---|---|---|\n";
  for (const auto& t : targets) md << "| " << t.what << " | " << t.measured << " | " << to_string(t.verdict) << " |\n";
  return md.str();
}

json targets_section_json(const std::vector<Target>& targets) {
  json out = json::array();
  for (const auto& t : targets) {
    out.push_back({{"what", t.what}, {"measured", t.measured}, {"met", t.met()}, {"verdict", to_string(t.verdict)}});
  }
  return out;
}

std::string targets_headline(const std::vector<Target>& targets) {
  if (targets.empty()) return "no target applies to these benchmarks";
  size_t missed = 0, open = 0;
  for (const auto& t : targets) {
    missed += t.verdict == TargetVerdict::missed;
    open += t.verdict == TargetVerdict::not_decided;
  }
  if (missed) return "TARGETS MISSED (" + std::to_string(missed) + " of " + std::to_string(targets.size()) + ", beyond noise)";
  if (open) {
    return "no target missed; " + std::to_string(targets.size() - open) + " met, " + std::to_string(open) +
           " not decided within the noise";
  }
  return "all targets met";
}

json bench_report_json(const std::map<std::string, Sample>& samples, const std::vector<Comparison>& comparisons,
                       const std::vector<Target>& targets, const json& environment, const DockerHubCost& hub) {
  json j = {{"environment", environment}, {"benchmarks", json::array()}, {"comparisons", json::array()},
            {"targets", json::array()}};
  for (const auto& [name, s] : samples) {
    j["benchmarks"].push_back({{"name", name}, {"seconds", s.seconds}, {"median", s.median()}, {"min", s.min()},
                               {"max", s.max()}, {"p95", s.p95()}, {"cv", s.cv()}, {"counters", s.counters},
                               {"error", s.error}});
  }
  for (const auto& c : comparisons) {
    j["comparisons"].push_back({{"image", c.image}, {"faster", c.faster}, {"slower", c.slower},
                                {"speedup", c.speedup}, {"mann_whitney_p", c.p_value}});
  }
  j["targets"] = targets_section_json(targets);
  for (const auto& r : floor_rows(samples)) {
    auto interval = [](const MedianInterval& i) -> json {
      if (i.n == 0) return nullptr;
      return {{"median", i.median}, {"low", i.low}, {"high", i.high}, {"coverage", i.coverage}, {"n", i.n}};
    };
    j["floors"].push_back({{"image", r.image},
                           {"warm", r.warm},
                           {"warm_digest", r.warm_digest},
                           {"floor", r.floor},
                           {"floor_same_path", r.floor_same_path},
                           {"warm_vs_floor", interval(r.warm_vs_floor)},
                           {"warm_digest_vs_floor_same_path", interval(r.warm_digest_vs_same_path)},
                           {"fixed_cost_seconds", interval(r.fixed_cost)}});
  }
  if (!hub.empty()) {
    json rows = json::array();
    for (const auto& r : hub.rows) {
      json per_window = json::object();
      for (const auto& l : hub.limits) per_window[l.name] = creations_per_6_hours(hub.per_creation(r), l.pulls);
      rows.push_back({{"how", r.how}, {"measured_by", r.measured_by}, {"pulls_per_image", r.pulls_per_image},
                      {"fewest_pulls_per_image", r.fewest_per_image}, {"pulls_per_creation", hub.per_creation(r)},
                      {"creations_per_6_hours_before_429", per_window}});
    }
    json limits = json::object();
    for (const auto& l : hub.limits) limits[l.name] = l.pulls;
    j["docker_hub"] = {{"nodes", hub.nodes}, {"images", hub.images}, {"image_set", hub.image_set},
                       {"limits_per_6_hours", limits}, {"per_cluster_creation", rows}};
  }
  return j;
}

std::string bench_report_markdown(const std::map<std::string, Sample>& samples,
                                  const std::vector<Comparison>& comparisons, const std::vector<Target>& targets,
                                  const json& environment, const DockerHubCost& hub) {
  std::ostringstream md;
  md << "# mirrorgate bench: " << targets_headline(targets) << "\n\n";
  md << "| benchmark | n | median s | min s | max s | p95 s | CV | MB | upstream MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [name, s] : samples) {
    if (!s.error.empty()) {
      md << "| " << name << " | error: " << s.error << " |||||||\n";
      continue;
    }
    // Not [&]: clang before 16 cannot capture a structured binding.
    auto counter = [&counters = s.counters](const char* key) {
      auto it = counters.find(key);
      return it == counters.end() ? std::string("") : fmt(it->second / 1e6, 1);
    };
    md << "| " << name << " | " << s.seconds.size() << " | " << fmt(s.median()) << " | " << fmt(s.min()) << " | "
       << fmt(s.max()) << " | " << fmt(s.p95()) << " | " << fmt(s.cv(), 2) << " | " << counter("bytes") << " | "
       << counter("upstream_bytes") << " |\n";
  }
  std::set<std::string> modes;
  for (const auto& [name, s] : samples) {
    if (name.rfind("pull/", 0) == 0) modes.insert(name.substr(5, name.find('/', 5) - 5));
  }
  md << "\n";
  for (const auto& mode : modes) {
    if (const auto meaning = pull_mode_meaning(mode); !meaning.empty()) md << "- `" << mode << "`: " << meaning << "\n";
  }
  md << "\n| image | mode | vs | speedup (median) | Mann–Whitney p |\n|---|---|---|---:|---:|\n";
  for (const auto& c : comparisons) {
    md << "| " << c.image << " | " << c.faster << " | " << c.slower << " | " << fmt(c.speedup, 2) << "x | "
       << format_p_value(c.p_value) << " |\n";
  }
  bool herd_header = false;
  for (const auto& [name, s] : samples) {
    if (name.rfind("pull/herd", 0) != 0 || s.seconds.empty()) continue;
    if (!herd_header) {
      md << "\n## Herd: every node pulls the same image at once\n\n"
         << "| benchmark | nodes | slowest node s (median) | mean node s | upstream amplification |\n|---|---:|---:|---:|---:|\n";
      herd_header = true;
    }
    auto counter = [&counters = s.counters](const char* key) {
      auto it = counters.find(key);
      return it == counters.end() ? 0.0 : it->second;
    };
    md << "| " << name << " | " << fmt(counter("nodes"), 0) << " | " << fmt(s.median()) << " | "
       << fmt(counter("mean_node_seconds")) << " | " << fmt(counter("upstream_amplification"), 2) << "x |\n";
  }
  if (!hub.empty()) {
    md << "\n## Docker Hub pulls per cluster creation: " << hub.nodes << " nodes × " << hub.images << " images ("
       << hub.image_set << ")\n\n"
       << "Counted as Docker Hub counts: one per manifest GET of an image (the stand-in's log); fewest–most over "
          "the repetitions. Creations per 6 hours (Docker Hub's window) count with the most.\n\n"
       << "| creation | pulls per image | pulls per creation |";
    for (const auto& l : hub.limits) md << " creations per 6 h before 429, " << l.name << " (" << l.pulls << "/6h) |";
    md << "\n|---|---:|---:|";
    for (size_t i = 0; i < hub.limits.size(); ++i) md << "---:|";
    md << "\n";
    for (const auto& r : hub.rows) {
      md << "| " << r.how << " (" << r.measured_by << ") | " << format_pulls(r.fewest_per_image, r.pulls_per_image)
         << " | " << format_pulls(hub.fewest_per_creation(r), hub.per_creation(r)) << " |";
      for (const auto& l : hub.limits) md << " " << creations_per_6_hours(hub.per_creation(r), l.pulls) << " |";
      md << "\n";
    }
  }
  const auto floors = floor_rows(samples);
  if (!floors.empty()) {
    auto ratio = [](const MedianInterval& i) {
      return i.n == 0 ? std::string("–") : fmt(i.median, 2) + "x (" + fmt(i.low, 2) + "–" + fmt(i.high, 2) + ")";
    };
    auto ms = [](const MedianInterval& i) {
      return i.n == 0 ? std::string("–")
                      : fmt(i.median * 1000, 1) + " (" + fmt(i.low * 1000, 1) + "–" + fmt(i.high * 1000, 1) + ")";
    };
    auto secs = [](double v) { return v > 0 ? fmt(v) : std::string("–"); };
    md << "\n## Warm pulls against the floors\n\n"
       << "Medians in seconds; ratios and costs are medians of the per-repetition pairs, with their interval. "
          "`floor-same-path` crosses the same bridge to kind-registry's host as a warm pull; `floor` is the node's "
          "own loopback. warm − warm-digest is the fixed cost of a pull by tag.\n\n"
       << "| image | warm | warm-digest | floor-same-path | floor (loopback) | warm-digest / floor-same-path | "
          "warm / floor | warm − warm-digest, ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : floors) {
      md << "| " << r.image << " | " << secs(r.warm) << " | " << secs(r.warm_digest) << " | " << secs(r.floor_same_path)
         << " | " << secs(r.floor) << " | " << ratio(r.warm_digest_vs_same_path) << " | " << ratio(r.warm_vs_floor)
         << " | " << ms(r.fixed_cost) << " |\n";
    }
  }
  md << "\n## Targets\n\n"
     << "Each decided on the interval of its per-repetition values: met when the whole interval is on the target's "
        "side, missed when it is wholly beyond it, not decided when it straddles the bound.\n\n"
     << "| target | measured | verdict |\n|---|---|---|\n";
  for (const auto& t : targets) {
    md << "| " << t.what << " | " << t.measured << " | "
       << (t.met() ? std::string("met") : "**" + to_string(t.verdict) + "**") << " |\n";
  }
  md << "\n## Environment\n\n";
  for (const auto& [k, v] : environment.items()) {
    if (v.is_object()) {
      md << "- " << k << ":\n";
      for (const auto& [k2, v2] : v.items()) md << "  - " << k2 << ": `" << (v2.is_string() ? v2.get<std::string>() : v2.dump()) << "`\n";
      continue;
    }
    md << "- " << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
  }
  return md.str();
}

}  // namespace mirrorgate
