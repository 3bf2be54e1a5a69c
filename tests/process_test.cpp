#include <gtest/gtest.h>

#include <chrono>

#include "process/process.h"

using namespace mirrorgate;
using namespace std::chrono_literals;

TEST(Process, RunCollectsOutputAndExitCode) {
  auto r = run({"sh", "-c", "echo out; echo err >&2; exit 3"}, {.check = false});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(Process, FailedCommandThrowsWithItsStderr) {
  try {
    run({"sh", "-c", "echo broken >&2; exit 1"});
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos);
    EXPECT_EQ(e.result().exit_code, 1);
  }
}

TEST(Process, TimeoutStopsTheWholeProcessGroup) {
  auto start = std::chrono::steady_clock::now();
  // The child ignores TERM, so the group needs the KILL after the grace.
  auto r = run({"sh", "-c", "trap '' TERM; sleep 30 & wait"}, {.timeout = 300ms, .kill_grace = 300ms, .check = false});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, 10s);
}

TEST(Process, MissingCommandSaysWhatToInstall) {
  try {
    run({"no-such-command-mirrorgate"});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-command-mirrorgate"), std::string::npos);
  }
}

TEST(Process, DaemonRunsUntilStoppedAndIsReaped) {
  char tmpl[] = "/tmp/mirrorgate-proc-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  auto handle = start_daemon({{"sh", "-c", "echo started; exec sleep 60"}, dir / "out.log", dir / "err.log", {}});
  EXPECT_GT(handle.pid, 0);
  EXPECT_NE(handle.start_time, 0u);
  EXPECT_TRUE(is_running(handle));
  EXPECT_TRUE(stop_daemon(handle, 2s));
  EXPECT_FALSE(is_running(handle));
  // A recycled pid with another start time is not ours.
  DaemonHandle stale{::getpid(), 1};
  EXPECT_FALSE(is_running(stale));
  std::filesystem::remove_all(dir);
}
