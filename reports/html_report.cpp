#include "reports/html_report.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "reports/report.h"

namespace mirrorgate {

using json = nlohmann::json;

namespace {

std::string num(double v, int precision) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << (std::isfinite(v) ? v : 0.0);
  return o.str();
}

// "1.23 s" or "45 ms": pull times span three orders of magnitude.
std::string duration(double seconds) {
  if (seconds < 0.01) return num(seconds * 1000, 2) + " ms";
  return seconds < 1 ? num(seconds * 1000, 0) + " ms" : num(seconds, 2) + " s";
}

struct Bar {
  std::string label;
  std::string color;
  double value = 0;           // bar length
  double low = 0, high = 0;   // whisker (min and max); equal to value when none
  std::string text;           // printed after the bar
  std::string tooltip;
};

// A horizontal bar chart, one row per bar, scaled to its largest whisker.
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars) {
  // Widths from the longest label and value text, at ~7.5 px a character of 13 px type.
  std::size_t label_chars = 0, text_chars = 0;
  for (const auto& b : bars) {
    label_chars = std::max(label_chars, b.label.size());
    text_chars = std::max(text_chars, b.text.size());
  }
  const int label_width = static_cast<int>(label_chars * 7.5) + 14, text_width = static_cast<int>(text_chars * 7.5) + 16;
  const int plot_width = 440, row = 30, top = 28;
  const int width = label_width + plot_width + text_width;
  const int height = top + row * static_cast<int>(bars.size()) + 8;
  double scale_max = 0;
  for (const auto& b : bars) scale_max = std::max({scale_max, b.value, b.high});
  if (scale_max <= 0) scale_max = 1;
  auto x = [&](double v) { return label_width + plot_width * std::clamp(v / scale_max, 0.0, 1.0); };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" aria-label=\"" << xml_escape(title) << "\">\n"
      << "<text x=\"0\" y=\"18\" class=\"chart-title\">" << xml_escape(title) << "</text>\n"
      << "<line x1=\"" << label_width << "\" y1=\"" << top - 4 << "\" x2=\"" << label_width << "\" y2=\""
      << height - 4 << "\" stroke=\"#444\"/>\n";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const int y = top + row * static_cast<int>(i);
    svg << "<g><title>" << xml_escape(b.tooltip) << "</title>\n"
        << "<text x=\"" << label_width - 8 << "\" y=\"" << y + 19 << "\" text-anchor=\"end\">" << xml_escape(b.label)
        << "</text>\n"
        << "<rect class=\"bar\" x=\"" << label_width << "\" y=\"" << y + 5 << "\" width=\""
        << num(std::max(1.0, x(b.value) - label_width), 1) << "\" height=\"20\" fill=\"" << b.color << "\"/>\n";
    if (b.high > b.low) {
      const double mid = y + 15;
      svg << "<path class=\"spread\" d=\"M" << num(x(b.low), 1) << " " << mid << " H" << num(x(b.high), 1) << " M"
          << num(x(b.low), 1) << " " << mid - 6 << " V" << mid + 6 << " M" << num(x(b.high), 1) << " " << mid - 6
          << " V" << mid + 6 << "\" stroke=\"#111\" stroke-width=\"1.5\" fill=\"none\"/>\n";
    }
    svg << "<text x=\"" << num(std::max(x(b.value), x(b.high)) + 8, 1) << "\" y=\"" << y + 19 << "\">"
        << xml_escape(b.text) << "</text></g>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

double counter(const Sample& s, const char* key) {
  auto it = s.counters.find(key);
  return it == s.counters.end() ? 0.0 : it->second;
}

struct Mode {
  const char* name;
  const char* color;
  std::string meaning;
};

const Mode kPullModes[] = {
    {"cold", ChartColors::cold, pull_mode_meaning("cold")},
    {"warm", ChartColors::warm, pull_mode_meaning("warm")},
    {"direct", ChartColors::direct, pull_mode_meaning("direct")},
    {"direct-unshaped", ChartColors::direct_unshaped, pull_mode_meaning("direct-unshaped")},
    {"floor", ChartColors::floor, pull_mode_meaning("floor")},
};

// "pull/warm/100mb-4layers" → {"warm", "100mb-4layers"}
std::pair<std::string, std::string> mode_and_image(const std::string& name) {
  if (name.rfind("pull/", 0) != 0) return {};
  auto slash = name.find('/', 5);
  if (slash == std::string::npos) return {};
  return {name.substr(5, slash - 5), name.substr(slash + 1)};
}

// Images in matrix order (10 MB before 100 MB before 1 GB), as they were measured.
std::vector<std::string> images_in_matrix_order(const std::map<std::string, Sample>& samples) {
  std::vector<std::string> images;
  for (const auto& [name, s] : samples) {
    auto [mode, image] = mode_and_image(name);
    if (!image.empty() && std::find(images.begin(), images.end(), image) == images.end()) images.push_back(image);
  }
  auto size_of = [](const std::string& image) {
    double v = std::atof(image.c_str());
    if (image.find("gb") != std::string::npos) v *= 1000;
    return v;
  };
  std::stable_sort(images.begin(), images.end(),
                   [&](const std::string& a, const std::string& b) { return size_of(a) < size_of(b); });
  return images;
}

void head_and_verdict(std::ostringstream& h, const std::vector<Target>& targets, const json& environment) {
  const bool none_missed = std::none_of(targets.begin(), targets.end(), [](const Target& t) { return t.missed(); });
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<title>mirrorgate bench</title>\n<style>\n"
    << "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:2em;color:#222;max-width:1100px}\n"
    << "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}\n"
    << "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    << "td:first-child,th:first-child{text-align:left}\n"
    << ".met{color:#1e7a3a}.missed{color:#b00020;font-weight:bold}.open{color:#8a5a00}\n"
    << "svg text{font-size:13px;fill:#222}.chart-title{font-weight:bold;font-size:14px}\n"
    << ".charts{display:flex;flex-wrap:wrap;gap:1em 2em}.legend span{display:inline-block;margin-right:1.2em}\n"
    << ".swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}\n"
    << "dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}dt{font-weight:bold}dd{margin:0}\n"
    << "</style>\n</head>\n<body>\n";
  h << "<h1>mirrorgate bench: <span class=\"" << (none_missed ? "met" : "missed") << "\">"
    << xml_escape(targets_headline(targets)) << "</span></h1>\n";
  h << "<p>Upstream link: <b>" << xml_escape(environment.value("upstream_rate", std::string("unknown")))
    << "</b>. Bars are the median of the repetitions; whiskers span min to max.</p>\n";
}

// One bar chart per image: cold, warm, direct, floor.
void pull_time_charts(std::ostringstream& h, const std::map<std::string, Sample>& samples,
                      const std::vector<std::string>& images) {
  h << "<h2>Pull time per image</h2>\n<p class=\"legend\">";
  for (const auto& m : kPullModes) {
    h << "<span title=\"" << xml_escape(m.meaning) << "\"><i class=\"swatch\" style=\"background:" << m.color << "\"></i>"
      << m.name << "</span>";
  }
  h << "</p>\n<div class=\"charts\">\n";
  for (const auto& image : images) {
    std::vector<Bar> bars;
    for (const auto& m : kPullModes) {
      auto it = samples.find(std::string("pull/") + m.name + "/" + image);
      if (it == samples.end() || it->second.seconds.empty()) continue;
      const auto& s = it->second;
      bars.push_back({m.name, m.color, s.median(), s.min(), s.max(), duration(s.median()),
                      std::string(m.name) + ": median " + duration(s.median()) + ", min " + duration(s.min()) +
                          ", max " + duration(s.max()) + ", p95 " + duration(s.p95()) + ", CV " + num(s.cv(), 2) +
                          ", n " + std::to_string(s.seconds.size())});
    }
    if (!bars.empty()) h << bar_chart(image, bars);
  }
  h << "</div>\n";
}

// Upstream amplification of every herd, before and after prewarm.
void herd_chart(std::ostringstream& h, const std::map<std::string, Sample>& samples, const std::vector<std::string>& images) {
  std::vector<Bar> herd;
  for (const auto& image : images) {
    for (auto [mode, color] : {std::pair{"herd", ChartColors::herd}, {"herd-prewarmed", ChartColors::herd_prewarmed}}) {
      auto it = samples.find(std::string("pull/") + mode + "/" + image);
      if (it == samples.end() || it->second.seconds.empty()) continue;
      const auto& s = it->second;
      const double amplification = counter(s, "upstream_amplification");
      herd.push_back({image + " " + (std::string(mode) == "herd" ? "cold" : "prewarmed"), color, amplification,
                      amplification, amplification,
                      num(amplification, 1) + "x, " + num(counter(s, "nodes"), 0) + " nodes, slowest " +
                          duration(s.median()),
                      num(counter(s, "nodes"), 0) + " nodes at once; the upstream served " + num(amplification, 2) +
                          " times the image"});
    }
  }
  if (herd.empty()) return;
  h << "<h2>Herd: every node pulls the same image at once</h2>\n"
    << "<p>Upstream amplification = bytes the upstream served ÷ image bytes. distribution does not de-duplicate "
       "concurrent fetches of an uncached blob; <code>mirrorgate prewarm</code> fetches each image once before "
       "the herd.</p>\n"
    << bar_chart("upstream amplification", herd);
}

void targets_and_speedups(std::ostringstream& h, const std::vector<Target>& targets,
                          const std::vector<Comparison>& comparisons) {
  h << "<h2>Targets</h2>\n<p>Each decided on the interval of its per-repetition values: met when the whole interval "
       "is on the target's side, missed when it is wholly beyond it, not decided when it straddles the bound.</p>\n"
    << "<table><tr><th>target</th><th>measured</th><th>verdict</th></tr>\n";
  for (const auto& t : targets) {
    h << "<tr><td>" << xml_escape(t.what) << "</td><td>" << xml_escape(t.measured) << "</td><td class=\""
      << (t.met() ? "met" : t.missed() ? "missed" : "open") << "\">" << to_string(t.verdict) << "</td></tr>\n";
  }
  h << "</table>\n";
  h << "<h2>Speedups</h2>\n<table><tr><th>image</th><th>mode</th><th>vs</th><th>speedup (median)</th>"
    << "<th>Mann–Whitney U p</th></tr>\n";
  for (const auto& c : comparisons) {
    h << "<tr><td>" << xml_escape(c.image) << "</td><td>" << xml_escape(c.faster) << "</td><td>" << xml_escape(c.slower) << "</td><td>" << num(c.speedup, 2)
      << "x</td><td>" << xml_escape(format_p_value(c.p_value)) << "</td></tr>\n";
  }
  h << "</table>\n";
}

void docker_hub_table(std::ostringstream& h, const DockerHubCost& hub) {
  if (hub.empty()) return;
  h << "<h2>Docker Hub pulls per cluster creation: " << hub.nodes << " nodes × " << hub.images << " images ("
    << xml_escape(hub.image_set) << ")</h2>\n"
    << "<p>Counted as Docker Hub counts: one per manifest GET of an image, from the stand-in's log; fewest–most "
       "over the repetitions. Creations per 6 hours: how many clusters can be created in Docker Hub's 6-hour window before it "
       "answers 429, counting with the most.</p>\n"
    << "<table><tr><th>creation</th><th>measured by</th><th>pulls per image</th><th>pulls per creation</th>";
  for (const auto& l : hub.limits) h << "<th>creations per 6 h, " << xml_escape(l.name) << " (" << l.pulls << "/6h)</th>";
  h << "</tr>\n";
  for (const auto& r : hub.rows) {
    h << "<tr><td>" << xml_escape(r.how) << "</td><td>" << xml_escape(r.measured_by) << "</td><td>"
      << format_pulls(r.fewest_per_image, r.pulls_per_image) << "</td><td>"
      << format_pulls(hub.fewest_per_creation(r), hub.per_creation(r)) << "</td>";
    for (const auto& l : hub.limits) h << "<td>" << creations_per_6_hours(hub.per_creation(r), l.pulls) << "</td>";
    h << "</tr>\n";
  }
  h << "</table>\n";
}

void every_benchmark(std::ostringstream& h, const std::map<std::string, Sample>& samples) {
  h << "<h2>Every benchmark</h2>\n<table><tr><th>benchmark</th><th>n</th><th>median</th><th>min</th><th>max</th>"
    << "<th>p95</th><th>CV</th><th>MB</th><th>upstream MB</th></tr>\n";
  for (const auto& [name, s] : samples) {
    if (!s.error.empty()) {
      h << "<tr><td>" << xml_escape(name) << "</td><td colspan=\"8\" class=\"missed\">error: " << xml_escape(s.error)
        << "</td></tr>\n";
      continue;
    }
    h << "<tr><td>" << xml_escape(name) << "</td><td>" << s.seconds.size() << "</td><td>" << duration(s.median())
      << "</td><td>" << duration(s.min()) << "</td><td>" << duration(s.max()) << "</td><td>" << duration(s.p95())
      << "</td><td>" << num(s.cv(), 2) << "</td><td>" << num(counter(s, "bytes") / 1e6, 1) << "</td><td>"
      << num(counter(s, "upstream_bytes") / 1e6, 1) << "</td></tr>\n";
  }
  h << "</table>\n";
}

void environment_block(std::ostringstream& h, const json& environment) {
  h << "<h2>Environment</h2>\n<dl>\n";
  for (const auto& [key, value] : environment.items()) {
    if (value.is_object()) {
      for (const auto& [k, v] : value.items()) {
        h << "<dt>" << xml_escape(key + " " + k) << "</dt><dd><code>"
          << xml_escape(v.is_string() ? v.get<std::string>() : v.dump()) << "</code></dd>\n";
      }
      continue;
    }
    h << "<dt>" << xml_escape(key) << "</dt><dd>" << xml_escape(value.is_string() ? value.get<std::string>() : value.dump())
      << "</dd>\n";
  }
  h << "</dl>\n";
}

}  // namespace

std::string bench_report_html(const std::map<std::string, Sample>& samples,
                              const std::vector<Comparison>& comparisons, const std::vector<Target>& targets,
                              const json& environment, const DockerHubCost& hub) {
  const auto images = images_in_matrix_order(samples);
  std::ostringstream h;
  head_and_verdict(h, targets, environment);
  pull_time_charts(h, samples, images);
  herd_chart(h, samples, images);
  targets_and_speedups(h, targets, comparisons);
  docker_hub_table(h, hub);
  every_benchmark(h, samples);
  environment_block(h, environment);
  h << "</body>\n</html>\n";
  return h.str();
}

}  // namespace mirrorgate
