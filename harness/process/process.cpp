#include "process/process.h"

#include "core/error.h"

#include "core/interrupt.h"

#include <algorithm>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <future>
#include <mutex>
#include <sstream>

#include "core/files.h"
#include "core/wait.h"

namespace mirrorgate {

namespace bp = boost::process;

namespace {

std::string summarize(const std::string& text, size_t limit = 2000) {
  if (text.size() <= limit) return text;
  return "…" + text.substr(text.size() - limit);
}

bp::environment environment_with(const std::map<std::string, std::string>& extra) {
  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : extra) env[key] = value;
  return env;
}

boost::filesystem::path find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  auto found = bp::search_path(name);
  if (found.empty()) {
    throw std::runtime_error("command not found: " + name + " (is its package installed? run ci/setup.sh)");
  }
  return found;
}

// Held while a child is made: Boost.Process's pipes are made without
// O_CLOEXEC, and a child forked by another thread meanwhile would hold the
// write end of this one's output, so that reading it waits for that other
// child to end (seen: a lab beside another waited 18 s on `ip netns add`
// until the first lab's scenario process ended). The parent's copy of the
// write end is closed before the constructor returns.
std::mutex& spawn_mutex() {
  static std::mutex m;
  return m;
}

// Runs in the child between fork and exec.
struct NewProcessGroup {
  template <class Executor>
  void operator()(Executor&) const { ::setpgid(0, 0); }
};

struct NewSession {
  template <class Executor>
  void operator()(Executor&) const { ::setsid(); }
};

}  // namespace

std::string join_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a.find_first_of(" \t\"'") == std::string::npos ? a : "'" + a + "'";
  }
  return out;
}

CommandError::CommandError(const std::vector<std::string>& argv, const RunResult& result)
    : std::runtime_error([&] {
        std::ostringstream msg;
        msg << "command failed: " << join_argv(argv) << " — ";
        if (result.timed_out) msg << "timed out";
        else if (result.signal) msg << "killed by signal " << result.signal;
        else msg << "exit code " << result.exit_code;
        if (!result.err.empty()) msg << "\n" << summarize(result.err);
        else if (!result.out.empty()) msg << "\n" << summarize(result.out);
        return msg.str();
      }()),
      result_(result) {}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run: empty argv");
  boost::asio::io_context io;
  boost::asio::steady_timer timer(io);
  std::future<std::string> out;
  std::future<std::string> err;
  RunResult result;
  bool exited = false;

  std::vector<std::string> args(argv.begin() + 1, argv.end());
  auto on_exit = [&](int code, const std::error_code&) {
    exited = true;
    result.exit_code = code;
    timer.cancel();
  };
  std::unique_lock spawning(spawn_mutex());
  bp::child child = options.passthrough
      // Stays in our process group: a Ctrl-C in the terminal reaches it too.
      ? bp::child(find_program(argv[0]), bp::args(args), bp::std_in < bp::null, environment_with(options.extra_env), io,
                  bp::on_exit = on_exit)
      : bp::child(find_program(argv[0]), bp::args(args), bp::std_in < bp::null, bp::std_out > out, bp::std_err > err,
                  environment_with(options.extra_env), io, bp::extend::on_exec_setup = NewProcessGroup{},
                  bp::on_exit = on_exit);
  spawning.unlock();
  // Signal the child's own group, or just the child when it shares ours.
  const pid_t target = options.passthrough ? child.id() : -child.id();

  std::function<void(const boost::system::error_code&)> on_timeout;
  int stage = 0;
  on_timeout = [&](const boost::system::error_code& ec) {
    if (ec || exited) return;
    result.timed_out = true;
    ::kill(target, stage == 0 ? SIGTERM : SIGKILL);
    if (stage++ == 0) {
      timer.expires_after(options.kill_grace);
      timer.async_wait(on_timeout);
    }
  };
  timer.expires_after(options.timeout);
  timer.async_wait(on_timeout);
  // The command runs in a group of its own, so the terminal's Ctrl-C does not
  // reach it: when asked to, pass the interruption on.
  boost::asio::steady_timer watch(io);
  bool interrupted = false;
  std::function<void(const boost::system::error_code&)> on_watch = [&](const boost::system::error_code& ec) {
    if (ec || exited) return;
    if (interrupt_requested() && !interrupted) {
      interrupted = true;
      ::kill(target, SIGTERM);
      timer.expires_after(options.kill_grace);  // then KILL, as on a timeout
      timer.async_wait(on_timeout);
      stage = 1;
      return;
    }
    watch.expires_after(std::chrono::milliseconds(100));
    watch.async_wait(on_watch);
  };
  if (options.stop_on_interrupt) {
    watch.expires_after(std::chrono::milliseconds(100));
    watch.async_wait(on_watch);
  }
  io.run();
  child.wait();
  // Boost reports a signal's number as the exit code; a shell reports 128 + it.
  if (const int status = child.native_exit_code(); WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + result.signal;
  } else if (!exited) {
    result.exit_code = child.exit_code();
  }
  if (!options.passthrough) {
    result.out = out.get();
    result.err = err.get();
  }
  if (interrupted) throw Interrupted(join_argv(argv));
  if (options.check && !result.ok()) throw CommandError(argv, result);
  return result;
}

unsigned long long process_start_time(pid_t pid) {
  auto stat = read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  // The command name (field 2) may hold spaces; fields after it follow ')'.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat->substr(close + 2));
  std::string field;
  char state = 0;
  rest >> state;
  if (state == 'Z' || state == 'X') return 0;
  // Fields 4..21 lie between the state (3) and starttime (22).
  for (int i = 4; i <= 21; ++i) rest >> field;
  unsigned long long start = 0;
  rest >> start;
  return start;
}

DaemonHandle start_daemon(const DaemonSpec& spec) {
  if (spec.argv.empty()) throw std::invalid_argument("start_daemon: empty argv");
  for (const auto& log : {spec.stdout_log, spec.stderr_log}) {
    std::filesystem::create_directories(log.parent_path());
  }
  // Close-on-exec: the daemon gets them as its stdout and stderr, no other child gets them.
  FILE* out = std::fopen(spec.stdout_log.c_str(), "ae");
  FILE* err = std::fopen(spec.stderr_log.c_str(), "ae");
  if (!out || !err) {
    if (out) std::fclose(out);
    if (err) std::fclose(err);
    throw std::runtime_error("cannot open log files under " + spec.stdout_log.parent_path().string());
  }
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  // A session of its own: the daemon outlives this process and a Ctrl-C in
  // the user's terminal does not reach it; `down` stops it by process group.
  std::unique_lock spawning(spawn_mutex());
  bp::child child(find_program(spec.argv[0]), bp::args(args), bp::std_in < bp::null,
                  bp::std_out > out, bp::std_err > err, environment_with(spec.extra_env),
                  bp::extend::on_exec_setup = NewSession{});
  spawning.unlock();
  std::fclose(out);
  std::fclose(err);
  DaemonHandle handle{child.id(), 0, {}};
  child.detach();
  handle.start_time = process_start_time(handle.pid);
  const auto resolved = [](const std::string& name) {
    const std::filesystem::path found = find_program(name).string();
    std::error_code ec;
    auto path = std::filesystem::canonical(found, ec);
    return ec ? found : path;
  };
  handle.exes.push_back(resolved(spec.argv[0]));
  for (const auto& program : spec.execs) handle.exes.push_back(resolved(program));
  return handle;
}

namespace {

// /proc/PID/exe; a binary replaced since it started reads "PATH (deleted)".
std::filesystem::path executable_of(pid_t pid) {
  std::error_code ec;
  std::string exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
  if (ec) return {};
  constexpr std::string_view deleted = " (deleted)";
  if (exe.size() > deleted.size() && exe.compare(exe.size() - deleted.size(), deleted.size(), deleted) == 0) {
    exe.resize(exe.size() - deleted.size());
  }
  return exe;
}

// Signals the daemon's process group only when it leads one, else the pid alone.
void signal_daemon(pid_t pid, int sig) {
  if (::getpgid(pid) == pid && pid != ::getpgrp()) ::kill(-pid, sig);
  ::kill(pid, sig);
}

}  // namespace

bool is_running(const DaemonHandle& handle) {
  if (handle.pid <= 1 || handle.pid == ::getpid() || handle.start_time == 0 || handle.exes.empty()) return false;
  // Reap it if it is our own exited child, so it does not linger as a zombie.
  int status = 0;
  ::waitpid(handle.pid, &status, WNOHANG);
  if (process_start_time(handle.pid) != handle.start_time) return false;
  const auto exe = executable_of(handle.pid);
  return !exe.empty() && std::find(handle.exes.begin(), handle.exes.end(), exe) != handle.exes.end();
}

bool stop_daemon(const DaemonHandle& handle, std::chrono::milliseconds grace) {
  if (!is_running(handle)) return true;
  signal_daemon(handle.pid, SIGTERM);
  // Gone once no live process has its pid and start time (a zombie reads 0).
  // Not is_running: while a process exits its executable reads as nothing,
  // so it no longer looks like the daemon before it has ended.
  auto gone = [&](std::string&) { return process_start_time(handle.pid) != handle.start_time; };
  bool stopped = bool(wait_for(gone, grace));
  if (!stopped && is_running(handle)) {
    signal_daemon(handle.pid, SIGKILL);
    stopped = bool(wait_for(gone, std::chrono::seconds(5)));
  }
  // It may have turned zombie between two checks: reap it if it is ours.
  int status = 0;
  ::waitpid(handle.pid, &status, WNOHANG);
  return stopped;
}

bool kill_daemon(const DaemonHandle& handle) {
  if (!is_running(handle)) return true;
  signal_daemon(handle.pid, SIGKILL);
  auto gone = [&](std::string&) { return process_start_time(handle.pid) != handle.start_time; };
  const bool stopped = bool(wait_for(gone, std::chrono::seconds(5)));
  int status = 0;
  ::waitpid(handle.pid, &status, WNOHANG);
  return stopped;
}

std::filesystem::path program_path(const std::string& name) { return find_program(name).string(); }

}  // namespace mirrorgate
