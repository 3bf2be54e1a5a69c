#include "containerd/generations.h"

#include <cstdlib>

#include <toml++/toml.h>

#include "core/error.h"

namespace mirrorgate {

namespace fs = std::filesystem;

const std::vector<KindRelease>& kind_releases() {
  // Source: CONTAINERD_VERSION in kubernetes-sigs/kind images/base/Dockerfile
  // at each release tag (v0.26.0 … v0.32.0). Older releases ship 1.6 (up to
  // v0.19) and 1.7 (v0.20 on); later ones 2.x.
  static const std::vector<KindRelease> releases = {
      {"v0.26.0", "1.7.24"}, {"v0.27.0", "2.0.2"}, {"v0.28.0", "2.1.0"}, {"v0.29.0", "2.1.1"},
      {"v0.30.0", "2.1.4"},  {"v0.31.0", "2.2.0"}, {"v0.32.0", "2.3.1"},
      // kind's main moved to 2.3.4 a week before v0.33.0 (PR #4237); its tag
      // was not read here.
      {"v0.33.0", "2.3.4 (likely)"},
  };
  return releases;
}

const std::vector<NodeGeneration>& node_generations() {
  static const std::vector<NodeGeneration> generations = {
      {"1.6", "1.6.20", "Debian 12's package", "kind v0.19 and earlier", false, "ci/setup.sh"},
      {"1.7", "1.7.24", "Debian trixie's package", "kind v0.20 to v0.26", false, "ci/fetch-containerd.sh"},
      {"2.1", "2.1.9", "Debian sid's package", "kind v0.27 to v0.30", true, "ci/fetch-containerd.sh"},
      {"2.2", "2.2.7", "the source containerd-2.2.7.tar.gz", "kind v0.31", true, "ci/build-containerd.sh"},
      {"2.3", "2.3.4", "the source containerd-2.3.4.tar.gz", "kind v0.32 and v0.33", true, "ci/build-containerd.sh"},
  };
  return generations;
}

const NodeGeneration& generation_named(const std::string& name) {
  std::string choices;
  for (const auto& g : node_generations()) {
    if (g.name == name) return g;
    choices += (choices.empty() ? "" : ", ") + g.name + " (" + g.stands_for + ")";
  }
  throw bad_flag("--containerd " + name, "expected one of " + choices);
}

fs::path generation_bin_dir(const NodeGeneration& g) {
  if (g.name == "1.6") return "/usr/bin";  // Debian 12's own containerd package
  const char* cache = std::getenv("MIRRORGATE_CONTAINERD_CACHE");
  return fs::path(cache && *cache ? cache : "/var/cache/mirrorgate/containerd") / g.name / "usr/bin";
}

bool generation_available(const NodeGeneration& g) {
  std::error_code ec;
  return fs::exists(generation_bin_dir(g) / "containerd", ec);
}

const NodeGeneration& newest_available_generation() {
  const auto& all = node_generations();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (generation_available(*it)) return *it;
  }
  throw missing_prerequisite("no containerd for the lab's nodes: install Debian's containerd (ci/setup.sh), "
                             "ci/fetch-containerd.sh for 1.7 and 2.1, ci/build-containerd.sh for 2.2 and 2.3");
}

std::string generation_for_version(const std::string& v) {
  if (v.rfind("1.6", 0) == 0 || v.rfind("1.5", 0) == 0) return "1.6";
  if (v.rfind("1.7", 0) == 0) return "1.7";
  if (v.rfind("2.0", 0) == 0 || v.rfind("2.1", 0) == 0) return "2.1";
  if (v.rfind("2.2", 0) == 0) return "2.2";
  return "2.3";
}

namespace {

constexpr const char* kDefaultConfigPath = "/etc/containerd/certs.d:/etc/docker/certs.d";

struct RegistryTables {
  std::string config_path;
  bool mirrors = false;
  bool tls_configs = false;
};

// One plugin's registry table of a parsed config.
RegistryTables registry_of(const toml::table& config, const char* plugin) {
  RegistryTables r;
  auto registry = config["plugins"][plugin]["registry"];
  if (!registry) return r;
  r.config_path = registry["config_path"].value_or(std::string());
  if (const auto* mirrors = registry["mirrors"].as_table()) r.mirrors = !mirrors->empty();
  if (const auto* configs = registry["configs"].as_table()) {
    for (const auto& [host, c] : *configs) {
      if (const auto* t = c.as_table(); t && t->contains("tls")) r.tls_configs = true;
    }
  }
  return r;
}

GenerationVerdict verdict_1x(const NodeGeneration& g, const toml::table& config) {
  const auto cri = registry_of(config, "io.containerd.grpc.v1.cri");
  const auto images = registry_of(config, "io.containerd.cri.v1.images");
  GenerationVerdict v{g.name, g.stands_for, false, ""};
  if (cri.config_path.empty()) {
    v.why = images.config_path.empty()
                ? "no config_path: hosts.toml is ignored"
                : "config_path is set under io.containerd.cri.v1.images, containerd 2.x's plugin name, which containerd " +
                      g.name + " does not read: hosts.toml is ignored";
  } else if (cri.mirrors) {
    v.why = "its CRI plugin refuses `mirrors` beside config_path and does not load: nothing pulls";
  } else if (cri.tls_configs) {
    v.why = "its CRI plugin refuses registry.configs.*.tls beside config_path (`configs.tls` cannot be set when "
            "`config_path` is provided) and does not load: nothing pulls";
  } else {
    v.ok = true;
    v.why = "reads config_path " + cri.config_path;
  }
  return v;
}

GenerationVerdict verdict_2x(const NodeGeneration& g, const toml::table& config) {
  // A version-2 file is migrated: io.containerd.grpc.v1.cri's registry
  // becomes io.containerd.cri.v1.images'; a table already under the new
  // name is read as it is.
  const auto cri = registry_of(config, "io.containerd.grpc.v1.cri");
  const auto images = registry_of(config, "io.containerd.cri.v1.images");
  const std::string path = images.config_path.empty() ? cri.config_path : images.config_path;
  GenerationVerdict v{g.name, g.stands_for, false, ""};
  // Since v2.2.0 the CRI image plugin sets config_path to
  // /etc/containerd/certs.d:/etc/docker/certs.d at init when the config
  // has neither config_path nor legacy mirrors (plugins/cri/images/plugin.go;
  // `containerd config dump` still prints it empty).
  const bool defaults_path = g.name >= "2.2";
  if (path.empty() && defaults_path && !cri.mirrors && !images.mirrors) {
    v.ok = true;
    v.why = "reads " + std::string(kDefaultConfigPath) +
            " by default: containerd " + g.name + " sets config_path there when the config sets neither it nor "
            "legacy mirrors, so the kind config's patch is not needed (and harmless)";
  } else if (path.empty()) {
    v.why = "no config_path after migrating the config to version 3: hosts.toml is ignored" +
            std::string(defaults_path && (cri.mirrors || images.mirrors)
                            ? " (legacy mirrors are set, so containerd " + g.name + " does not default it either)"
                            : "");
  } else if (cri.mirrors || images.mirrors) {
    v.why = "its CRI plugin refuses `mirrors` beside config_path and does not load: nothing pulls";
  } else {
    v.ok = true;
    v.why = "reads config_path " + path + ((cri.tls_configs || images.tls_configs)
                                                ? " (and silently ignores registry.configs.*.tls)"
                                                : "");
  }
  return v;
}

}  // namespace

RegistrySettings with_generation_defaults(RegistrySettings s, const std::string& generation) {
  if (generation >= "2.2" && s.config_path.empty() && s.mirror_hosts.empty()) {
    s.config_path = kDefaultConfigPath;
    s.config_path_defaulted = true;
    s.source += " (config_path unset: containerd " + generation + " uses its default)";
  }
  return s;
}

std::vector<GenerationVerdict> registry_verdicts(const std::string& merged_config_toml) {
  toml::table config;
  try {
    config = toml::parse(merged_config_toml);
  } catch (const toml::parse_error&) {
    return {};
  }
  std::vector<GenerationVerdict> out;
  for (const auto& g : node_generations()) out.push_back(g.major2 ? verdict_2x(g, config) : verdict_1x(g, config));
  return out;
}

std::optional<NodeImageMatch> generation_of_node_image(const std::string& image) {
  // The default node images of the kind releases whose binaries this
  // project read (`strings` of Debian's kind 0.27.0 and 0.33.0 packages).
  struct Known {
    const char* digest;
    const char* release;
    const char* containerd;
  };
  static const Known known[] = {
      {"sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f", "v0.27.0", "2.0.2"},
      {"sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5", "v0.33.0", "2.x (newer than 2.3.1)"},
  };
  const auto at = image.find("@sha256:");
  if (at == std::string::npos) return std::nullopt;
  const std::string digest = image.substr(at + 1);
  for (const auto& k : known) {
    if (digest == k.digest) return NodeImageMatch{k.release, k.containerd, generation_for_version(k.containerd)};
  }
  return std::nullopt;
}

}  // namespace mirrorgate
