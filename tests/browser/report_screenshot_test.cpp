// Opens the benchmark report in headless Chromium, as a user opens the CI
// artifact, and checks the screenshot: every chart's bars must be on screen
// in their colours, with the areas the data gives them.
#include <gtest/gtest.h>
#include <png.h>

#include <filesystem>
#include <map>
#include <regex>

#include "core/files.h"
#include "process/process.h"
#include "reports/html_report.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

namespace {

const char* kChromium = "/usr/bin/chromium";

struct Pixels {
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgba;
  bool ok = false;
};

Pixels read_png(const fs::path& path) {
  Pixels p;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return p;
  image.format = PNG_FORMAT_RGBA;
  p.rgba.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, p.rgba.data(), 0, nullptr)) return p;
  p.width = image.width;
  p.height = image.height;
  p.ok = true;
  return p;
}

std::size_t count_color(const Pixels& p, const std::string& hex) {
  const auto r = std::stoi(hex.substr(1, 2), nullptr, 16), g = std::stoi(hex.substr(3, 2), nullptr, 16),
             b = std::stoi(hex.substr(5, 2), nullptr, 16);
  std::size_t n = 0;
  for (std::size_t i = 0; i + 3 < p.rgba.size(); i += 4) {
    // Within 2 levels: colour management may round.
    if (std::abs(p.rgba[i] - r) <= 2 && std::abs(p.rgba[i + 1] - g) <= 2 && std::abs(p.rgba[i + 2] - b) <= 2) ++n;
  }
  return n;
}

// Area in CSS pixels of the bars the HTML draws in `hex`.
double bar_area(const std::string& html, const std::string& hex) {
  std::regex bar("<rect class=\"bar\"[^>]*width=\"([0-9.]+)\" height=\"([0-9.]+)\" fill=\"" + hex + "\"");
  double area = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), bar); it != std::sregex_iterator(); ++it) {
    area += std::stod((*it)[1]) * std::stod((*it)[2]);
  }
  return area;
}

}  // namespace

TEST(ReportInBrowser, ScreenshotShowsEveryChart) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (ci/setup.sh installs Debian's chromium)";
  const fs::path dir = fs::temp_directory_path() / ("mirrorgate-browser-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "profile");

  auto samples = parse_benchmark_json(*read_file_if_exists(MIRRORGATE_TEST_DATA "/benchmark-quick.json"));
  const std::string html = bench_report_html(samples, compare_modes(samples), check_targets(samples, 360),
                                             {{"upstream_rate", "100mbit"}});
  write_file_atomic(dir / "index.html", html);

  // Flags: no sandbox as root, and no background connections, which this
  // closed network refuses.
  auto result = run({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--force-color-profile=srgb", "--force-device-scale-factor=1", "--hide-scrollbars",
                     "--user-data-dir=" + (dir / "profile").string(), "--window-size=1200,2400",
                     "--screenshot=" + (dir / "report.png").string(), "file://" + (dir / "index.html").string()},
                    {.timeout = std::chrono::seconds(90), .check = false});
  ASSERT_TRUE(result.ok()) << "chromium exit " << result.exit_code << (result.timed_out ? " (timed out)" : "")
                           << "\n" << result.err;
  auto png = read_png(dir / "report.png");
  ASSERT_TRUE(png.ok) << "no PNG screenshot at " << (dir / "report.png") << "\n" << result.err;
  EXPECT_EQ(png.width, 1200u);

  // The pull-mode legend has a 12x12 swatch per mode; the herd colours have none.
  const std::map<std::string, double> legend = {{ChartColors::cold, 144},
                                                {ChartColors::warm, 144},
                                                {ChartColors::direct, 144},
                                                {ChartColors::direct_unshaped, 144},
                                                {ChartColors::floor, 144},
                                                {ChartColors::herd, 0},
                                                {ChartColors::herd_prewarmed, 0}};
  for (const auto& [hex, swatch] : legend) {
    const double drawn = bar_area(html, hex);
    const double seen = static_cast<double>(count_color(png, hex));
    if (drawn == 0) continue;  // a herd with zero amplification draws a 1 px stub
    // Whiskers cross the bars and edges are anti-aliased: allow a quarter off.
    EXPECT_GT(seen, (drawn + swatch) * 0.75) << "colour " << hex << ": " << drawn << " px of bars in the HTML";
    EXPECT_LT(seen, (drawn + swatch) * 1.25) << "colour " << hex << ": " << drawn << " px of bars in the HTML";
  }
  // The 100 MB cold pulls dwarf the warm ones: so must their bars.
  EXPECT_GT(count_color(png, ChartColors::cold), 5 * count_color(png, ChartColors::warm));
  if (HasFailure() || std::getenv("MIRRORGATE_KEEP_SCREENSHOT")) {
    std::cout << "screenshot kept: " << (dir / "report.png").string() << "\n";
  } else {
    fs::remove_all(dir);
  }
}
