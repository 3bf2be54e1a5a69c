// Small file helpers: whole-file reads and crash-safe writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace mirrorgate {

// Throws std::runtime_error naming the path when the file cannot be read.
std::string read_file(const std::filesystem::path& path);
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// Writes to a temporary file beside `path`, then renames it over `path`, so a
// reader never sees half a file. Creates parent directories.
void write_file_atomic(const std::filesystem::path& path, const std::string& content,
                       std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write |
                                                     std::filesystem::perms::group_read |
                                                     std::filesystem::perms::others_read);

// True when `path`, lexically normalized, lies strictly below `dir` (never
// `dir` itself, never through `..`). Both must be absolute.
bool is_strictly_under(const std::filesystem::path& path, const std::filesystem::path& dir);

// Removes the tree at `path` only when it lies strictly under `owner` and no
// directory between them is a symbolic link; a link at `path` itself is
// removed, never followed. Throws naming the path and the reason otherwise.
// What mirrorgate removes as root it must prove it created: its own
// directory holds it.
void remove_owned_tree(const std::filesystem::path& path, const std::filesystem::path& owner);

// As OpenSSH's StrictModes: `dir` must be a real directory (not a link),
// owned by root or the effective user and writable by nobody else, and each
// parent owned by root or the effective user and not writable by group or
// others unless sticky (as /tmp). Throws UserError (bad input) naming the
// first that is not, and the fix. With `create`, makes the missing
// directories (mode 0755) first, refusing to follow a link on the way.
void check_private_dir(const std::filesystem::path& dir, const std::string& flag, bool create = false);

// Makes `dir` (and what is missing above it) a directory that a daemon's
// unprivileged workers can enter: each directory created gets mode 0755
// whatever the umask, and every directory above it must let others search
// it (o+x). Throws UserError (missing prerequisite) naming the first that
// does not, its mode and `who` needs it, and the fix; changes no mode of a
// directory it did not create.
void make_traversable_dir(const std::filesystem::path& dir, const std::string& who);
// The mode of a path as ls prints it in octal ("0700").
std::string octal_mode(const std::filesystem::path& path);

std::string sha256_hex(const std::string& data);
std::string sha256_file_hex(const std::filesystem::path& path);

// The filesystem a path is on: bytes free to an unprivileged writer, and its
// size (statvfs). nullopt when the path cannot be read.
struct DiskSpace {
  std::uint64_t free = 0, total = 0;
};
std::optional<DiskSpace> disk_space(const std::filesystem::path& path);

}  // namespace mirrorgate
