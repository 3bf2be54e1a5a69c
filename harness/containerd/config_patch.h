// containerd config.toml as kind builds it: the node image's base config with
// every containerdConfigPatches entry merged in (JSON merge patch semantics:
// tables merge key by key, anything else replaces). As in kind, a patch whose
// `version` differs from the base's is skipped without a word — the harness
// reports it instead, since that is how a config_path patch silently vanishes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mirrorgate {

struct ConfigPatch {
  std::string toml;
  std::string source;  // where it came from, e.g. "kind/kind-config-x86.yaml:38"
};

struct PatchedConfig {
  std::string toml;                  // the merged config.toml
  int version = 0;                   // the base's config version
  std::vector<std::string> skipped;  // one line per skipped patch, with the reason
};

// Throws UserError(bad_input) naming the patch's source line for TOML errors.
PatchedConfig apply_containerd_patches(const std::string& base_toml,
                                       const std::vector<ConfigPatch>& patches);

// The registry settings of a config.toml that decide where pulls go.
struct RegistrySettings {
  std::string config_path;                  // empty: hosts.toml files are ignored
  std::vector<std::string> mirror_hosts;    // legacy `mirrors` entries (conflict with config_path)
  std::string source;                       // where the settings were read
  // config_path was unset and the daemon uses its default (containerd 2.2
  // and later): with_generation_defaults.
  bool config_path_defaulted = false;
};
// Throws UserError(bad_input) naming `source` when the text is not TOML.
RegistrySettings registry_settings(const std::string& config_toml, const std::string& source = "config.toml");
// From CRI Status(verbose) info["config"] (JSON). containerd 1.x puts the
// registry settings there; 2.x reports its runtime config without them:
// nullopt then, and `containerd config dump` is where to read them.
std::optional<RegistrySettings> registry_settings_from_cri_info(const std::string& config_json);

// config.toml of a kind node image (containerd 1.x, version 2), as the lab
// uses for its nodes.
std::string kind_base_containerd_config();

}  // namespace mirrorgate
