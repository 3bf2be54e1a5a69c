// Errors a user can fix carry their own exit code; anything else is a bug or
// an environment failure and exits 1.
#pragma once

#include <stdexcept>
#include <string>

namespace mirrorgate {

enum class ExitCode : int {
  ok = 0,
  failure = 1,               // a check failed or the lab could not be brought up
  bad_input = 2,             // a malformed file or flag; the message names it
  missing_prerequisite = 3,  // not root, a missing package or command
};

class UserError : public std::runtime_error {
 public:
  UserError(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// "FILE:LINE: what is wrong" — the shape editors and CI annotate.
inline UserError bad_input(const std::string& file, int line, const std::string& what) {
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line);
  return UserError(ExitCode::bad_input, where + ": " + what);
}

inline UserError missing_prerequisite(const std::string& what) {
  return UserError(ExitCode::missing_prerequisite, what);
}

}  // namespace mirrorgate
