// mirrorgate cache ls: what each cache holds, read off its storage.
#include <iostream>
#include <sstream>

#include "backends/backends.h"
#include "cache/inventory.h"
#include "cache/prune.h"
#include "core/log.h"
#include "process/process.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/interrupt.h"

namespace mirrorgate {

namespace {

struct CacheFlags {
  bool json = false;
  std::vector<std::filesystem::path> data_dirs;  // empty: the caches of the environment in --state
  // prune
  std::filesystem::path keep;
  std::string max_size, older_than, registry = kDockerIo;
  bool dry_run = false;
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

// The running Docker containers that mount `dir`: a registry serving it.
std::vector<std::string> containers_serving(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  RunResult ids;
  try {
    ids = run({"docker", "ps", "-q"}, {.timeout = std::chrono::seconds(20), .check = false});
  } catch (const std::exception&) {
    return out;  // no Docker here: no container serves it
  }
  if (!ids.ok()) return out;
  std::error_code ec;
  const auto wanted = std::filesystem::weakly_canonical(dir, ec);
  std::istringstream in(ids.out);
  for (std::string id; in >> id;) {
    const auto m = run({"docker", "inspect", "-f", "{{.Name}}{{range .Mounts}} {{.Source}}{{end}}", id},
                       {.timeout = std::chrono::seconds(20), .check = false});
    std::istringstream fields(m.out);
    std::string name, source;
    fields >> name;
    while (fields >> source) {
      if (std::filesystem::weakly_canonical(source, ec) == wanted) out.push_back(name.substr(name.rfind('/') + 1));
    }
  }
  return out;
}

int prune_caches(const CacheFlags& flags, const GlobalOptions& global) {
  PruneOptions options;
  const auto keep = read_keep_list(flags.keep);
  try {
    if (!flags.max_size.empty()) options.max_size = parse_cache_size(flags.max_size);
  } catch (const std::invalid_argument& e) {
    throw bad_flag("--max-size", e.what());
  }
  try {
    if (!flags.older_than.empty()) options.older_than = parse_age(flags.older_than);
  } catch (const std::invalid_argument& e) {
    throw bad_flag("--older-than", e.what());
  }
  struct Target {
    std::string registry;
    std::filesystem::path root;
    Sweep sweep;
  };
  std::vector<Target> targets;
  std::shared_ptr<Environment> env;
  if (!flags.data_dirs.empty()) {
    for (const auto& d : flags.data_dirs) {
      if (!flags.dry_run) {
        if (const auto serving = containers_serving(d); !serving.empty()) {
          throw bad_flag("--data-dir " + d.string(),
                         "the running container " + serving.front() + " serves it; a prune needs its registry stopped: `docker stop " +
                             serving.front() + "`, prune, `docker start " + serving.front() +
                             "` (or bring it up as an environment and prune with --state)");
        }
      }
      targets.push_back({flags.registry, d, [d](const std::function<void()>& step) {
                           return garbage_collect_stopped_storage(d, step);
                         }});
    }
  } else {
    for (const auto& [registry, dir] : caches_to_read(flags, global)) {
      if (!env) env = environment_for(*load_state(global.state_dir));
      targets.push_back({registry, dir, [env, registry = registry](const std::function<void()>& step) {
                           return env->garbage_collect_of(registry, step);
                         }});
    }
  }
  // A Ctrl-C or SIGTERM does not cut a prune between stopping a cache and
  // starting it again: the one under way finishes (its cache serving again),
  // the rest are not begun. A second one exits at once (core/interrupt).
  if (!flags.dry_run) install_interrupt_handlers();
  nlohmann::json all = nlohmann::json::array();
  int code = to_int(ExitCode::ok);
  for (const auto& t : targets) {
    throw_if_interrupted("cache prune (the caches pruned so far serve again)");
    PruneOptions mine = options;
    std::vector<std::string> elsewhere;
    for (const auto& ref : keep) {
      if (ref.domain == t.registry) {
        mine.keep.push_back(ref);
      } else {
        elsewhere.push_back(ref.str());
      }
    }
    if (!flags.json) {
      std::cout << (targets.size() > 1 ? "== " + t.registry + " (" + t.root.string() + ")\n" : "");
      if (!flags.dry_run && env) spdlog::info("stopping the cache of {} for garbage-collect; it starts again after", t.registry);
    }
    const auto outcome = prune_cache(RegistryStorage(t.root), mine, flags.dry_run, t.sweep);
    const std::uint64_t freed = outcome.measured_before - std::min(outcome.measured_before, outcome.measured_after);
    if (flags.json) {
      auto j = prune_json(outcome.plan);
      j["cache"] = t.registry;
      j["data_dir"] = t.root.string();
      j["dry_run"] = flags.dry_run;
      j["keep_list_elsewhere"] = elsewhere;
      if (!flags.dry_run) {
        j["measured_bytes_freed"] = freed;
        j["garbage_collect"] = outcome.garbage_collect;
      }
      all.push_back(j);
    } else {
      std::cout << prune_text(outcome.plan, flags.dry_run);
      if (!elsewhere.empty()) std::cout << elsewhere.size() << " image(s) of the keep list are of other registries (not this cache's)\n";
      if (!flags.dry_run) {
        std::cout << "garbage-collect: " << outcome.garbage_collect << "\n"
                  << "blob bytes on disk: " << outcome.measured_before << " -> " << outcome.measured_after
                  << " (freed " << freed << ")\n";
      }
    }
    if (!flags.dry_run && freed != outcome.plan.bytes_freed()) {
      spdlog::warn("{}", t.registry + ": garbage-collect freed " + std::to_string(freed) + " bytes, the plan said " +
               std::to_string(outcome.plan.bytes_freed()) + " (did something pull while it ran?)");
    }
    if (outcome.plan.above_max_size) code = to_int(ExitCode::failure);
  }
  if (flags.json) std::cout << all.dump(2) << "\n";
  return code;
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
  auto* prune = cmd.add_subcommand(
      "prune", "remove the images outside a keep list, least recently pulled first, and let distribution's own "
               "garbage-collect delete the blobs nothing kept names");
  prune->add_option("--keep", flags->keep, "the images to keep: an images list as prewarm reads it (one reference per line, "
                                           "'#' comments), e.g. AIOpsLab's kind/images.txt")
      ->required()
      ->check(CLI::ExistingFile);
  prune->add_option("--max-size", flags->max_size,
                    "remove images outside the keep list, least recently pulled first, only until the cache's blobs "
                    "take at most this (50GB, 500MiB, 1.5T)");
  prune->add_option("--older-than", flags->older_than,
                    "remove images outside the keep list last pulled longer ago than this (30d, 2w, 12h)");
  prune->add_flag("--dry-run", flags->dry_run, "print what would go and the bytes garbage-collect would free; change nothing");
  prune->add_flag("--json", flags->json, "print it as JSON");
  prune->add_option("--data-dir", flags->data_dirs,
                    "a cache's storage directory no running registry serves (./registry-data of setup-registry.sh "
                    "after `docker stop kind-registry`); default: every cache of the environment in --state")
      ->check(CLI::ExistingDirectory);
  prune->add_option("--registry", flags->registry,
                    "with --data-dir: the registry that cache mirrors, whose images of the keep list it holds")
      ->default_str(kDockerIo);
  prune->footer(
      "\nWith neither --max-size nor --older-than, every image outside the keep list goes. With both, an image\n"
      "outside the keep list goes when it is older, and then more go, least recently pulled first, while the\n"
      "cache is above the size. Images of the keep list always stay, with every blob they need.\n"
      "\n"
      "A real prune stops the cache (the lab's daemon, the kind backend's container), plans again, removes the\n"
      "links of what goes (tags, manifest revisions, whole repositories), runs `registry garbage-collect` with\n"
      "the config the cache runs, and starts it again. Stopped at any point, the cache still holds every kept\n"
      "image; run the prune again to finish. Then `mirrorgate verify --images FILE` shows them offline-ready.\n"
      "Exit status 1 when the kept images alone are above --max-size.\n"
      "\n"
      "  mirrorgate cache prune --keep kind/images.txt --dry-run\n"
      "  mirrorgate cache prune --keep kind/images.txt --max-size 50GB --older-than 30d\n");
  return [flags, &global, prune] {
    if (prune->parsed()) return prune_caches(*flags, global);
    return list_caches(*flags, global);
  };
}

}  // namespace mirrorgate
