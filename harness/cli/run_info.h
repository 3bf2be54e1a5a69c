// What every run's report records: its id and the environment it ran in.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "env/lab_state.h"

namespace mirrorgate {

// A run id: the UTC time, e.g. 20261127T224812Z (sorts by time).

// The end of a run: leave the lab up (and say how to take it down), or take
// it down and report anything that stayed behind.
void finish_run(const LabState& s, bool keep, bool purge);

// Kernel, platform, shaping, containerd and registry versions of the lab.
nlohmann::json environment_of(const LabState& s);

}  // namespace mirrorgate
