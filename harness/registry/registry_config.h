// What the harness needs to know of a distribution config file, checked for
// the mistakes that make kind-registry useless as a Docker Hub cache.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace mirrorgate {

struct RegistryConfig {
  std::filesystem::path file;
  std::optional<std::string> proxy_remote_url;  // nullopt: not a pull-through cache
  int listen_port = 5000;                       // from http.addr
  std::string root_directory;                   // storage.filesystem.rootdirectory
  bool tls = false;                             // http.tls set: serves HTTPS
  std::string proxy_username;                   // proxy.username: the Docker Hub account it pulls as
  std::string proxy_password;                   // proxy.password; kept in memory only, never printed
  // The cache's lifecycle. distribution's proxy schedules every blob and
  // manifest it fetches for deletion proxy.ttl after it fetched it (unset:
  // 168 h; 0 or less: never, registry 3; registry 2.8 ignores the key and
  // always uses 168 h), and the deletion only happens when
  // storage.delete.enabled is true.
  std::optional<double> proxy_ttl_seconds;  // nullopt: unset
  std::string proxy_ttl_text;               // as written: "168h", "0"
  std::string proxy_ttl_source;             // "FILE:LINE" or "REGISTRY_PROXY_TTL"
  bool delete_enabled = false;
  std::string delete_source;                // "FILE:LINE" or "REGISTRY_STORAGE_DELETE_ENABLED"; empty: unset
};

// Whether distribution's proxy scheduler runs at all: registry 2.8
// (`generation` "2.8") always runs it (168 h); registry 3 unless proxy.ttl
// is 0 or less.
bool proxy_scheduler_runs(const RegistryConfig& config, const std::string& generation);

// A Go duration as distribution's YAML reads one into time.Duration: a
// string ("168h", "1h30m", "10s", "0") or a bare integer, which counts
// nanoseconds. nullopt when it is neither.
std::optional<double> parse_go_duration_seconds(const std::string& text);

// distribution reads REGISTRY_<SECTION>_<KEY> variables over its config
// file (kind's docs start a pull-through cache with
// -e REGISTRY_PROXY_REMOTEURL=…): the config as the registry runs it.
// kind-registry-front (registry/kind-registry-front.conf): nginx between
// kind-registry and Docker Hub that fetches each digest once for a herd.
// A registry config whose remoteurl names it runs behind it.
inline constexpr const char* kRegistryFrontHost = "kind-registry-front";
inline constexpr const char* kRegistryFrontUrl = "http://kind-registry-front:5002";
inline constexpr int kRegistryFrontPort = 5002;
// The front at an address of it, as the harness reaches it.
inline std::string registry_front_url(const std::string& address) {
  return "http://" + address + ":" + std::to_string(kRegistryFrontPort);
}
inline bool proxies_through_front(const RegistryConfig& c) {
  return c.proxy_remote_url && *c.proxy_remote_url == kRegistryFrontUrl;
}

RegistryConfig with_environment(RegistryConfig config, const std::map<std::string, std::string>& environment);

// Throws UserError(bad_input) naming the file and line for malformed YAML or
// an unusable http.addr.
RegistryConfig load_registry_config(const std::filesystem::path& file);
RegistryConfig parse_registry_config(const std::string& text, const std::filesystem::path& file);

}  // namespace mirrorgate
