// The rule every parser's fuzz target checks: for any input, the parser
// returns, or throws the project's bad-input error (UserError, exit code 2,
// naming the file). Anything else — another exception, a crash, a sanitizer
// report, a hang — is a bug. Each target is built twice: with libFuzzer
// (ci/fuzz.sh, clang, ASan and UBSan) and, with replay_main.cpp, as a
// program the test command runs over the corpus (a regression run of
// seconds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>

#include "core/error.h"

namespace mirrorgate::fuzz {

inline std::string text_of(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz: contract broken: %s\n", what.c_str());
  std::abort();
}

// Runs `parse`; only the project's bad-input error may leave it.
inline void bad_input_only(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const UserError& e) {
    if (e.code() != ExitCode::bad_input) bug(std::string("UserError that is not bad input: ") + e.what());
  } catch (const std::exception& e) {
    bug(std::string("exception other than bad input: ") + e.what());
  }
}

}  // namespace mirrorgate::fuzz
