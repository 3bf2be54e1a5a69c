#include "reports/team_bench.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "reports/report.h"

namespace mirrorgate {

using json = nlohmann::json;

namespace {

std::string fixed(double v, int places) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(places) << v;
  return out.str();
}

template <typename F>
std::vector<double> each(const std::vector<TeamHerd>& herds, F value) {
  std::vector<double> out;
  for (const auto& h : herds) out.push_back(static_cast<double>(value(h)));
  return out;
}

double median_of(const std::vector<double>& values) { return values.empty() ? 0 : median_interval(values).median; }

const TeamBenchRow* row_of(const std::vector<TeamBenchRow>& rows, int machines) {
  for (const auto& r : rows) {
    if (r.machines == machines && !r.herds.empty()) return &r;
  }
  return nullptr;
}

double pulls_per_image(const TeamHerd& h) { return h.images ? static_cast<double>(h.counted_pulls) / h.images : 0; }
double gets_per_digest(const TeamHerd& h) { return h.distinct ? static_cast<double>(h.hub_gets) / h.distinct : 0; }
double bytes_ratio(const TeamHerd& h) { return h.image_bytes ? static_cast<double>(h.hub_bytes) / h.image_bytes : 0; }

double median_pulls(const std::vector<TeamHerd>& herds) {
  return median_of(each(herds, [](const TeamHerd& h) { return h.counted_pulls; }));
}

// Per-machine caches' pulls on N machines, and whether they were measured:
// N = 1 is one machine's own cache; N ≥ 2 their herds, else N times N = 1's.
std::pair<double, bool> per_machine_pulls(const TeamBenchRow& r, const TeamBenchRow* one) {
  if (r.machines == 1 && !r.herds.empty()) return {median_pulls(r.herds), true};
  if (!r.per_machine.empty()) return {median_pulls(r.per_machine), true};
  return {one ? median_pulls(one->herds) * r.machines : 0, false};
}

json herd_json(const TeamHerd& h) {
  return {{"nodes", h.nodes},         {"images", h.images},           {"hub_gets", h.hub_gets},
          {"distinct", h.distinct},   {"counted_pulls", h.counted_pulls}, {"hub_bytes", h.hub_bytes},
          {"image_bytes", h.image_bytes}, {"slowest_seconds", h.slowest_seconds}, {"failed", h.failed}};
}

// "16.33 s (15.90–17.02, 3 herds)"
std::string seconds_text(const std::vector<TeamHerd>& herds) {
  const auto i = median_interval(each(herds, [](const TeamHerd& h) { return h.slowest_seconds; }));
  return fixed(i.median, 2) + " s (" + fixed(i.low, 2) + "–" + fixed(i.high, 2) + ", " + std::to_string(i.n) + (i.n == 1 ? " herd)" : " herds)");
}

}  // namespace

std::vector<Target> team_bench_targets(const std::vector<TeamBenchRow>& rows) {
  std::vector<Target> out;
  double worst_pulls = 0, worst_gets = 0, worst_bytes = 0;
  int herds = 0, failed = 0, nodes = 0;
  std::string machines;
  for (const auto& r : rows) {
    if (r.herds.empty()) continue;
    machines += (machines.empty() ? "" : ", ") + std::to_string(r.machines);
    for (const auto& h : r.herds) {
      worst_pulls = std::max(worst_pulls, pulls_per_image(h));
      worst_gets = std::max(worst_gets, gets_per_digest(h));
      worst_bytes = std::max(worst_bytes, bytes_ratio(h));
      failed += h.failed;
      nodes += h.nodes;
      ++herds;
    }
  }
  if (!herds) return out;
  const std::string over = " over " + std::to_string(herds) + " herds (N = " + machines + ")";
  // Counts, not times: every herd must keep them.
  out.push_back({"Docker Hub pulls per image per team = 1, each manifest and blob fetched once",
                 "at most " + fixed(worst_pulls, 2) + " counted pulls per image and " + fixed(worst_gets, 2) +
                     " GETs per digest" + over,
                 worst_pulls == 1 && worst_gets == 1 ? TargetVerdict::met : TargetVerdict::missed});
  out.push_back({"upstream bytes ≤ 1.05× the images'", "at most " + fixed(worst_bytes, 3) + "×" + over,
                 worst_bytes > 0 && worst_bytes <= kTeamBytesRatioTarget ? TargetVerdict::met : TargetVerdict::missed});
  out.push_back({"0 failed pulls", std::to_string(failed) + " of " + std::to_string(nodes) + " nodes' pulls failed" + over,
                 failed == 0 ? TargetVerdict::met : TargetVerdict::missed});
  const auto* one = row_of(rows, 1);
  const auto* three = row_of(rows, kTeamHerdTargetMachines);
  if (one && three) {
    // The herds of N = 1 and N = 3 ran apart, not in pairs: the ratio's
    // interval is the widest the two medians' intervals allow.
    const auto slowest = [](const TeamHerd& h) { return h.slowest_seconds; };
    const auto a = median_interval(each(three->herds, slowest));
    const auto b = median_interval(each(one->herds, slowest));
    MedianInterval ratio;
    if (b.low > 0 && b.high > 0 && b.median > 0) {
      ratio = {a.low / b.high, a.median / b.median, a.high / b.low, std::min(a.coverage, b.coverage), std::min(a.n, b.n)};
    }
    out.push_back({"a cold herd on " + std::to_string(kTeamHerdTargetMachines) + " machines within 1.25× of one machine's",
                   fixed(ratio.median, 2) + "× (" + fixed(ratio.low, 2) + "–" + fixed(ratio.high, 2) + "): " +
                       seconds_text(three->herds) + " against " + seconds_text(one->herds),
                   ratio.median > 0 ? decide(ratio, kTeamHerdRatioTarget, false) : TargetVerdict::missed});
  }
  return out;
}

std::string team_bench_markdown(const std::vector<TeamBenchRow>& rows, const std::vector<Target>& targets,
                                const std::string& link, const std::string& plot_file) {
  std::ostringstream md;
  md << "## A cluster creation on N machines at once\n\n"
     << "Every node of every machine pulls the image set at the same time, from caches that never saw it (a copy "
        "of each image under a new repository, per herd). N = 1 is one machine's kind-registry and its front, "
        "straight to Docker Hub; N ≥ 2 go through the team tier (haproxy, two replicas with their fronts, Ceph "
        "RGW, Redis). Docker Hub's link: "
     << (link.empty() ? "unshaped" : link)
     << ". Counts are medians of the herds. For N ≥ 2 the same herds also ran on N machines without the team "
        "tier, each machine's kind-registry and front caching Docker Hub itself (per-machine caches, "
        "`up --per-machine-caches`).\n\n"
     << "| machines | nodes | herds | Docker Hub GETs (distinct digests) | counted pulls per image | bytes from Docker "
        "Hub (× the images') | slowest node | failed pulls | per-machine caches: counted pulls | per-machine caches: "
        "slowest node |\n"
     << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  const auto* one = row_of(rows, 1);
  for (const auto& r : rows) {
    if (r.herds.empty()) {
      md << "| " << r.machines << " | - | 0 | - | - | - | - | - | - | - |\n";
      continue;
    }
    const auto& hs = r.herds;
    const auto [pulls, measured] = per_machine_pulls(r, one);
    int failed = 0;
    for (const auto& h : hs) failed += h.failed;
    md << "| " << r.machines << " | " << hs.front().nodes << " | " << hs.size() << " | "
       << fixed(median_of(each(hs, [](const TeamHerd& h) { return h.hub_gets; })), 0) << " ("
       << fixed(median_of(each(hs, [](const TeamHerd& h) { return h.distinct; })), 0) << ") | "
       << fixed(median_of(each(hs, pulls_per_image)), 2) << " | "
       << fixed(median_of(each(hs, [](const TeamHerd& h) { return h.hub_bytes; })), 0) << " ("
       << fixed(median_of(each(hs, bytes_ratio)), 3) << "×) | " << seconds_text(hs) << " | " << failed << " | "
       << (measured ? fixed(pulls, 0) : one ? fixed(pulls, 0) + " (N × N = 1's)" : "-") << " | "
       << (r.machines == 1 ? "the same" : r.per_machine.empty() ? "-" : seconds_text(r.per_machine)) << " |\n";
  }
  if (!plot_file.empty()) md << "\n![Docker Hub pulls per cluster creation against N](" << plot_file << ")\n";
  md << targets_table_markdown(targets);
  return md.str();
}

json team_bench_json(const std::vector<TeamBenchRow>& rows, const std::vector<Target>& targets) {
  json out = {{"rows", json::array()}, {"targets", json::array()}};
  for (const auto& r : rows) {
    json herds = json::array(), per_machine = json::array();
    for (const auto& h : r.herds) herds.push_back(herd_json(h));
    for (const auto& h : r.per_machine) per_machine.push_back(herd_json(h));
    out["rows"].push_back({{"machines", r.machines}, {"herds", herds}, {"per_machine_herds", per_machine}});
  }
  out["targets"] = targets_section_json(targets);
  return out;
}

std::string team_pulls_svg(const std::vector<TeamBenchRow>& rows) {
  const auto* one = row_of(rows, 1);
  if (!one) return "";
  struct Point {
    int machines;
    double team, per_machine;
  };
  std::vector<Point> points;
  bool derived = false;
  for (const auto& r : rows) {
    if (r.herds.empty()) continue;
    const auto [pulls, measured] = per_machine_pulls(r, one);
    derived = derived || !measured;
    points.push_back({r.machines, median_pulls(r.herds), pulls});
  }
  int max_n = 1;
  double max_pulls = 1;
  for (const auto& p : points) max_n = std::max(max_n, p.machines), max_pulls = std::max({max_pulls, p.team, p.per_machine});
  const double left = 60, right = 340, top = 40, plot_w = 320, plot_h = 200;
  const auto x = [&](double n) { return left + (max_n == 1 ? plot_w / 2 : (n - 1) / (max_n - 1) * plot_w); };
  const auto y = [&](double pulls) { return top + plot_h - pulls / max_pulls * plot_h; };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" << left + plot_w + right << "\" height=\""
      << top + plot_h + 50 << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
      << "<text x=\"0\" y=\"18\" font-weight=\"bold\">" << xml_escape("Docker Hub pulls per cluster creation against N")
      << "</text>\n"
      << "<path d=\"M" << left << " " << top << " V" << top + plot_h << " H" << left + plot_w << "\" stroke=\"#444\" fill=\"none\"/>\n"
      << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << top + plot_h + 40 << "\" text-anchor=\"middle\">machines (N)</text>\n"
      << "<text x=\"" << left - 8 << "\" y=\"" << y(max_pulls) + 4 << "\" text-anchor=\"end\">" << fixed(max_pulls, 0) << "</text>\n"
      << "<text x=\"" << left - 8 << "\" y=\"" << y(0) + 4 << "\" text-anchor=\"end\">0</text>\n";
  for (int n = 1; n <= max_n; ++n) {
    svg << "<text x=\"" << x(n) << "\" y=\"" << top + plot_h + 18 << "\" text-anchor=\"middle\">" << n << "</text>\n";
  }
  const auto series = [&](const char* name, const char* color, const char* dash, double Point::*value, double legend_y) {
    svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\"" << dash << " points=\"";
    for (const auto& p : points) svg << fixed(x(p.machines), 1) << "," << fixed(y(p.*value), 1) << " ";
    svg << "\"/>\n";
    for (const auto& p : points) {
      svg << "<circle cx=\"" << fixed(x(p.machines), 1) << "\" cy=\"" << fixed(y(p.*value), 1) << "\" r=\"4\" fill=\"" << color
          << "\"><title>" << xml_escape(std::string(name) + ", N = " + std::to_string(p.machines) + ": " + fixed(p.*value, 0) +
                                         " pulls")
          << "</title></circle>\n";
    }
    svg << "<text x=\"" << left + plot_w + 12 << "\" y=\"" << legend_y << "\" fill=\"" << color << "\">" << xml_escape(name)
        << "</text>\n";
  };
  series(derived ? "per-machine caches (N × N = 1's where not run)" : "per-machine caches (measured)", "#c0392b",
         " stroke-dasharray=\"6 4\"", &Point::per_machine, top + 10);
  series("team tier (measured)", "#2471a3", "", &Point::team, top + 30);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace mirrorgate
