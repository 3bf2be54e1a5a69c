// Progress of a long step (a pull, a prewarm): on a terminal one live line
// that redraws ("kind-worker  docker.io/library/mongo:7  42.1 MB  3.2 s");
// elsewhere (CI logs) a plain line every `plain_every`, so a slow step still
// shows it is alive without filling the log.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace mirrorgate {

bool stderr_is_terminal();

// "42.1 MB" (decimal units, as registries and Docker report sizes).
std::string format_bytes(std::uint64_t bytes);

struct ProgressOptions {
  std::chrono::milliseconds redraw{250};           // terminal refresh
  std::chrono::milliseconds plain_every{10'000};   // a line in CI logs
  bool terminal = stderr_is_terminal();
};

class Progress {
 public:
  // `bytes_done` is called from the progress thread; 0 total = unknown.
  Progress(std::string what, std::function<std::uint64_t()> bytes_done, std::uint64_t bytes_total = 0,
           ProgressOptions options = {});
  ~Progress();  // stops and clears the live line; the caller prints the result
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // What the line says now (also what the plain lines print).
  std::string line() const;

 private:
  void loop();

  std::string what_;
  std::function<std::uint64_t()> bytes_done_;
  std::uint64_t bytes_total_;
  ProgressOptions options_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mirrorgate
