// Where a lab node's containerd keeps its images (its --root: content store
// and snapshots). On disk, most of a verify's CPU time went to the kernel
// writing and syncing what the nodes pulled (containerd fsyncs each blob it
// commits); in memory the same pulls cost about a quarter less CPU and the
// whole verify about 15 % less time (measured 2026-12-05: 26.5 s against
// 22.6 s on 2 cores). What the scenarios assert does not depend on it:
// containerd fetches, verifies, stores and unpacks the same bytes either
// way. A node's root is its disk, gone with the node (`down` removes it
// either way), so memory is its natural lifetime too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "images/test_images.h"

namespace mirrorgate::local {

struct NodeStorageChoice {
  bool in_memory = false;
  std::string why;  // for the log: what was asked, what the nodes may hold, what is available
};

// "memory" and "disk" as asked; "auto": memory when what every node may
// hold (each test image fetched and unpacked, twice its layers' bytes, plus
// room for the scenarios' own small images) fits in a quarter of the
// memory available now (MemAvailable).
NodeStorageChoice choose_node_storage(const std::string& asked, size_t nodes, const std::vector<TestImageSpec>& images,
                                      std::optional<std::uint64_t> mem_available);
// MemAvailable of /proc/meminfo in bytes; nullopt where it cannot be read.
std::optional<std::uint64_t> memory_available();

// The file system type mounted exactly at `path` (the last such mount), if any.
std::optional<std::string> mount_type_at(const std::filesystem::path& path);
// Every mount point of this process's mount namespace, in mount order.
std::vector<std::filesystem::path> mount_points();

// A tmpfs of the node's own at `root` (mode 0700). Throws naming the path.
void mount_node_root(const std::filesystem::path& root);
// Unmounts the tmpfs at `root` when one is mounted there; lazily when it is
// still busy. Throws naming the path when neither works.
void unmount_node_root(const std::filesystem::path& root);

// A tmpfs of `bytes` at dir (the lab's small disk, for the cache-full
// scenario), and its removal: only a tmpfs there is unmounted.
void mount_small_disk(const std::filesystem::path& dir, std::uint64_t bytes);
void unmount_small_disk(const std::filesystem::path& dir);

}  // namespace mirrorgate::local
