// Shrinking a cache while keeping what the next experiments need.
//
// An image of the cache is a root: a tag of a repository, or a manifest no
// tag and no other stored manifest names (a pull by digest). A prune plans
// which roots go — those outside the keep list: all of them, or those last
// pulled before --older-than, and least recently pulled first while the
// cache is above --max-size — then removes their links (the tag, the
// manifest revisions no kept root reaches, the repository when nothing of
// it stays) and leaves the blobs to distribution's own garbage-collect,
// which deletes every blob no remaining manifest names. The plan counts the
// bytes that sweep frees the way garbage-collect marks (every remaining
// manifest revision and what it names), so a dry run says to the byte what
// the real prune frees. Removing links only ever drops roots outside the
// keep list, and a kept root's manifests, config and layers stay marked: no
// interruption between the steps can take a kept image's blob.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "images/reference.h"
#include "registry/storage.h"

namespace mirrorgate {

struct PruneOptions {
  std::vector<ImageReference> keep;  // of this cache's registry
  std::optional<std::uint64_t> max_size;
  std::optional<std::chrono::seconds> older_than;
};

struct CacheRoot {
  std::string repository;  // "library/redis"
  std::string tag;         // empty for an untagged manifest
  std::string digest;      // what the tag names, or the untagged manifest
  std::optional<std::chrono::system_clock::time_point> last_pulled;
  std::string str() const { return repository + (tag.empty() ? "@" + digest : ":" + tag); }
};

struct PrunePlan {
  std::vector<CacheRoot> kept;        // roots the keep list names
  std::vector<std::string> not_held;  // keep-list entries the cache does not hold (listed, not an error)
  std::vector<CacheRoot> staying;     // roots outside the keep list that the limits let stay
  std::vector<CacheRoot> going;       // in the order chosen (least recently pulled first)
  std::vector<std::string> repositories_going;  // removed whole: nothing of them stays
  std::vector<std::string> empty_repositories;  // layer links and no image (blobs fetched by digest): removed
  std::vector<std::filesystem::path> unlink;    // tag, revision and repository directories to remove
  // Repositories that stay without a _layers directory (a pull that stopped
  // after its manifest): garbage-collect fails on them ("failed to mark:
  // Path not found …/_layers"), so an empty one is made.
  std::vector<std::filesystem::path> make_layers;
  std::uint64_t bytes_before = 0;  // every blob file on disk
  std::uint64_t bytes_after = 0;   // what garbage-collect leaves: the blobs a remaining manifest names
  std::size_t blobs_before = 0, blobs_freed = 0;
  std::uint64_t bytes_freed() const { return bytes_before - bytes_after; }
  bool above_max_size = false;  // the limit could not be met: what stays is still above it
};

// Plans a prune of `storage` (read only). Throws UserError(bad_input) when
// the directory is not a registry's storage.
PrunePlan plan_prune(const RegistryStorage& storage, const PruneOptions& options,
                     std::chrono::system_clock::time_point now);

// Removes the plan's links and makes its empty _layers directories; the
// blobs stay. Returns how many directories it removed. Run only while
// nothing writes the storage.
std::size_t apply_links(const PrunePlan& plan);

// The bytes of every blob file on disk: what the cache takes.
std::uint64_t blob_bytes_on_disk(const RegistryStorage& storage);

// The keep list of a prune: an images list as prewarm reads it (one
// reference per line, '#' comments). Throws UserError(bad_input) naming the
// file and line of a malformed reference.
std::vector<ImageReference> read_keep_list(const std::filesystem::path& file);

// A sweep of one cache: stops it, runs the step it is given (planning and
// unlinking, while nothing writes), runs garbage-collect, starts it again;
// returns garbage-collect's summary (Registries::garbage_collect_of).
using Sweep = std::function<std::string(const std::function<void()>& while_stopped)>;

struct PruneOutcome {
  PrunePlan plan;                  // made while the cache was stopped (the dry run's: while it ran)
  std::size_t links_removed = 0;
  std::uint64_t measured_before = 0, measured_after = 0;  // blob bytes on disk around the sweep
  std::string garbage_collect;     // its summary line
};

// A dry run plans only; a real one plans again inside the sweep, removes the
// links and lets garbage-collect delete the blobs.
PruneOutcome prune_cache(const RegistryStorage& storage, const PruneOptions& options, bool dry_run, const Sweep& sweep);

// A sweep of a storage directory no running registry serves: the lab's
// registry binary (3.1 when built, else 2.8) runs garbage-collect over it
// with a config of just that storage.
std::string garbage_collect_stopped_storage(const std::filesystem::path& root, const std::function<void()>& while_stopped);

// "50GB", "500MiB", "1.5T", "123456" (bytes): throws std::invalid_argument.
std::uint64_t parse_cache_size(const std::string& text);
// "30d", "2w", "12h", "90m", "45s", "1d12h": throws std::invalid_argument.
std::chrono::seconds parse_age(const std::string& text);

std::string prune_text(const PrunePlan& plan, bool dry_run);
nlohmann::json prune_json(const PrunePlan& plan);

}  // namespace mirrorgate
