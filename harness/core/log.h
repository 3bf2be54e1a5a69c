// Progress lines for people: one logger, plain lines, to stderr.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

namespace mirrorgate {

// Call once from main; `verbose` shows debug lines (commands run, waits).
void init_logging(bool verbose);

// The environment variable that carries `verbose` to the harness's child
// processes (the scenarios, the benchmarks): "1" when set.
inline constexpr const char* kVerboseVariable = "MIRRORGATE_VERBOSE";
bool verbose_logging();
// For a child process of the harness: init_logging with the parent's verbosity.
void init_logging_from_environment();

// Logs at debug how long its scope took: "WHAT: N ms" (also when it throws).
class DebugTimer {
 public:
  explicit DebugTimer(std::string what) : what_(std::move(what)) {}
  DebugTimer(const DebugTimer&) = delete;
  DebugTimer& operator=(const DebugTimer&) = delete;
  ~DebugTimer() {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
    spdlog::debug("{}: {} ms", what_, ms.count());
  }

 private:
  std::string what_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Now in UTC, e.g. "20261128T011905Z": run ids and the names of run directories.
std::string utc_stamp();

}  // namespace mirrorgate
