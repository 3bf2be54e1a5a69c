// bench's team section: a cluster creation on N machines at once, for each
// N asked for, on the embedded lab (`--machines N`, in a state directory of
// its own); the report's table, targets and plot (reports/team_bench.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "env/options.h"
#include "reports/bench_stats.h"

namespace mirrorgate {

// "1,2,3" (what --team-machines takes): machine counts, each 1 to 20,
// ascending. UserError naming the flag otherwise.
std::vector<int> parse_team_machines(const std::string& text);

// The lab options of each N, checked before anything is brought up (the
// subnet holds the machines, the backend is the embedded lab). UserError
// naming --team-machines otherwise; nothing on a backend other than the lab,
// where run_team_bench says it skips.
void check_team_bench(const EnvironmentOptions& options, const std::vector<int>& machines, const std::string& flag_text);


// For each N: brings up a lab of N machines in STATE/team-bench (the store
// kept from one N to the next, purged at the end), runs `herds` herds —
// every node of every machine pulls a fresh copy of each docker.io test
// image at once — and reads what Docker Hub served from its log. Appends
// the section to DIR's report.md, report.json ("team") and index.html, and
// writes DIR/team-pulls.svg. Measured when every lab came up and every herd
// ran.
BenchSection run_team_bench(const EnvironmentOptions& options, const std::filesystem::path& dir,
                                const std::vector<int>& machines, int herds);

}  // namespace mirrorgate
