#include "core/netns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <sstream>
#include <thread>
#include <vector>

#include "core/files.h"

namespace mirrorgate {

void run_in_netns(const std::filesystem::path& netns, const std::function<void()>& step) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      const int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot open " + netns.string() + ": " + std::strerror(errno));
      const int rc = ::setns(fd, CLONE_NEWNET);
      const int err = errno;
      ::close(fd);
      if (rc != 0) throw std::runtime_error("cannot enter " + netns.string() + ": " + std::strerror(err));
      step();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

namespace {

bool is_ipv4(const std::string& text) {
  in_addr a{};
  return inet_pton(AF_INET, text.c_str(), &a) == 1;
}


std::vector<std::string> nameservers(const std::filesystem::path& resolv_conf) {
  std::vector<std::string> out;
  std::istringstream lines(read_file_if_exists(resolv_conf).value_or(""));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == "nameserver" && is_ipv4(value)) out.push_back(value);
  }
  return out;
}

// One A query to one nameserver, with libresolv.
std::optional<std::string> query_a(const std::string& server, const std::string& name) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) return std::nullopt;
  state.nscount = 1;
  state.nsaddr_list[0].sin_family = AF_INET;
  state.nsaddr_list[0].sin_port = htons(NAMESERVER_PORT);
  inet_pton(AF_INET, server.c_str(), &state.nsaddr_list[0].sin_addr);
  state.retrans = 1;
  state.retry = 2;
  unsigned char answer[NS_PACKETSZ * 4];
  const int length = res_nquery(&state, name.c_str(), ns_c_in, ns_t_a, answer, sizeof answer);
  std::optional<std::string> address;
  ns_msg message{};
  if (length > 0 && ns_initparse(answer, length, &message) == 0) {
    for (int i = 0; i < ns_msg_count(message, ns_s_an) && !address; ++i) {
      ns_rr record{};
      if (ns_parserr(&message, ns_s_an, i, &record) != 0 || ns_rr_type(record) != ns_t_a || ns_rr_rdlen(record) != 4) continue;
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, ns_rr_rdata(record), text, sizeof text);
      address = text;
    }
  }
  res_nclose(&state);
  return address;
}

}  // namespace

std::optional<std::string> hosts_file_address(const std::string& hosts, const std::string& name) {
  std::istringstream lines(hosts);
  for (std::string line; std::getline(lines, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string address, alias;
    if (!(words >> address) || !is_ipv4(address)) continue;
    while (words >> alias) {
      if (alias == name) return address;
    }
  }
  return std::nullopt;
}

std::optional<std::string> resolve_as(const NetworkView& view, const std::string& name, std::string* why) {
  if (is_ipv4(name)) return name;
  if (auto address = hosts_file_address(read_file_if_exists(view.hosts).value_or(""), name)) return address;
  const auto servers = nameservers(view.resolv_conf);
  for (const auto& server : servers) {
    if (auto address = query_a(server, name)) return address;
  }
  if (why) {
    *why = name + " is not in " + view.hosts.string() + " and " +
           (servers.empty() ? "no nameserver is in " + view.resolv_conf.string()
                            : "its nameserver " + servers.front() + " does not know it");
  }
  return std::nullopt;
}

}  // namespace mirrorgate
