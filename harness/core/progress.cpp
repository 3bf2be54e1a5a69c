#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace mirrorgate {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_bytes(std::uint64_t bytes) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  if (bytes >= 1'000'000'000) o << bytes / 1e9 << " GB";
  else if (bytes >= 1'000'000) o << bytes / 1e6 << " MB";
  else o << bytes / 1e3 << " kB";
  return o.str();
}

Progress::Progress(std::string what, std::function<std::uint64_t()> bytes_done, std::uint64_t bytes_total,
                   ProgressOptions options)
    : what_(std::move(what)), bytes_done_(std::move(bytes_done)), bytes_total_(bytes_total), options_(options) {
  thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (options_.terminal) std::fprintf(stderr, "\r\033[K");
}

std::string Progress::line() const {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::uint64_t done = bytes_done_ ? bytes_done_() : 0;
  std::ostringstream o;
  o << what_ << "  " << format_bytes(done);
  if (bytes_total_) o << " / " << format_bytes(bytes_total_);
  o << "  " << std::fixed << std::setprecision(1) << seconds << " s";
  if (seconds > 0.5 && done) o << "  " << format_bytes(static_cast<std::uint64_t>(done / seconds)) << "/s";
  return o.str();
}

void Progress::loop() {
  const auto every = options_.terminal ? options_.redraw : options_.plain_every;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every, [this] { return stop_; })) {
    const std::string text = line();
    if (options_.terminal) {
      std::fprintf(stderr, "\r\033[K%s", text.c_str());
    } else {
      std::fprintf(stderr, "  ... %s\n", text.c_str());
    }
    std::fflush(stderr);
  }
}

}  // namespace mirrorgate
