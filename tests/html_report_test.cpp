#include <gtest/gtest.h>

#include <regex>

#include "core/files.h"
#include "reports/html_report.h"

using namespace mirrorgate;

namespace {

struct Rendered {
  std::map<std::string, Sample> samples;
  std::string html;
};

// benchmark-quick.json: a quick-profile run and a herd run of this project,
// measured at 100 Mbit/s, as Google Benchmark wrote them.
Rendered render() {
  Rendered r;
  r.samples = parse_benchmark_json(*read_file_if_exists(MIRRORGATE_TEST_DATA "/benchmark-quick.json"));
  auto comparisons = compare_modes(r.samples);
  auto targets = check_targets(r.samples, 360);
  nlohmann::json env = {{"upstream_rate", "100mbit"},
                        {"fixtures", {{"10mb-1layer", "docker.io/library/bench-10mb-1layer:1@sha256:00"}}}};
  r.html = bench_report_html(r.samples, comparisons, targets, env);
  return r;
}

// Width of the bar of `mode` in the chart of `image`.
double bar_width(const std::string& html, const std::string& image, const std::string& mode) {
  auto chart = html.find("aria-label=\"" + image + "\"");
  if (chart == std::string::npos) return -1;
  auto end = html.find("</svg>", chart);
  auto row = html.find("<title>" + mode + ":", chart);
  if (row == std::string::npos || row > end) return -1;
  std::smatch m;
  std::string rest = html.substr(row, end - row);
  if (!std::regex_search(rest, m, std::regex("width=\"([0-9.]+)\""))) return -1;
  return std::stod(m[1]);
}

}  // namespace

TEST(HtmlReport, OneChartPerImageAndOneForTheHerd) {
  auto r = render();
  std::size_t charts = 0;
  for (auto at = r.html.find("<svg"); at != std::string::npos; at = r.html.find("<svg", at + 1)) ++charts;
  EXPECT_EQ(charts, 5u) << "4 images of the quick matrix and the herd chart";
  for (const char* image : {"10mb-1layer", "10mb-4layers", "100mb-1layer", "100mb-4layers"}) {
    EXPECT_NE(r.html.find(std::string("aria-label=\"") + image + "\""), std::string::npos) << image;
  }
  EXPECT_NE(r.html.find("aria-label=\"upstream amplification\""), std::string::npos);
}

TEST(HtmlReport, BarsAreScaledToTheMeasuredMedians) {
  auto r = render();
  const double cold = bar_width(r.html, "100mb-1layer", "cold");
  const double warm = bar_width(r.html, "100mb-1layer", "warm");
  ASSERT_GT(cold, 0);
  ASSERT_GT(warm, 0);
  const double expected = r.samples.at("pull/cold/100mb-1layer").median() / r.samples.at("pull/warm/100mb-1layer").median();
  // The chart is scaled to its longest whisker, not its longest bar: compare ratios.
  EXPECT_NEAR(cold / warm, expected, expected * 0.05);
}

TEST(HtmlReport, IsSelfContained) {
  auto r = render();
  EXPECT_EQ(r.html.find("<script"), std::string::npos);
  EXPECT_EQ(r.html.find("src="), std::string::npos);
  EXPECT_EQ(r.html.find("<link"), std::string::npos);
  EXPECT_EQ(r.html.find("url("), std::string::npos);
  // The only address is the SVG namespace, which is never fetched.
  std::regex address("https?://[^\"]*");
  for (auto it = std::sregex_iterator(r.html.begin(), r.html.end(), address); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg");
  }
}

TEST(HtmlReport, ShowsTheEnvironmentAndTargets) {
  auto r = render();
  EXPECT_NE(r.html.find("100mbit"), std::string::npos);
  EXPECT_NE(r.html.find("fixtures 10mb-1layer"), std::string::npos);
  EXPECT_NE(r.html.find("sha256:00"), std::string::npos);
  EXPECT_NE(r.html.find("at least 5x faster than cold"), std::string::npos);
}

TEST(HtmlReport, EscapesNamesFromTheInput) {
  std::map<std::string, Sample> samples;
  samples["pull/warm/<b>x"] = Sample{"pull/warm/<b>x", {1, 2, 3}, {}, ""};
  auto html = bench_report_html(samples, {}, {}, {{"note", "a & b"}});
  EXPECT_EQ(html.find("<b>x"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;x"), std::string::npos);
  EXPECT_NE(html.find("a &amp; b"), std::string::npos);
}
