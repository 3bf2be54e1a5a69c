// mirrorgate verify: bring the lab up from a set of files, run every
// scenario against it, write the run's reports, take the lab down.
#pragma once

#include <filesystem>
#include <string>

#include "lab/local_lab.h"

namespace mirrorgate {

struct VerifyOptions {
  LabOptions lab;
  bool keep = false;   // leave the lab up afterwards
  bool purge = false;  // delete the mirror's cache when taking the lab down
  std::filesystem::path reports_root = "reports";  // reports go to reports_root/RUN_ID/
  std::string filter;  // gtest filter over scenarios; empty: all
  std::filesystem::path scenarios_binary;
};

// Returns the exit code: 0 when every scenario passed, 1 when one failed or
// the lab could not come up; bad input keeps its own code (2, 3).
int run_verify(const VerifyOptions& options);

}  // namespace mirrorgate
