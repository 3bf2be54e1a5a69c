// wait_for: poll a condition until it holds or a timeout passes. Every wait in
// the harness goes through here and returns a result the caller must check.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace mirrorgate {

struct WaitResult {
  bool ok = false;
  std::chrono::milliseconds waited{0};
  std::string last_error;  // why the condition did not hold at the last try
  explicit operator bool() const { return ok; }
};

// `condition` returns true when done; it may fill `why` with what it saw.
[[nodiscard]] inline WaitResult wait_for(const std::function<bool(std::string& why)>& condition,
                                         std::chrono::milliseconds timeout,
                                         std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  WaitResult result;
  for (;;) {
    std::string why;
    if (condition(why)) {
      result.ok = true;
      break;
    }
    result.last_error = why;
    if (clock::now() - start >= timeout) break;
    std::this_thread::sleep_for(interval);
  }
  result.waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
  return result;
}

}  // namespace mirrorgate
