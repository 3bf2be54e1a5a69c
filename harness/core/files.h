// Small file helpers: whole-file reads and crash-safe writes.
#pragma once

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

std::string sha256_hex(const std::string& data);
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace mirrorgate
