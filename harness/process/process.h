// Process supervision on Boost.Process: commands with a timeout, and daemons
// that outlive the mirrorgate process that started them (the state file keeps
// their pid and start time so a later `down` stops exactly them).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mirrorgate {

struct RunOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // then TERM, grace, KILL
  std::chrono::milliseconds kill_grace{std::chrono::seconds(2)};
  bool check = true;                                // throw CommandError on non-zero exit
  std::map<std::string, std::string> extra_env;     // added to the inherited environment
  // Output goes to this process's stdout/stderr (not collected), and the
  // command stays in our process group, so a Ctrl-C stops both.
  bool passthrough = false;
  // A Ctrl-C (core/interrupt.h) stops the command at once — TERM to its
  // group, KILL after kill_grace — and run() throws Interrupted: for long
  // commands of a step the user may stop (`kind create cluster`).
  bool stop_on_interrupt = false;
};

struct RunResult {
  int exit_code = -1;  // 128 + the signal when a signal ended it, as a shell reports it
  int signal = 0;      // the signal that ended it, if one did
  bool timed_out = false;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

class CommandError : public std::runtime_error {
 public:
  CommandError(const std::vector<std::string>& argv, const RunResult& result);
  const RunResult& result() const { return result_; }

 private:
  RunResult result_;
};

std::string join_argv(const std::vector<std::string>& argv);

// Runs argv[0] (searched in PATH) in its own process group and collects its
// output. On timeout the whole group gets TERM, then KILL after kill_grace.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

struct DaemonSpec {
  std::vector<std::string> argv;
  std::filesystem::path stdout_log;  // appended to, never truncated
  std::filesystem::path stderr_log;
  std::map<std::string, std::string> extra_env;
  // The programs argv[0] may exec into (`ip netns exec NS PROGRAM`, a
  // script's `exec registry serve`): the daemon is any of them, or argv[0].
  std::vector<std::string> execs;
};

// A started daemon: its pid leads its own session and process group. The
// state file records it; mirrorgate signals that pid only while the process
// there started at start_time and runs one of these executables, so a
// reused pid, or a state file naming another process, gets no signal.
struct DaemonHandle {
  pid_t pid = 0;
  unsigned long long start_time = 0;     // /proc/PID/stat field 22, in clock ticks since boot
  std::vector<std::filesystem::path> exes;  // what /proc/PID/exe may show: argv[0], then what it execs
};

DaemonHandle start_daemon(const DaemonSpec& spec);

// True when `handle` names a live (non-zombie) process started at start_time
// that runs the recorded executable; never for pid 1 or below, nor for a
// handle without start time or executable.
bool is_running(const DaemonHandle& handle);

// TERM to the process group, wait up to `grace`, then KILL and wait again.
// Reaps the process when it is our child. Returns true when it is gone.
bool stop_daemon(const DaemonHandle& handle, std::chrono::milliseconds grace = std::chrono::seconds(5));
// SIGKILL at once, as a crash or the OOM killer ends it (no TERM, nothing
// flushed); true once it is gone.
bool kill_daemon(const DaemonHandle& handle);

unsigned long long process_start_time(pid_t pid);

// Where PATH finds `name`; throws naming the package's setup when it is not there.
std::filesystem::path program_path(const std::string& name);

}  // namespace mirrorgate
