#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "core/error.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "core/wait.h"
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
  // The shell execs into sleep: the handle knows both programs.
  auto handle = start_daemon({{"sh", "-c", "echo started; exec sleep 60"}, dir / "out.log", dir / "err.log", {}, {"sleep"}});
  EXPECT_GT(handle.pid, 0);
  EXPECT_NE(handle.start_time, 0u);
  ASSERT_EQ(handle.exes.size(), 2u);
  EXPECT_TRUE(is_running(handle));
  ASSERT_TRUE(wait_for([&](std::string&) { return read_file_if_exists(dir / "out.log").value_or("") == "started\n"; }, 5s));
  EXPECT_TRUE(is_running(handle));
  // Without the program it execs into, the same process is not provably the
  // daemon — once it has exec'd: "started" is written just before the exec.
  DaemonHandle shell_only{handle.pid, handle.start_time, {handle.exes.front()}};
  EXPECT_TRUE(wait_for([&](std::string&) { return !is_running(shell_only); }, 5s))
      << "a handle that knows only sh still counts the process that exec'd into sleep as the daemon";
  EXPECT_TRUE(stop_daemon(handle, 2s));
  EXPECT_FALSE(is_running(handle));
  EXPECT_EQ(process_start_time(handle.pid), 0u) << "stop_daemon left the daemon running";
  // A recycled pid with another start time is not ours.
  DaemonHandle stale{::getpid(), 1, {}};
  EXPECT_FALSE(is_running(stale));
  std::filesystem::remove_all(dir);
}

TEST(Process, ACtrlCStopsALongCommandAtOnceWhenAsked) {
  // In a child process of its own: the interruption flag is process-wide.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    install_interrupt_handlers();
    std::thread ctrl_c([] {
      std::this_thread::sleep_for(300ms);
      ::kill(::getpid(), SIGINT);
    });
    const auto started = std::chrono::steady_clock::now();
    int code = 1;
    try {
      (void)run({"sleep", "30"}, {.timeout = 60s, .stop_on_interrupt = true});
    } catch (const Interrupted&) {
      code = std::chrono::steady_clock::now() - started < 10s ? 0 : 2;
    } catch (...) {
      code = 3;
    }
    ctrl_c.join();
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the command ran to its end; 2: it stopped late; 3: another error";
}
