// containerd's per-registry hosts.toml (docs/hosts.md): parse, render, and
// the rules that decide which host a pull really goes to.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mirrorgate {

struct HostEntry {
  std::string url;                        // "http://kind-registry:5000"
  std::vector<std::string> capabilities;  // containerd's default when omitted: pull, resolve, push
  bool capabilities_set = false;
  bool skip_verify = false;
  bool override_path = false;
  // How long containerd (2.1 and later) waits for a connection to this host
  // before it tries the next ("2s"); empty: its default, 30 s.
  std::string dial_timeout;
  int line = 0;                           // line of the [host."…"] table in the file
};

struct HostsToml {
  std::optional<std::string> server;  // containerd appends it last even when omitted
  std::vector<HostEntry> hosts;       // in file order: the order containerd tries them
};

// Throws UserError(bad_input) naming `file` and the line for TOML errors —
// containerd itself only logs them and pulls from the upstream instead.
HostsToml parse_hosts_toml(const std::string& text, const std::string& file);
std::string render_hosts_toml(const HostsToml& hosts);

bool has_capability(const HostEntry& host, const std::string& capability);

// A warning for each [host] without dial_timeout on a node generation that
// honours it (containerd 2.1 and later): when that host does not answer (a
// cache host that is down or hung), a node waits 30 s on every connection —
// the manifest's and each blob's — before it falls back. Names the file,
// the line and the fix. Empty for 1.6 and 1.7, which ignore the key.
std::vector<std::string> dial_timeout_warnings(const HostsToml& hosts, const std::string& file,
                                               const std::string& generation);

// Directory under config_path that containerd reads for a reference: named
// after the reference's host ("docker.io" for redis, docker.io/library/redis),
// never after the API host registry-1.docker.io.
std::string hosts_directory_for(const std::string& registry_host);

// The directories containerd tries under one config_path root for a
// registry host, in its order (remotes/docker/config, hostPaths): with a
// port, HOST:PORT written HOST_PORT_ first; then HOST; then _default (read
// since containerd 1.6.17 and 1.7.0). The first that exists is used.
std::vector<std::string> containerd_host_dirs(const std::string& root, const std::string& registry_host);

// Where hosts.toml lives on a node for the docker.io registry.
inline constexpr const char* kDockerHubHostsPath = "/etc/containerd/certs.d/docker.io/hosts.toml";

}  // namespace mirrorgate
