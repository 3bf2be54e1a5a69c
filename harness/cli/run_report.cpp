#include "cli/run_report.h"

#include <sys/utsname.h>

#include <iostream>
#include <sstream>
#include <thread>

#include "backends/backends.h"
#include "containerd/generations.h"
#include "core/files.h"
#include "core/log.h"
#include "registry/generations.h"

namespace mirrorgate {

using json = nlohmann::json;

namespace {

std::string cpu_model() {
  std::istringstream cpuinfo(read_file_if_exists("/proc/cpuinfo").value_or(""));
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "";
}

}  // namespace

std::map<std::string, std::string> attach_variables(const Environment& env) {
  return {{"MIRRORGATE_STATE", env.state_dir().string()}, {kVerboseVariable, verbose_logging() ? "1" : "0"}};
}

json describe_environment(const Environment& env) {
  utsname u{};
  ::uname(&u);
  const auto versions = env.versions();
  json out = {{"kernel", std::string(u.sysname) + " " + u.release},
              {"cpu", cpu_model()},
              {"cpus", std::thread::hardware_concurrency()},
              {"platform", env.platform()},
              {"upstream_rate", env.upstream_rate().empty() ? "unlimited" : env.upstream_rate()},
              {"backend", env.backend()},
              {"nodes", env.nodes().size()},
              {"node_storage", env.node_storage().empty() ? "the node's own" : env.node_storage()},
              {"registry", versions.registry},
              {"registry_generation", registry_generation_line(env.registry_generation(), env.registry_note())},
              {"containerd_by_node", versions.containerd}};
  if (!env.generation().empty()) {
    out["node_generation"] = "containerd " + env.generation();
    for (const auto& g : node_generations()) {
      if (g.name == env.generation()) out["node_generation"] = "containerd " + g.name + ", standing for " + g.stands_for;
    }
  }
  if (!env.nodes().empty() && versions.containerd.count(env.nodes().front().name)) {
    out["containerd"] = versions.containerd.at(env.nodes().front().name);
  }
  return out;
}

void finish_run(const Environment& env, bool keep, bool purge) {
  if (keep) {
    std::cout << "the environment stays up (--keep): mirrorgate down --state " << env.state_dir().string() << "\n";
    return;
  }
  for (const auto& l : take_down(env.state_dir(), purge).leftovers) std::cerr << "down left behind: " << l << "\n";
}

}  // namespace mirrorgate
