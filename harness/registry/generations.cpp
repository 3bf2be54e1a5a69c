#include "registry/generations.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "process/process.h"

namespace mirrorgate {

namespace fs = std::filesystem;

const std::vector<RegistryGeneration>& registry_generations() {
  static const std::vector<RegistryGeneration> generations = {
      {"2.8", "2.8.2", "registry:2", "/etc/docker/registry/config.yml", "Debian 12's docker-registry package"},
      {"3.1", "3.1.1", "registry:3", "/etc/distribution/config.yml",
       "distribution v3.1.1 built from its source by ci/build-registry.sh"},
  };
  return generations;
}

// Measured best in the lab (docs/registry-generations.md): registry:3 behind
// kind-registry-front fetched every herd once, with no fallback; registry:2
// behind it fell back to Docker Hub on its link race.
const RegistryGeneration& shipped_registry_generation() { return registry_generation_named("3.1"); }

const RegistryGeneration& registry_generation_named(const std::string& name) {
  std::string choices;
  for (const auto& g : registry_generations()) {
    if (g.name == name) return g;
    choices += (choices.empty() ? "" : ", ") + g.name + " (" + g.image + ")";
  }
  throw bad_flag("--registry " + name, "expected one of " + choices);
}

const RegistryGeneration* registry_generation_of_image(const std::string& image) {
  const auto colon = image.rfind(':');
  const auto slash = image.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return nullptr;
  const std::string tag = image.substr(colon + 1);
  for (const auto& g : registry_generations()) {
    const std::string major = g.name.substr(0, g.name.find('.'));
    if (tag == major || tag.rfind(major + ".", 0) == 0) return &g;
  }
  return nullptr;
}

fs::path registry_binary(const RegistryGeneration& g) {
  if (g.name == "2.8") return "/usr/bin/docker-registry";
  const char* cache = std::getenv("MIRRORGATE_REGISTRY_CACHE");
  return fs::path(cache && *cache ? cache : "/var/cache/mirrorgate/registry") / g.name / "registry";
}

bool registry_available(const RegistryGeneration& g) {
  std::error_code ec;
  return fs::exists(registry_binary(g), ec);
}

const RegistryGeneration* newest_available_registry() {
  const auto& all = registry_generations();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (registry_available(*it)) return &*it;
  }
  return nullptr;
}

std::string registry_version_of(const std::string& out) {
  const std::string line = out.substr(0, out.find('\n'));
  const auto space = line.find(' ');
  return space == std::string::npos ? line : line.substr(space + 1);
}

std::string registry_version_line(const std::string& generation, const std::string& out) {
  return "registry " + generation + ": " + registry_version_of(out);
}

std::string registry_generation_line(const std::string& generation, const std::string& note) {
  const auto& shipped = shipped_registry_generation();
  std::string image;
  for (const auto& g : registry_generations()) {
    if (g.name == generation) image = " (" + g.image + ")";
  }
  if (generation == shipped.name) return generation + image + ", the shipped default";
  return generation + image + ", not the shipped default " + shipped.image + ": " +
         (note.empty() ? std::string("the run did not record why") : note);
}

std::string registry_missing_reason(const RegistryGeneration& g) {
  if (g.name == "2.8") return "registry 2.8 needs " + registry_binary(g).string() + ": apt-get install docker-registry";
  std::string out = "registry " + g.name + " (" + g.image + ") is not here: no " + registry_binary(g).string() +
                    "; ci/build-registry.sh obtains it from distribution-" + g.version +
                    ".tar.gz (../shared/third_party/ beside the checkout, or MIRRORGATE_DISTRIBUTION_SOURCE), from a "
                    "local " + g.image + " image (docker pull " + g.image + "), or from distribution's release archive";
  // What it tried when it last ran (ci/build-registry.sh writes it).
  const fs::path tried = registry_binary(g).parent_path().string() + ".missing";
  std::ifstream in(tried);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    std::string said = text.str();
    while (!said.empty() && said.back() == '\n') said.pop_back();
    if (!said.empty()) out += "\n" + said;
  }
  return out;
}

std::string garbage_collect_summary(const std::string& output, size_t lines) {
  std::vector<std::string> kept;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.find("eligible for deletion") != std::string::npos && line.find("blobs marked") != std::string::npos) {
      return line;
    }
    if (line.find_first_not_of(" \t\r") != std::string::npos) kept.push_back(line);
  }
  std::string out;
  for (size_t i = kept.size() > lines ? kept.size() - lines : 0; i < kept.size(); ++i) out += (out.empty() ? "" : " | ") + kept[i];
  return out;
}

std::string run_garbage_collect(const fs::path& binary, const fs::path& config, const fs::path& root,
                                const std::string& who) {
  const std::vector<std::string> argv = {binary.string(), "garbage-collect", config.string()};
  const auto r = run(argv, {.timeout = std::chrono::minutes(30),
                            .check = false,
                            .extra_env = {{"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", root.string()},
                                          {"OTEL_TRACES_EXPORTER", "none"}}});
  if (!r.ok()) {
    throw std::runtime_error(who + ": `" + join_argv(argv) + "` failed (exit " + std::to_string(r.exit_code) +
                             "): " + garbage_collect_summary(r.out + r.err, 6));
  }
  return garbage_collect_summary(r.out + r.err);
}

}  // namespace mirrorgate
