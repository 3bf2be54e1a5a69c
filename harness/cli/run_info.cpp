#include "cli/run_info.h"

#include <sys/utsname.h>

#include <ctime>
#include <map>
#include <iostream>
#include <sstream>
#include <thread>

#include "containerd/cri_client.h"
#include "core/files.h"
#include "env/backends.h"
#include "process/process.h"

namespace mirrorgate {

using json = nlohmann::json;

void finish_run(const LabState& s, bool keep, bool purge) {
  if (keep) {
    std::cout << "the lab stays up (--keep): mirrorgate --state " << s.state_dir.string() << " down\n";
    return;
  }
  for (const auto& l : take_down(s.state_dir, purge).leftovers) std::cerr << "down left behind: " << l << "\n";
}

json environment_of(const LabState& s) {
  utsname u{};
  ::uname(&u);
  json env = {{"kernel", std::string(u.sysname) + " " + u.release},
              {"platform", s.platform},
              {"upstream_rate", s.upstream_rate.empty() ? "unlimited" : s.upstream_rate},
              {"backend", s.backend},
              {"nodes", s.nodes.size()}};
  std::istringstream cpuinfo(read_file_if_exists("/proc/cpuinfo").value_or(""));
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      env["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  env["cpus"] = std::thread::hardware_concurrency();
  if (s.backend == "kind") {
    auto registry = run({"docker", "exec", s.kind.registry_container, "registry", "--version"}, {.check = false});
    env["registry"] = registry.out.substr(0, registry.out.find('\n'));
    if (!s.nodes.empty()) {
      auto v = run({"docker", "exec", s.nodes.front().name, "crictl", "version"}, {.check = false});
      // "RuntimeName:  containerd" lines, as the local lab's CRI Version reads.
      std::map<std::string, std::string> field;
      std::istringstream lines(v.out);
      for (std::string line; std::getline(lines, line);) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        field[line.substr(0, colon)] = value;
      }
      env["containerd"] = v.ok() ? field["RuntimeName"] + " " + field["RuntimeVersion"] + " (CRI " +
                                       field["RuntimeApiVersion"] + ")"
                                 : "unknown: " + v.err;
    }
    return env;
  }
  auto registry = run({"docker-registry", "--version"}, {.check = false});
  env["registry"] = registry.out.substr(0, registry.out.find('\n'));
  if (!s.nodes.empty()) {
    try {
      auto v = CriClient(s.nodes.front().socket.string()).version();
      env["containerd"] = v.runtime_name + " " + v.runtime_version + " (CRI " + v.runtime_api_version + ")";
    } catch (const std::exception& e) {
      env["containerd"] = std::string("unknown: ") + e.what();
    }
  }
  return env;
}

}  // namespace mirrorgate
