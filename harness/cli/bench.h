// mirrorgate bench: cold, warm, direct and floor pulls on the lab, with the
// hub's link shaped like a WAN, and a report with the statistics.
#pragma once

#include <filesystem>
#include <string>

#include "lab/local_lab.h"

namespace mirrorgate {

struct BenchOptions {
  LabOptions lab;                    // lab.upstream_rate: the WAN stand-in ("100mbit")
  std::string profile = "quick";     // quick: 10/100 MB; full: adds 1 GB × 4
  int repetitions = 0;               // 0: 5 (quick) or 9 (full)
  bool keep = false;
  std::filesystem::path reports_root = "reports";
  std::string filter;                // Google Benchmark filter (regex); empty: all
  std::filesystem::path benchmark_binary;
};

// 0 when every target was met, 1 when one was missed or the run failed.
int run_bench(const BenchOptions& options);

}  // namespace mirrorgate
