// mirrorgate cache ls: what each cache holds, read off its storage.
#include <iostream>

#include "backends/backends.h"
#include "cache/inventory.h"
#include "cli/command.h"
#include "core/error.h"

namespace mirrorgate {

namespace {

struct CacheFlags {
  bool json = false;
  std::vector<std::filesystem::path> data_dirs;  // empty: the caches of the environment in --state
};

// The storage roots to read: the ones given, else every cache of the
// environment that is up (kind-registry's first).
std::vector<std::pair<std::string, std::filesystem::path>> caches_to_read(const CacheFlags& flags,
                                                                          const GlobalOptions& global) {
  std::vector<std::pair<std::string, std::filesystem::path>> out;
  for (const auto& d : flags.data_dirs) out.emplace_back(d.string(), d);
  if (!out.empty()) return out;
  auto state = load_state(global.state_dir);
  if (!state) {
    throw bad_flag("--data-dir", "nothing is up in " + global.state_dir.string() +
                                     "; give the cache's directory, e.g. --data-dir ./registry-data (what "
                                     "registry/setup-registry.sh mounts at kind-registry's /var/lib/registry)");
  }
  const auto env = environment_for(*state);
  for (const auto& registry : env->cached_registries()) out.emplace_back(registry, env->registry_data_of(registry));
  return out;
}

int list_caches(const CacheFlags& flags, const GlobalOptions& global) {
  const auto caches = caches_to_read(flags, global);
  nlohmann::json all = nlohmann::json::array();
  const auto now = std::chrono::system_clock::now();
  for (const auto& [name, dir] : caches) {
    const auto inventory = take_inventory(RegistryStorage(dir));
    if (flags.json) {
      auto j = inventory_json(inventory);
      j["cache"] = name;
      all.push_back(j);
    } else {
      if (caches.size() > 1) std::cout << "== " << name << "\n";
      std::cout << inventory_text(inventory, now) << (caches.size() > 1 ? "\n" : "");
    }
  }
  if (flags.json) std::cout << all.dump(2) << "\n";
  return to_int(ExitCode::ok);
}

}  // namespace

Action define_cache(CLI::App& cmd, const GlobalOptions& global) {
  auto flags = std::make_shared<CacheFlags>();
  cmd.require_subcommand(1);
  auto* ls = cmd.add_subcommand("ls", "list what each cache holds: repositories, tags, bytes (own and shared with "
                                      "other repositories), when each was last pulled by tag, the disk it is on");
  ls->add_flag("--json", flags->json, "print it as JSON");
  ls->add_option("--data-dir", flags->data_dirs,
                 "a cache's storage directory (./registry-data of setup-registry.sh, or any registry's "
                 "/var/lib/registry); repeat for several; default: every cache of the environment in --state")
      ->check(CLI::ExistingDirectory);
  ls->footer("\nRead-only: it reads the storage and changes nothing, so it is safe while kind-registry runs.\n"
             "LAST PULLED BY TAG is when a node last pulled a tag of it while the upstream answered (distribution\n"
             "rewrites the tag's link then); pulls by digest and offline pulls leave no trace there.");
  return [flags, &global] { return list_caches(*flags, global); };
}

}  // namespace mirrorgate
