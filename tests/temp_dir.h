// A directory of a test's own under /tmp, removed with everything in it
// when the test ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace mirrorgate {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& purpose = "test") {
    std::string tmpl = "/tmp/mirrorgate-" + purpose + "-XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace mirrorgate
