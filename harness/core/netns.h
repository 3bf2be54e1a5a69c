// Seeing the network as a container or a lab namespace sees it: run a step
// in its network namespace (setns on a thread of its own, so the rest of
// the process stays where it is), and resolve a name as its /etc/hosts and
// resolv.conf do — Docker's embedded DNS (127.0.0.11) answers only inside
// the container's namespace, so the DNS query is sent from there too.
// Read-only: nothing in the namespace changes. Needs CAP_SYS_ADMIN.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace mirrorgate {

struct NetworkView {
  std::filesystem::path netns;        // /proc/PID/ns/net or /run/netns/NAME
  std::filesystem::path hosts;        // its /etc/hosts as the host reaches it
  std::filesystem::path resolv_conf;  // its /etc/resolv.conf as the host reaches it
};

// Runs `step` on a thread that joined the namespace; rethrows what it threw.
void run_in_netns(const std::filesystem::path& netns, const std::function<void()>& step);

// The IPv4 address an /etc/hosts file (its text) gives `name`, if any.
std::optional<std::string> hosts_file_address(const std::string& hosts, const std::string& name);

// The IPv4 address `name` has inside the namespace: from its hosts file,
// else from the nameservers of its resolv.conf. Call it inside the
// namespace (run_in_netns). nullopt with `why` when it does not resolve.
std::optional<std::string> resolve_as(const NetworkView& view, const std::string& name, std::string* why = nullptr);

}  // namespace mirrorgate
