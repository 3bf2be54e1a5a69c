#include "backends/kind/docker.h"

#include <unistd.h>

#include <atomic>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/wait.h"

namespace mirrorgate::kind {

using namespace std::chrono_literals;

RunResult docker(std::vector<std::string> args, RunOptions options) {
  args.insert(args.begin(), "docker");
  return run(args, options);
}

RunResult docker_quiet(std::vector<std::string> args) {
  return docker(std::move(args), {.timeout = kDockerTimeout, .check = false});
}

bool container_exists(const std::string& name) { return docker_quiet({"container", "inspect", name}).ok(); }

bool container_running(const std::string& name) {
  return trim(docker_quiet({"inspect", "-f", "{{.State.Running}}", name}).out) == "true";
}

int container_pid(const std::string& name) {
  auto r = docker_quiet({"inspect", "-f", "{{.State.Pid}}", name});
  return r.ok() ? std::atoi(trim(r.out).c_str()) : 0;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!trim(line).empty()) out.push_back(trim(line));
  }
  return out;
}

namespace {
std::string address_template(const std::string& network) {
  return "{{with index .NetworkSettings.Networks \"" + network + "\"}}{{.IPAddress}}{{end}}";
}
}  // namespace

std::string current_address_on_network(const std::string& container, const std::string& network) {
  const auto r = docker_quiet({"inspect", "-f", address_template(network), container});
  return r.ok() ? trim(r.out) : "";
}

std::string address_on_network(const std::string& container, const std::string& network) {
  std::string address;
  auto got = wait_for(
      [&](std::string& why) {
        address = trim(docker({"inspect", "-f", address_template(network), container}).out);
        why = "no address on the " + network + " network yet";
        return !address.empty();
      },
      10s, 100ms);
  if (!got) throw std::runtime_error("container " + container + " has no address on the " + network + " network");
  return address;
}

std::vector<std::string> networks_of(const std::string& container) {
  return lines_of(docker({"inspect", "-f", "{{range $name, $n := .NetworkSettings.Networks}}{{$name}}{{println}}{{end}}",
                          container})
                      .out);
}

std::string container_id(const std::string& name) {
  auto r = docker_quiet({"container", "inspect", "-f", "{{.Id}}", name});
  return r.ok() ? trim(r.out) : "";
}

std::string network_id(const std::string& name) {
  auto r = docker_quiet({"network", "inspect", "-f", "{{.Id}}", name});
  return r.ok() ? trim(r.out) : "";
}

bool on_path(const std::string& command) {
  return run({"sh", "-c", "command -v \"$0\"", command}, {.timeout = 10s, .check = false}).ok();
}

std::string synced_access_log(const std::string& container, const std::string& base_url, const HttpOptions& options,
                              const std::string& since) {
  static std::atomic<int> counter{0};
  const std::string marker = "/v2/?mirrorgate-log-sync=" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  HttpOptions quick = options;  // an upstream switched off must not stall every look at its log
  quick.connect_timeout = 1s;
  quick.timeout = 5s;
  bool marked = true;
  try {
    HttpClient(quick).request("GET", base_url + marker);
  } catch (const std::exception& e) {
    spdlog::debug("{}: no log sync ({})", container, e.what());
    marked = false;  // not answering: the log as it is is all there is
  }
  std::string out;
  auto synced = wait_for(
      [&](std::string& why) {
        out = since.empty() ? docker_quiet({"logs", container}).out
                            : docker_quiet({"logs", "--since", since, container}).out;
        why = "the log does not show " + marker + " yet";
        return !marked || out.find(marker) != std::string::npos;
      },
      10s, 20ms);
  if (!synced) spdlog::warn("{}: {}", container, synced.last_error);
  std::string traffic;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.find("mirrorgate-log-sync=") == std::string::npos) traffic += line + "\n";
  }
  return traffic;
}

}  // namespace mirrorgate::kind
