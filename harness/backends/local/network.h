// The lab's network: namespaces joined by a bridge that lives in a namespace
// of its own (so the host's firewall, e.g. Docker's FORWARD DROP with
// bridge-nf-call-iptables, never sees lab traffic), plus one veth from the
// host into that bridge. Nothing here edits the host's firewall.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mirrorgate::local {

struct Subnet {
  uint32_t network = 0;  // host byte order
  int prefix = 24;
  std::string str() const;
  // The n-th address in the subnet ("10.77.0.1" for n = 1).
  std::string address(uint32_t n) const;
  uint32_t capacity() const { return prefix >= 31 ? 0 : (1u << (32 - prefix)) - 2; }
  bool overlaps(const Subnet& other) const;
};

// Throws UserError(bad_input) naming the flag for a malformed subnet.
Subnet parse_subnet(const std::string& text, const std::string& flag = "--subnet");

// The first route of the host (`ip -4 route` text) that overlaps `subnet`.
std::optional<std::string> conflicting_route(const Subnet& subnet, const std::string& ip_route_output);

bool netns_exists(const std::string& name);
std::vector<std::string> netns_list();
bool link_exists(const std::string& name);

// Runs `ip ARGS…` (with `-n NS` when ns is not empty); throws CommandError.
void ip(const std::vector<std::string>& args, const std::string& ns = "");
// Runs every command (`ip`'s arguments, one a line: "link set lo up") in
// one `ip -batch` (inside `ns` when not empty); stops at the first that
// fails and throws CommandError. One process instead of one a command.
void ip_batch(const std::vector<std::string>& commands, const std::string& ns = "");

}  // namespace mirrorgate::local
