// The team bench's report: a cluster creation on N machines at once (every
// node of every machine pulls the image set, all at the same time), through
// the team tier for N ≥ 2 and through one machine's own kind-registry and
// front for N = 1; what Docker Hub served per team, and the slowest node.
// Its targets (issue: one cache for a team): Docker Hub pulls per image per
// team = 1 for every N; upstream bytes ≤ 1.05× the images'; a cold herd on
// 3 machines within 1.25× of the same herd on one; no failed pull. The same
// herds on N machines without the team tier, each caching Docker Hub itself
// (per-machine caches), measured beside them; and a plot of Docker Hub's
// pulls against N, both measured (N times one machine's where per-machine
// caches did not run).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/bench_stats.h"

namespace mirrorgate {

inline constexpr double kTeamBytesRatioTarget = 1.05;
inline constexpr double kTeamHerdRatioTarget = 1.25;
inline constexpr int kTeamHerdTargetMachines = 3;

// One herd, read from Docker Hub's access log and the nodes' pulls.
struct TeamHerd {
  int machines = 0;
  int nodes = 0;
  int images = 0;               // images every node pulled
  int hub_gets = 0;             // GETs of blobs and manifests by digest Docker Hub answered with content
  int distinct = 0;             // distinct digests among them
  int counted_pulls = 0;        // pulls the stand-in counted, as Docker Hub counts them
  long long hub_bytes = 0;      // bytes Docker Hub sent
  long long image_bytes = 0;    // the images' own: manifests (and index), configs and layers of the nodes' platform
  double slowest_seconds = 0;   // the slowest node's pull of every image
  int failed = 0;               // nodes whose pulls did not all complete
};

// Every herd of one N, in the order they ran: through the team tier (one
// machine's own kind-registry for N = 1), and for N ≥ 2 the same herds
// through per-machine caches.
struct TeamBenchRow {
  int machines = 0;
  std::vector<TeamHerd> herds;
  std::vector<TeamHerd> per_machine;
};

std::vector<Target> team_bench_targets(const std::vector<TeamBenchRow>& rows);
std::string team_bench_markdown(const std::vector<TeamBenchRow>& rows, const std::vector<Target>& targets,
                                const std::string& link, const std::string& plot_file);
nlohmann::json team_bench_json(const std::vector<TeamBenchRow>& rows, const std::vector<Target>& targets);
// Docker Hub's pulls per cluster creation against N (median of the herds):
// the team tier's and per-machine caches', measured (per-machine caches' N
// times N = 1's where they did not run). Empty without an N = 1 row.
std::string team_pulls_svg(const std::vector<TeamBenchRow>& rows);

}  // namespace mirrorgate
