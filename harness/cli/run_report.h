// What every run's report records besides its results: the environment it
// ran in, and the end of a run (keep it up, or take it down).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "env/environment.h"

namespace mirrorgate {

// Kernel, CPU, platform, shaping, backend, nodes, and the registry and
// containerd versions the running daemons report.
nlohmann::json describe_environment(const Environment& env);

// What a child process that attaches to the environment (the scenarios, the
// benchmarks) is given: where its state file is, and this process's -v.
std::map<std::string, std::string> attach_variables(const Environment& env);

// Leave the environment up (and say how to take it down), or take it down
// and report anything that stayed behind.
void finish_run(const Environment& env, bool keep, bool purge);

}  // namespace mirrorgate
