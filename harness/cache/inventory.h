// What a cache holds: its repositories with their tags, the bytes each
// links (its own and those shared with other repositories), when each was
// last pulled, and the disk around it. Read off a registry's storage
// (RegistryStorage), changing nothing; `mirrorgate cache ls` prints it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/storage.h"

namespace mirrorgate {

struct CachedRepository {
  std::string name;  // "library/redis"
  std::vector<std::string> tags;
  std::uint64_t bytes = 0;         // every blob and manifest it links
  std::uint64_t shared_bytes = 0;  // of those, linked by another repository too
  std::uint64_t own_bytes() const { return bytes - shared_bytes; }
  // The newest write of a tag's link: the last pull by tag while the
  // upstream answered (offline pulls and pulls by digest leave no trace).
  std::optional<std::chrono::system_clock::time_point> last_pulled;
  size_t uploads = 0;  // upload sessions left in it (an interrupted fetch)
};

struct CacheInventory {
  std::filesystem::path root;
  std::vector<CachedRepository> repositories;  // by name
  size_t blobs = 0;                      // blob files on disk
  std::uint64_t blob_bytes = 0;          // their bytes: what the cache takes
  std::uint64_t unlinked_bytes = 0;      // of those, linked by no repository (garbage-collect frees them)
  std::uint64_t disk_total = 0, disk_free = 0;  // the filesystem it is on
};

// Throws UserError(bad_input) naming the directory when it is not a
// registry's storage (no docker/registry/v2 in it).
CacheInventory take_inventory(const RegistryStorage& storage);

std::chrono::system_clock::time_point to_system_time(std::filesystem::file_time_type t);
std::string utc_text(std::chrono::system_clock::time_point t);       // "2026-12-06T17:00:00Z"
std::string age_text(std::chrono::system_clock::time_point then,   // "3 days ago", "5 h ago", "2 min ago"
                     std::chrono::system_clock::time_point now);

// A table for people: one line per repository, then the totals.
std::string inventory_text(const CacheInventory& inventory, std::chrono::system_clock::time_point now);
nlohmann::json inventory_json(const CacheInventory& inventory);

}  // namespace mirrorgate
