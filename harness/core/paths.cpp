#include "core/paths.h"

#include <cstdlib>
#include <system_error>

#include "core/error.h"

namespace mirrorgate {

namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : "";
}

}  // namespace

fs::path executable_path() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot read /proc/self/exe: " + ec.message());
  return exe;
}

std::optional<fs::path> find_data_dir() {
  if (auto dir = env_or_empty("MIRRORGATE_DATA_DIR"); !dir.empty()) return fs::path(dir);
  const fs::path exe_dir = executable_path().parent_path();
  // bin/mirrorgate and libexec/mirrorgate/* both lead to share/mirrorgate.
  for (const auto& candidate : {exe_dir.parent_path() / "share" / "mirrorgate",
                                exe_dir.parent_path().parent_path() / "share" / "mirrorgate"}) {
    std::error_code ec;
    if (fs::is_directory(candidate / "kind", ec)) return candidate;
  }
  return std::nullopt;
}

fs::path data_dir() {
  if (auto dir = find_data_dir()) return *dir;
  const fs::path exe_dir = executable_path().parent_path();
  throw missing_prerequisite("mirrorgate's shipped files are not beside " + exe_dir.string() +
                             " (expected ../share/mirrorgate); reinstall with `cmake --install`, or set "
                             "MIRRORGATE_DATA_DIR to the directory holding kind/, registry/ and fixtures/");
}

fs::path shipped_file(const std::string& relative) { return data_dir() / relative; }

fs::path libexec_file(const std::string& name) {
  if (auto dir = env_or_empty("MIRRORGATE_LIBEXEC_DIR"); !dir.empty()) return fs::path(dir) / name;
  const fs::path exe_dir = executable_path().parent_path();
  for (const auto& candidate : {exe_dir.parent_path() / "libexec" / "mirrorgate" / name, exe_dir / name}) {
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate;
  }
  throw missing_prerequisite(name + " is not in " + (exe_dir.parent_path() / "libexec" / "mirrorgate").string() +
                             "; reinstall with `cmake --install`, or set MIRRORGATE_LIBEXEC_DIR");
}

fs::path default_state_dir() {
  if (auto dir = env_or_empty("MIRRORGATE_STATE"); !dir.empty()) return dir;
  return "/var/lib/mirrorgate";
}

}  // namespace mirrorgate
