// Where mirrorgate finds its own files at run time: the shipped files
// (kind/, registry/, fixtures/) under PREFIX/share/mirrorgate and its helper
// binaries (the scenario and benchmark binaries) under
// PREFIX/libexec/mirrorgate, relative to the running executable. The build
// tree has the same layout, so nothing is compiled in and an installed copy
// can move. Environment overrides: MIRRORGATE_DATA_DIR, MIRRORGATE_LIBEXEC_DIR.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mirrorgate {

std::filesystem::path executable_path();

// PREFIX/share/mirrorgate; nullopt when it is not there.
std::optional<std::filesystem::path> find_data_dir();
// The same, or UserError(missing_prerequisite) saying how to fix it.
std::filesystem::path data_dir();
// A shipped file, e.g. shipped_file("kind/hosts.toml").
std::filesystem::path shipped_file(const std::string& relative);
// A helper binary, e.g. libexec_file("mirrorgate_scenarios").
std::filesystem::path libexec_file(const std::string& name);

// MIRRORGATE_STATE, else /var/lib/mirrorgate: the one default every command
// and every scenario process uses.
std::filesystem::path default_state_dir();

}  // namespace mirrorgate
