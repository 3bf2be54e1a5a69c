#include "backends/local/node_storage.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "core/files.h"

namespace mirrorgate::local {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
// What a node holds beyond the test images: the scenarios' own small images,
// containerd's metadata database.
constexpr std::uint64_t kNodeSlack = 256 * kMiB;

std::string mib(std::uint64_t bytes) { return std::to_string(bytes / kMiB) + " MiB"; }

// /proc/mounts writes a space, tab, newline and backslash as \040, \011, \012, \134.
std::string unescape_mount_field(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string digits = field.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(digits, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

struct MountEntry {
  fs::path target;
  std::string type;
};

std::vector<MountEntry> mount_table() {
  std::vector<MountEntry> out;
  std::istringstream lines(read_file_if_exists("/proc/self/mounts").value_or(""));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string source, target, type;
    if (words >> source >> target >> type) out.push_back({unescape_mount_field(target), type});
  }
  return out;
}

}  // namespace

NodeStorageChoice choose_node_storage(const std::string& asked, size_t nodes, const std::vector<TestImageSpec>& images,
                                      std::optional<std::uint64_t> mem_available) {
  if (asked == "memory") return {true, "node storage: memory (--node-storage memory)"};
  if (asked == "disk") return {false, "node storage: disk (--node-storage disk)"};
  // A node fetches one platform of each image: its layers once compressed
  // (incompressible test data: about their size) and once unpacked.
  std::uint64_t per_node = kNodeSlack;
  for (const auto& spec : images) {
    for (const auto bytes : spec.layer_sizes) per_node += 2 * bytes;
  }
  const std::uint64_t need = per_node * nodes;
  if (!mem_available) {
    return {false, "node storage: disk (the memory available is unknown; the nodes may hold " + mib(need) + ")"};
  }
  const bool fits = need <= *mem_available / 4;
  return {fits, std::string("node storage: ") + (fits ? "memory" : "disk") + " (the " + std::to_string(nodes) +
                    " nodes may hold " + mib(need) + (fits ? ", within" : ", more than") + " a quarter of the " +
                    mib(*mem_available) + " available)"};
}

std::optional<std::uint64_t> memory_available() {
  std::istringstream lines(read_file_if_exists("/proc/meminfo").value_or(""));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string key, unit;
    std::uint64_t value = 0;
    if (words >> key >> value >> unit && key == "MemAvailable:" && unit == "kB") return value * 1024;
  }
  return std::nullopt;
}

std::optional<std::string> mount_type_at(const fs::path& path) {
  std::optional<std::string> type;
  for (const auto& m : mount_table()) {
    if (m.target == path) type = m.type;
  }
  return type;
}

std::vector<fs::path> mount_points() {
  std::vector<fs::path> out;
  for (auto& m : mount_table()) out.push_back(std::move(m.target));
  return out;
}

void mount_node_root(const fs::path& root) {
  fs::create_directories(root);
  if (::mount("mirrorgate-node", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0) {
    throw std::runtime_error("cannot mount a tmpfs at " + root.string() + ": " + std::strerror(errno) +
                             " (use --node-storage disk)");
  }
}

void unmount_node_root(const fs::path& root) {
  if (mount_type_at(root) != "tmpfs") return;
  if (::umount2(root.c_str(), 0) == 0) return;
  // Still busy (a process of the node's that outlived containerd): detach it
  // from the tree now; the kernel frees it when the last user goes.
  if (errno == EBUSY && ::umount2(root.c_str(), MNT_DETACH) == 0) return;
  throw std::runtime_error("cannot unmount the tmpfs at " + root.string() + ": " + std::strerror(errno));
}

void mount_small_disk(const fs::path& dir, std::uint64_t bytes) {
  fs::create_directories(dir);
  if (mount_type_at(dir) == "tmpfs") unmount_node_root(dir);
  const std::string options = "mode=0755,size=" + std::to_string(bytes);
  if (::mount("mirrorgate-small-disk", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    throw std::runtime_error("cannot mount a tmpfs at " + dir.string() + ": " + std::strerror(errno));
  }
}

void unmount_small_disk(const fs::path& dir) { unmount_node_root(dir); }

}  // namespace mirrorgate::local
