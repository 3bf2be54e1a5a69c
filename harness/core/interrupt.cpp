#include "core/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "core/error.h"

namespace mirrorgate {

namespace {

std::atomic<int> g_signals{0};

void on_signal(int sig) {
  if (g_signals.fetch_add(1) >= 1) {
    // The second signal: the user wants out now.
    constexpr char msg[] = "\nmirrorgate: interrupted twice; exiting without cleanup (run `mirrorgate down`)\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(128 + sig);
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() { return g_signals.load() > 0; }

void throw_if_interrupted(const std::string& step) {
  if (interrupt_requested()) throw Interrupted(step);
}

}  // namespace mirrorgate
