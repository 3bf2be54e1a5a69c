#include "containerd/hosts_toml.h"

#include <cstdio>

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "containerd/toml_input.h"
#include "core/error.h"

namespace mirrorgate {

HostsToml parse_hosts_toml(const std::string& text, const std::string& file) {
  toml::table root = parse_toml_input(
      text, file, "hosts.toml is not valid TOML (containerd would ignore the file and pull from the upstream)");
  HostsToml hosts;
  if (auto server = root["server"]) {
    auto value = server.value<std::string>();
    if (!value) throw bad_input(file, static_cast<int>(server.node()->source().begin.line), "server must be a string");
    hosts.server = *value;
  }
  if (auto host_node = root["host"]) {
    const auto* table = host_node.as_table();
    if (!table) throw bad_input(file, static_cast<int>(host_node.node()->source().begin.line), "host must be a table");
    for (const auto& [url, entry_node] : *table) {
      const auto* entry = entry_node.as_table();
      int line = static_cast<int>(entry_node.source().begin.line);
      if (!entry) throw bad_input(file, line, "host.\"" + std::string(url.str()) + "\" must be a table");
      HostEntry host;
      host.url = std::string(url.str());
      host.line = line;
      if (auto caps = (*entry)["capabilities"]) {
        const auto* array = caps.as_array();
        if (!array) throw bad_input(file, line, "capabilities of " + host.url + " must be an array of strings");
        host.capabilities_set = true;
        for (const auto& cap : *array) {
          auto value = cap.value<std::string>();
          if (!value) throw bad_input(file, line, "capabilities of " + host.url + " must be strings");
          host.capabilities.push_back(*value);
        }
      } else {
        host.capabilities = {"pull", "resolve", "push"};
      }
      host.skip_verify = (*entry)["skip_verify"].value_or(false);
      host.override_path = (*entry)["override_path"].value_or(false);
      if (auto dial = (*entry)["dial_timeout"]) {
        const auto value = dial.value<std::string>();
        if (!value) throw bad_input(file, line, "dial_timeout of " + host.url + " must be a duration string such as \"2s\"");
        host.dial_timeout = *value;
      }
      hosts.hosts.push_back(std::move(host));
    }
    // toml++ keeps keys sorted; containerd tries hosts in file order.
    std::stable_sort(hosts.hosts.begin(), hosts.hosts.end(),
                     [](const HostEntry& a, const HostEntry& b) { return a.line < b.line; });
  }
  return hosts;
}

namespace {

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string toml_quoted(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04X", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string render_hosts_toml(const HostsToml& hosts) {
  std::ostringstream out;
  if (hosts.server) out << "server = " << toml_quoted(*hosts.server) << "\n";
  for (const auto& host : hosts.hosts) {
    out << "\n[host." << toml_quoted(host.url) << "]\n";
    if (host.capabilities_set) {
      out << "  capabilities = [";
      for (size_t i = 0; i < host.capabilities.size(); ++i) {
        out << (i ? ", " : "") << toml_quoted(host.capabilities[i]);
      }
      out << "]\n";
    }
    if (host.skip_verify) out << "  skip_verify = true\n";
    if (host.override_path) out << "  override_path = true\n";
    if (!host.dial_timeout.empty()) out << "  dial_timeout = " << toml_quoted(host.dial_timeout) << "\n";
  }
  return out.str();
}

std::vector<std::string> dial_timeout_warnings(const HostsToml& hosts, const std::string& file,
                                               const std::string& generation) {
  std::vector<std::string> out;
  if (generation < "2.1") return out;
  for (const auto& host : hosts.hosts) {
    if (!host.dial_timeout.empty()) continue;
    out.push_back(file + ":" + std::to_string(host.line) + ": [host.\"" + host.url +
                  "\"] has no dial_timeout: when it does not answer (its host down or hung), containerd " + generation +
                  " waits 30 s on every connection to it — the manifest's and each blob's — before it falls back "
                  "(measured: a three-blob image 2 minutes); add `dial_timeout = \"2s\"` under it, as kind/hosts.toml has");
  }
  return out;
}

bool has_capability(const HostEntry& host, const std::string& capability) {
  return std::find(host.capabilities.begin(), host.capabilities.end(), capability) != host.capabilities.end();
}

std::string hosts_directory_for(const std::string& registry_host) {
  return registry_host.empty() ? "docker.io" : registry_host;
}

std::vector<std::string> containerd_host_dirs(const std::string& root, const std::string& registry_host) {
  const std::string host = hosts_directory_for(registry_host);
  std::vector<std::string> out;
  if (const auto colon = host.rfind(':'); colon != std::string::npos && colon > 0) {
    out.push_back(root + "/" + host.substr(0, colon) + "_" + host.substr(colon + 1) + "_");
  }
  out.push_back(root + "/" + host);
  out.push_back(root + "/_default");
  return out;
}

}  // namespace mirrorgate
