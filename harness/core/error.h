// The error vocabulary. Errors a user can fix carry their own exit code
// (UserError: bad input 2, missing prerequisite 3); an interruption is an
// error of its own; anything else is an environment failure or a bug and
// exits 1 (ExitCode::failure) with its message.
#pragma once

#include <stdexcept>
#include <string>

namespace mirrorgate {

enum class ExitCode : int {
  ok = 0,
  failure = 1,               // a check failed or the environment could not be brought up
  bad_input = 2,             // a malformed file or flag; the message names it
  missing_prerequisite = 3,  // not root, a missing package or command
};

inline int to_int(ExitCode code) { return static_cast<int>(code); }

// Only for what the user can fix: bad input or a missing prerequisite.
class UserError : public std::runtime_error {
 public:
  UserError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {
    if (code != ExitCode::bad_input && code != ExitCode::missing_prerequisite) {
      throw std::logic_error("UserError is for exit codes 2 and 3 only: " + message);
    }
  }
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// SIGINT or SIGTERM arrived while a long step ran; the step unwound and
// removed what it had created.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(const std::string& during)
      : std::runtime_error("interrupted during " + during + "; what it had created was removed") {}
};

// "FILE:LINE: what is wrong" — the shape editors and CI annotate.
inline UserError bad_input(const std::string& file, int line, const std::string& what) {
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line);
  return UserError(ExitCode::bad_input, where + ": " + what);
}

inline UserError bad_flag(const std::string& flag, const std::string& what) {
  return UserError(ExitCode::bad_input, flag + ": " + what);
}

inline UserError missing_prerequisite(const std::string& what) {
  return UserError(ExitCode::missing_prerequisite, what);
}

// The exit code an error stands for.
inline ExitCode exit_code_of(const std::exception& e) {
  if (const auto* user = dynamic_cast<const UserError*>(&e)) return user->code();
  return ExitCode::failure;
}

}  // namespace mirrorgate
