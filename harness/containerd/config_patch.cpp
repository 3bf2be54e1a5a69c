#include "containerd/config_patch.h"

#include <toml++/toml.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "containerd/toml_input.h"
#include "core/error.h"

namespace mirrorgate {

namespace {

int config_version(const toml::table& t) { return static_cast<int>(t["version"].value_or<int64_t>(0)); }

// RFC 7386 on TOML: tables merge recursively; values (arrays included) replace.
void merge_into(toml::table& target, const toml::table& patch) {
  for (const auto& [key, value] : patch) {
    if (const auto* patch_table = value.as_table()) {
      if (auto* existing = target[key].as_table()) {
        merge_into(*existing, *patch_table);
        continue;
      }
    }
    target.insert_or_assign(key, value);
  }
}

toml::table parse_patch(const ConfigPatch& patch) {
  try {
    return toml::parse(patch.toml);
  } catch (const toml::parse_error& e) {
    // The source is "FILE:LINE" of the patch's first line; point at the line
    // inside it that is wrong.
    std::string file = patch.source;
    int line = 0;
    if (auto colon = patch.source.rfind(':'); colon != std::string::npos) {
      file = patch.source.substr(0, colon);
      try {
        line = std::stoi(patch.source.substr(colon + 1));
      } catch (const std::exception&) {
        file = patch.source;
      }
    }
    int error_line = static_cast<int>(e.source().begin.line);
    throw bad_input(file, line > 0 ? line + error_line - 1 : 0,
                    "containerdConfigPatches entry is not valid TOML: " + std::string(e.description()));
  }
}

}  // namespace

PatchedConfig apply_containerd_patches(const std::string& base_toml, const std::vector<ConfigPatch>& patches) {
  toml::table config;
  try {
    config = toml::parse(base_toml);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error("base containerd config is not valid TOML: " + std::string(e.description()));
  }
  PatchedConfig result;
  result.version = config_version(config);
  if (result.version == 0) throw std::runtime_error("failed to detect containerd config version of the base config");
  for (const auto& patch : patches) {
    toml::table patch_table = parse_patch(patch);
    int patch_version = config_version(patch_table);
    if (patch_version != 0 && patch_version != result.version) {
      result.skipped.push_back(patch.source + ": patch sets version = " + std::to_string(patch_version) +
                               " but the node's containerd config is version " +
                               std::to_string(result.version) + "; kind skips it without a warning");
      continue;
    }
    merge_into(config, patch_table);
  }
  std::ostringstream out;
  out << config << "\n";
  result.toml = out.str();
  return result;
}

RegistrySettings registry_settings(const std::string& config_toml, const std::string& source) {
  toml::table config = parse_toml_input(config_toml, source, "containerd's config is not valid TOML");
  RegistrySettings settings;
  settings.source = source;
  // containerd 1.x (version 2) and 2.x (version 3) keep the registry table
  // under different plugin names.
  for (const char* plugin : {"io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images"}) {
    auto registry = config["plugins"][plugin]["registry"];
    if (!registry) continue;
    if (auto path = registry["config_path"].value<std::string>()) settings.config_path = *path;
    if (const auto* mirrors = registry["mirrors"].as_table()) {
      for (const auto& [host, _] : *mirrors) settings.mirror_hosts.emplace_back(host.str());
    }
  }
  return settings;
}

std::optional<RegistrySettings> registry_settings_from_cri_info(const std::string& config_json) {
  RegistrySettings settings;
  settings.source = "CRI Status info[config]";
  auto config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object() || !config.contains("registry") || !config["registry"].is_object()) return std::nullopt;
  const auto& registry = config["registry"];
  if (registry.contains("configPath") && registry["configPath"].is_string()) settings.config_path = registry["configPath"];
  if (registry.contains("mirrors") && registry["mirrors"].is_object()) {
    for (const auto& [host, _] : registry["mirrors"].items()) settings.mirror_hosts.push_back(host);
  }
  return settings;
}

std::string kind_base_containerd_config() {
  // kind's node image config (images/base/files/etc/containerd/config.toml),
  // less base_runtime_spec: the lab runs no containers and has no
  // cri-base.json, which the CRI plugin would otherwise fail to load.
  return R"(# explicitly use v2 config format
version = 2

[plugins."io.containerd.grpc.v1.cri".containerd]
  # save disk space when using a single snapshotter
  discard_unpacked_layers = true
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.7"
  tolerate_missing_hugepages_controller = true
  restrict_oom_score_adj = false
)";
}

}  // namespace mirrorgate
