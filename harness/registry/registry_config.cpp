#include "registry/registry_config.h"

#include <yaml-cpp/yaml.h>

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
  } catch (const YAML::Exception& e) {
    throw bad_input(file.string(), e.mark.line + 1, e.msg);
  }
  return config;
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
