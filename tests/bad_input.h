// Checks the promise every parser makes about bad input: a UserError with
// exit code 2 whose message starts with FILE:LINE (or contains `expected`).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.h"

namespace mirrorgate {

// The message of the bad-input error `parse` throws ("" when it throws none).
inline std::string bad_input_message(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const UserError& e) {
    EXPECT_EQ(e.code(), ExitCode::bad_input) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError for bad input";
  return "";
}

}  // namespace mirrorgate
