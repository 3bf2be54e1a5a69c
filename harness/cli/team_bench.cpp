#include "cli/team_bench.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "backends/backends.h"
#include "backends/local/team_tier.h"
#include "cli/run_report.h"
#include "core/at_once.h"
#include "core/error.h"
#include "core/files.h"
#include "hub/stand_in.h"
#include "images/test_images.h"
#include "registry/upstreams.h"
#include "reports/team_bench.h"
#include "team/team.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kHerdPullTimeout = 600s;
constexpr const char* kPlotFile = "team-pulls.svg";

EnvironmentOptions options_for(const EnvironmentOptions& options, int machines, bool per_machine_caches = false) {
  auto out = options;
  out.state_dir = options.state_dir / "team-bench";
  out.local.machines = machines;
  out.local.per_machine_caches = per_machine_caches;
  // What a cluster creation pulls here comes from Docker Hub alone.
  out.upstreams.clear();
  return out;
}

// One herd on a lab of N machines: fresh copies of every image, pulled by
// every node at once; what Docker Hub served for them.
TeamHerd run_herd(Environment& env, const std::vector<TestImage>& images, int herd) {
  const auto hub = env.upstream();
  std::vector<std::string> refs;
  TeamHerd out;
  out.machines = env.machines();
  out.nodes = static_cast<int>(env.nodes().size());
  out.images = static_cast<int>(images.size());
  for (const auto& image : images) {
    const auto ref = publish_uncached_copy(hub, image, "team-bench");
    if (ref.empty()) throw std::runtime_error("the Docker Hub stand-in refused to publish a copy of " + image.spec.text);
    refs.push_back(ref);
    out.image_bytes += static_cast<long long>(image.bytes_for(env.platform()) + (image.is_index() ? image.top_body.size() : 0));
  }
  const size_t mark = env.upstream_access_log().size();
  std::vector<double> seconds(env.nodes().size(), 0);
  const auto errors = errors_of_each_at_once(env.nodes().size(), [&](size_t i) {
    const auto started = std::chrono::steady_clock::now();
    for (const auto& ref : refs) (void)env.pull_image(env.nodes()[i].name, ref, kHerdPullTimeout);
    seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });
  for (const auto& e : errors) {
    if (e.empty()) continue;
    ++out.failed;
    spdlog::warn("team bench: a pull failed: {}", e);
  }
  out.slowest_seconds = *std::max_element(seconds.begin(), seconds.end());
  // The nodes as they were: the next herd's copies share these blobs, which
  // containerd would otherwise not fetch again.
  for (const auto& node : env.nodes()) {
    for (size_t k = 0; k < refs.size(); ++k) {
      std::vector<std::string> blobs;
      for (const auto& p : images[k].platforms) {
        blobs.push_back(p.config.digest);
        for (const auto& l : p.layers) blobs.push_back(l.digest);
      }
      const auto removed = env.remove_image(node.name, refs[k], blobs, 60s);
      if (!removed.ok) throw std::runtime_error(node.name + " still holds " + refs[k] + "'s blobs after removing it: " + removed.last_error);
    }
  }
  const auto log = env.upstream_access_log();
  const auto served = hub_served(std::vector<AccessRecord>(log.begin() + static_cast<long>(std::min(mark, log.size())), log.end()));
  out.hub_gets = served.gets;
  out.distinct = served.distinct;
  out.counted_pulls = served.counted_pulls;
  out.hub_bytes = served.bytes;
  spdlog::info("team bench: {} machine(s), herd {}: slowest node {:.2f} s, {} Docker Hub GETs ({} distinct), {} counted "
               "pulls, {} bytes, {} failed",
               out.machines, herd, out.slowest_seconds, out.hub_gets, out.distinct, out.counted_pulls, out.hub_bytes,
               out.failed);
  return out;
}

// The section in the run's report.md, report.json and index.html.
void append_to_reports(const fs::path& dir, const std::string& md, const nlohmann::json& section, const std::string& svg) {
  if (!svg.empty()) write_file_atomic(dir / kPlotFile, svg);
  auto report = nlohmann::json::parse(read_file(dir / "report.json"));
  report["team"] = section;
  write_file_atomic(dir / "report.json", report.dump(2) + "\n");
  write_file_atomic(dir / "report.md", read_file(dir / "report.md") + "\n" + md);
  auto html = read_file(dir / "index.html");
  const auto end = html.rfind("</body>");
  if (end != std::string::npos && !svg.empty()) {
    html.insert(end, "<h2>A cluster creation on N machines at once</h2>\n<p>Docker Hub's pulls: the team tier's "
                     "and per-machine caches', measured where they ran. The table and targets are in report.md.</p>\n" +
                         svg);
    write_file_atomic(dir / "index.html", html);
  }
}

}  // namespace

std::vector<int> parse_team_machines(const std::string& text) {
  std::vector<int> out;
  std::istringstream in(text);
  const auto bad = [&] {
    return bad_flag("--team-machines " + text, "expected ascending machine counts like 1,2,3 (1 to " +
                                                   std::to_string(local::kMaxLabMachines) + " each), or none");
  };
  for (std::string n; std::getline(in, n, ',');) {
    if (n.empty() || n.size() > 2 || !std::all_of(n.begin(), n.end(), ::isdigit)) throw bad();
    const int v = std::stoi(n);
    if (v < 1 || v > local::kMaxLabMachines || (!out.empty() && v <= out.back())) throw bad();
    out.push_back(v);
  }
  if (out.empty()) throw bad();
  return out;
}

void check_team_bench(const EnvironmentOptions& options, const std::vector<int>& machines, const std::string& flag_text) {
  if (options.backend != "local") return;
  for (const int n : machines) {
    try {
      // The files read and the machines checked as `up` would, creating nothing.
      const auto valid = validated(options_for(options, n));
      (void)backend_named(valid->backend).read_inputs(*valid);
    } catch (const UserError& e) {
      throw UserError(e.code(), "--team-machines " + flag_text + ": " + e.what());
    }
  }
}

BenchSection run_team_bench(const EnvironmentOptions& options, const fs::path& dir, const std::vector<int>& machines,
                                int herds) {
  BenchSection outcome;
  if (options.backend != "local") {
    std::cout << "\nteam bench: skipped; the team tier runs on the embedded lab only (--machines), not on "
              << options.backend << "\n";
    return outcome;
  }
  std::cout.flush();  // the pull report first, not cut by the progress on stderr
  std::vector<TeamBenchRow> rows;
  std::string link;
  for (size_t k = 0; k < machines.size(); ++k) {
    const int n = machines[k];
    const bool last = k + 1 == machines.size();
    const auto team_options = options_for(options, n);
    spdlog::info("team bench: a cluster creation on {} machine(s) at once, {} herd(s), in {}", n, herds,
                 team_options.state_dir.string());
    TeamBenchRow row{n, {}, {}};
    // Through the team tier, then (N ≥ 2) the same herds on N machines each
    // caching Docker Hub itself.
    const auto herds_on = [&](const EnvironmentOptions& lab_options, std::vector<TeamHerd>& into, bool purge_after) {
      auto env = bring_up(validated(lab_options));
      try {
        link = env->upstream_rate();
        // The docker.io images the stand-in serves: what a cluster creation pulls.
        const TestImageStore store(env->image_store());
        std::vector<TestImage> images;
        for (const auto& spec : load_test_image_list(env->files().images)) {
          if (spec.ref.domain == kDockerIo) images.push_back(store.build(spec));
        }
        for (int h = 1; h <= herds; ++h) into.push_back(run_herd(*env, images, h));
      } catch (...) {
        finish_run(*env, false, true);
        throw;
      }
      // The team's store is kept for the next lab (every herd pulls fresh
      // copies, so nothing is cached for it), and purged after the last.
      finish_run(*env, false, purge_after);
    };
    try {
      herds_on(team_options, row.herds, last && n == 1);
      if (n > 1) {
        spdlog::info("team bench: the same herds on {} machines with per-machine caches (no team tier)", n);
        herds_on(options_for(options, n, true), row.per_machine, last);
      }
    } catch (const Interrupted&) {
      throw;  // Ctrl-C ends the bench, not this N alone
    } catch (const std::exception& e) {
      std::cerr << "mirrorgate bench: the team bench on " << n << " machine(s) did not measure: " << e.what() << "\n";
      outcome.measured = false;
    }
    rows.push_back(std::move(row));
  }
  const auto targets = team_bench_targets(rows);
  const auto svg = team_pulls_svg(rows);
  const auto md = team_bench_markdown(rows, targets, link, svg.empty() ? "" : kPlotFile);
  append_to_reports(dir, md, team_bench_json(rows, targets), svg);
  std::cout << "\n" << md;
  outcome.targets = targets;
  return outcome;
}

}  // namespace mirrorgate
