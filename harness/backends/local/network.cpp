#include "backends/local/network.h"

#include <charconv>

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "process/process.h"

namespace mirrorgate::local {

namespace {

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string format_ipv4(uint32_t value) {
  in_addr addr{htonl(value)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof buf);
  return buf;
}

uint32_t mask_of(int prefix) { return prefix == 0 ? 0 : ~uint32_t(0) << (32 - prefix); }

}  // namespace

std::string Subnet::str() const { return format_ipv4(network) + "/" + std::to_string(prefix); }

std::string Subnet::address(uint32_t n) const { return format_ipv4(network + n); }

bool Subnet::overlaps(const Subnet& other) const {
  int p = std::min(prefix, other.prefix);
  return (network & mask_of(p)) == (other.network & mask_of(p));
}

Subnet parse_subnet(const std::string& text, const std::string& flag) {
  auto slash = text.find('/');
  auto fail = [&](const std::string& why) {
    return UserError(ExitCode::bad_input, flag + " " + text + ": " + why + " (expected e.g. 10.77.0.0/24)");
  };
  if (slash == std::string::npos) throw fail("no prefix length");
  auto addr = parse_ipv4(text.substr(0, slash));
  if (!addr) throw fail("not an IPv4 address");
  int prefix = 0;
  try {
    prefix = std::stoi(text.substr(slash + 1));
  } catch (const std::exception&) {
    throw fail("bad prefix length");
  }
  if (prefix < 16 || prefix > 28) throw fail("prefix length must be between 16 and 28");
  Subnet s{*addr & mask_of(prefix), prefix};
  if (s.network != *addr) throw fail("host bits are set; did you mean " + s.str() + "?");
  return s;
}

std::optional<std::string> conflicting_route(const Subnet& subnet, const std::string& ip_route_output) {
  std::istringstream lines(ip_route_output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string dest;
    words >> dest;
    if (dest.empty() || dest == "default" || dest == "unreachable" || dest == "blackhole") continue;
    if (dest.find('/') == std::string::npos) dest += "/32";
    auto slash = dest.find('/');
    auto addr = parse_ipv4(dest.substr(0, slash));
    if (!addr) continue;
    int prefix = -1;
    const std::string digits = dest.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 || prefix > 32) continue;
    Subnet route{*addr & mask_of(prefix), prefix};
    if (route.overlaps(subnet)) return line;
  }
  return std::nullopt;
}

bool netns_exists(const std::string& name) { return std::filesystem::exists("/run/netns/" + name); }

std::vector<std::string> netns_list() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    out.push_back(entry.path().filename());
  }
  return out;
}

bool link_exists(const std::string& name) { return std::filesystem::exists("/sys/class/net/" + name); }

void ip(const std::vector<std::string>& args, const std::string& ns) {
  std::vector<std::string> argv{"ip"};
  if (!ns.empty()) {
    argv.push_back("-n");
    argv.push_back(ns);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  run(argv, {.timeout = std::chrono::seconds(20)});
}

void ip_batch(const std::vector<std::string>& commands, const std::string& ns) {
  if (commands.empty()) return;
  std::string text;
  for (const auto& c : commands) text += c + "\n";
  // mkstemp: a file of its own (O_EXCL, mode 0600), never one planted in /tmp.
  std::string path = (std::filesystem::temp_directory_path() / "mirrorgate-ip-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("cannot make a temporary file for ip -batch: " + std::string(std::strerror(errno)));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove{path};
  if (!written) throw std::runtime_error("cannot write " + path);
  std::vector<std::string> args{"-batch", path};
  ip(args, ns);
}

}  // namespace mirrorgate::local
