#include "registry/registry_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/files.h"

namespace mirrorgate {

RegistryConfig load_registry_config(const std::filesystem::path& file) {
  auto text = read_file_if_exists(file);
  if (!text) throw bad_input(file.string(), 0, "registry config not found");
  return parse_registry_config(*text, file);
}

RegistryConfig parse_registry_config(const std::string& text, const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw bad_input(file.string(), e.mark.line + 1, "malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw bad_input(file.string(), 1, "expected a distribution config (a YAML mapping)");
  RegistryConfig config;
  config.file = file;
  try {
    if (auto proxy = root["proxy"]; proxy && proxy.IsMap() && proxy["remoteurl"]) {
      config.proxy_remote_url = proxy["remoteurl"].as<std::string>();
      if (proxy["username"]) config.proxy_username = proxy["username"].as<std::string>();
      if (proxy["password"]) config.proxy_password = proxy["password"].as<std::string>();
    }
    if (auto http = root["http"]; http && http.IsMap()) {
      if (auto addr = http["addr"]) {
        auto value = addr.as<std::string>();
        auto colon = value.rfind(':');
        try {
          config.listen_port = std::stoi(value.substr(colon == std::string::npos ? 0 : colon + 1));
        } catch (const std::exception&) {
          throw bad_input(file.string(), addr.Mark().line + 1, "http.addr '" + value + "' has no port");
        }
      }
      config.tls = bool(http["tls"]);
    }
    if (auto fs = root["storage"]["filesystem"]; fs && fs["rootdirectory"]) {
      config.root_directory = fs["rootdirectory"].as<std::string>();
    }
    if (auto proxy = root["proxy"]; proxy && proxy.IsMap() && proxy["ttl"]) {
      const auto ttl = proxy["ttl"];
      config.proxy_ttl_text = ttl.as<std::string>();
      config.proxy_ttl_source = file.string() + ":" + std::to_string(ttl.Mark().line + 1);
      config.proxy_ttl_seconds = parse_go_duration_seconds(config.proxy_ttl_text);
      if (!config.proxy_ttl_seconds) {
        throw bad_input(file.string(), ttl.Mark().line + 1,
                        "proxy.ttl '" + config.proxy_ttl_text + "' is not a duration (e.g. 0, 168h, 30m)");
      }
    }
    if (auto del = root["storage"]["delete"]; del && del.IsMap() && del["enabled"]) {
      config.delete_enabled = del["enabled"].as<bool>();
      config.delete_source = file.string() + ":" + std::to_string(del["enabled"].Mark().line + 1);
    }
  } catch (const YAML::Exception& e) {
    throw bad_input(file.string(), e.mark.line + 1, e.msg);
  }
  return config;
}

bool proxy_scheduler_runs(const RegistryConfig& config, const std::string& generation) {
  return generation == "2.8" || !config.proxy_ttl_seconds || *config.proxy_ttl_seconds > 0;
}

std::optional<double> parse_go_duration_seconds(const std::string& raw) {
  std::string text = raw;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  if (text.empty()) return std::nullopt;
  double sign = 1;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    sign = text[0] == '-' ? -1 : 1;
    i = 1;
  }
  // A bare integer: YAML's int into time.Duration, nanoseconds.
  if (i < text.size() && std::all_of(text.begin() + static_cast<long>(i), text.end(),
                                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return sign * std::stod(text.substr(i)) / 1e9;
  }
  if (text.substr(i) == "0") return 0.0;
  static const std::pair<const char*, double> units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"\u00b5s", 1e-6},
                                                          {"ms", 1e-3}, {"s", 1},     {"m", 60},
                                                          {"h", 3600}};
  double total = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return std::nullopt;
    double number = 0;
    try {
      number = std::stod(text.substr(start, i - start));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    bool matched = false;
    // Longest unit first where two share a prefix ("ms" before "m").
    for (const auto& [unit, scale] : units) {
      const std::string u = unit;
      if (text.compare(i, u.size(), u) == 0 && !(u == "m" && text.compare(i, 2, "ms") == 0)) {
        total += number * scale;
        i += u.size();
        matched = true;
        break;
      }
    }
    if (!matched) return std::nullopt;
  }
  return sign * total;
}

RegistryConfig with_environment(RegistryConfig config, const std::map<std::string, std::string>& environment) {
  auto value = [&](const char* key) -> const std::string* {
    auto it = environment.find(key);
    return it == environment.end() ? nullptr : &it->second;
  };
  if (const auto* url = value("REGISTRY_PROXY_REMOTEURL")) config.proxy_remote_url = *url;
  if (const auto* user = value("REGISTRY_PROXY_USERNAME")) config.proxy_username = *user;
  if (const auto* password = value("REGISTRY_PROXY_PASSWORD")) config.proxy_password = *password;
  if (const auto* root = value("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY")) config.root_directory = *root;
  if (const auto* ttl = value("REGISTRY_PROXY_TTL")) {
    config.proxy_ttl_text = *ttl;
    config.proxy_ttl_source = "REGISTRY_PROXY_TTL";
    config.proxy_ttl_seconds = parse_go_duration_seconds(*ttl);
  }
  if (const auto* del = value("REGISTRY_STORAGE_DELETE_ENABLED")) {
    // distribution reads the variable as YAML: true, True, TRUE, yes… are true.
    std::string v = *del;
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    config.delete_enabled = v == "true" || v == "yes" || v == "on" || v == "y";
    config.delete_source = "REGISTRY_STORAGE_DELETE_ENABLED";
  }
  if (const auto* addr = value("REGISTRY_HTTP_ADDR")) {
    const auto colon = addr->rfind(':');
    try {
      config.listen_port = std::stoi(addr->substr(colon == std::string::npos ? 0 : colon + 1));
    } catch (const std::exception&) {
      // distribution refuses it too; keep the file's port
    }
  }
  return config;
}

}  // namespace mirrorgate
