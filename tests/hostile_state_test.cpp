// mirrorgate removes and stops, as root, what its state file names. These
// state files are written by someone else: whatever they name outside the
// lab must survive `down` — nothing removed, nothing signalled.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "backends/backends.h"
#include "backends/local/lab_state.h"
#include "core/error.h"
#include "core/files.h"
#include "env/state.h"
#include "process/process.h"
#include "tests/bad_input.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

namespace {

// A victim: a directory outside the state directory with a file in it.
struct Victim {
  TempDir dir{"victim"};
  fs::path file = dir.path / "keep";
  Victim() { write_file_atomic(file, "must survive\n"); }
  bool intact() const { return fs::exists(file); }
};

RunState hostile_run(const fs::path& state_dir) {
  RunState s;
  s.backend = "local";
  s.state_dir = state_dir;
  s.cluster = "hostile";
  s.created_at = "20261130T101010Z";
  s.complete = true;
  return s;
}

local::LabNode node(const std::string& name) {
  local::LabNode n;
  n.name = name;
  n.role = "control-plane";
  return n;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST(HostileState, PathsOutsideTheStateDirectoryAreNotRemovedEvenWithPurge) {
  TempDir state("hostile-state");
  Victim outside, via_dotdot;
  RunState run = hostile_run(state.path);
  run.registry_data = outside.dir.path;
  run.hub_data = state.path / ".." / via_dotdot.dir.path.filename();
  local::LabState lab;
  lab.host_link = "eth0";
  lab.namespaces = {"..", "cni-not-the-labs"};
  lab.etc_dirs = {"/etc/netns/..", "/etc/netns/../../" + outside.dir.path.relative_path().string()};
  lab.nodes = {node("../" + via_dotdot.dir.path.filename().string()), node("hostile-control-plane")};
  run.backend_state = lab;
  nlohmann::json file = run;
  file["state_dir"] = "/";  // the file's own claim is ignored: the directory it was read from counts
  write_file_atomic(state_file(state.path), file.dump());

  const auto report = take_down(state.path, /*purge=*/true);
  EXPECT_TRUE(outside.intact());
  EXPECT_TRUE(via_dotdot.intact());
  EXPECT_TRUE(fs::exists("/etc/hostname") || fs::exists("/etc/passwd"));
  const auto said = joined(report.leftovers);
  // While a lab runs from another state directory, its network is not even looked at.
  if (said.find("the lab's network belongs to the run in") == std::string::npos) {
    EXPECT_NE(said.find("link eth0, which is not the lab's"), std::string::npos) << said;
    EXPECT_NE(said.find("network namespace cni-not-the-labs, which is not the lab's"), std::string::npos) << said;
  }
  EXPECT_NE(said.find("refusing to remove " + outside.dir.path.string()), std::string::npos) << said;
}

TEST(HostileState, LinksInsideTheStateDirectoryAreRemovedNeverFollowed) {
  TempDir state("hostile-state");
  Victim linked_node, linked_images, below_linked_parent;
  fs::create_directories(state.path / "nodes");
  fs::create_directory_symlink(linked_node.dir.path, state.path / "nodes" / "hostile-control-plane");
  fs::create_directory_symlink(linked_images.dir.path, state.path / "unique-images");
  // A linked parent: STATE/hub -> a directory whose data/keep must survive --purge.
  fs::create_directories(below_linked_parent.dir.path / "data");
  write_file_atomic(below_linked_parent.dir.path / "data" / "keep", "must survive\n");
  fs::create_directory_symlink(below_linked_parent.dir.path, state.path / "hub");
  RunState run = hostile_run(state.path);
  run.hub_data = state.path / "hub" / "data";
  local::LabState lab;
  lab.nodes = {node("hostile-control-plane")};
  run.backend_state = lab;
  save_state(run);

  const auto report = take_down(state.path, /*purge=*/true);
  EXPECT_TRUE(linked_node.intact());
  EXPECT_TRUE(linked_images.intact());
  EXPECT_TRUE(fs::exists(below_linked_parent.dir.path / "data" / "keep"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(state.path / "nodes" / "hostile-control-plane")));
  const auto said = joined(report.leftovers);
  EXPECT_NE(said.find((state.path / "hub").string() + " is not a directory"), std::string::npos) << said;
}

TEST(HostileState, OnlyAProcessWithTheRecordedStartTimeAndExecutableIsSignalled) {
  TempDir state("hostile-state");
  TempDir logs("hostile-logs");
  const auto bystander = start_daemon({{"sleep", "60"}, logs.path / "out", logs.path / "err", {}, {}});
  ASSERT_TRUE(is_running(bystander));
  RunState run = hostile_run(state.path);
  local::LabState lab;
  lab.mirror.daemon = {1, 0, {"/sbin/init"}};                             // pid 1, no start time
  lab.hub.daemon = {bystander.pid, 0, bystander.exes};                    // a daemon stored after it had exited
  lab.hub_front.daemon = {bystander.pid, bystander.start_time, {"/usr/bin/docker-registry"}};  // another program
  auto n = node("hostile-control-plane");
  n.containerd.daemon = {bystander.pid, bystander.start_time + 1, bystander.exes};  // a reused pid
  lab.nodes = {n};
  run.backend_state = lab;
  save_state(run);

  (void)take_down(state.path, false);
  EXPECT_TRUE(is_running(bystander)) << "down signalled a process the lab did not start";
  EXPECT_TRUE(stop_daemon(bystander));
}

TEST(HostileState, PidOneAndHandlesWithoutStartTimeNeverCountAsRunning) {
  std::error_code unreadable_without_root;
  EXPECT_FALSE(is_running({1, process_start_time(1), {fs::read_symlink("/proc/1/exe", unreadable_without_root)}}));
  EXPECT_FALSE(is_running({::getpid(), process_start_time(::getpid()), {fs::read_symlink("/proc/self/exe")}}));
  EXPECT_FALSE(is_running({0, 0, {}}));
}

TEST(HostileState, AStateDirectoryOthersCanWriteIsRefusedSayingHowToFixIt) {
  TempDir state("hostile-state");
  save_state(hostile_run(state.path));
  fs::permissions(state.path, fs::perms::all);
  auto message = bad_input_message([&] { (void)load_state(state.path); });
  EXPECT_NE(message.find(state.path.string() + " is writable by group or others"), std::string::npos) << message;
  EXPECT_NE(message.find("chmod go-w"), std::string::npos) << message;
  message = bad_input_message([&] { (void)take_down(state.path, true); });
  EXPECT_NE(message.find("writable by group or others"), std::string::npos) << message;
  EXPECT_TRUE(fs::exists(state_file(state.path)));
}

TEST(HostileState, AParentOthersCanWriteIsRefusedUnlessSticky) {
  TempDir top("hostile-parent");
  const fs::path state_dir = top.path / "state";
  fs::create_directories(state_dir);
  save_state(hostile_run(state_dir));
  fs::permissions(top.path, fs::perms::all);  // 0777, not sticky: anyone can swap "state"
  auto message = bad_input_message([&] { (void)load_state(state_dir); });
  EXPECT_NE(message.find(top.path.string() + " is writable by group or others"), std::string::npos) << message;
  fs::permissions(top.path, fs::perms::all | fs::perms::sticky_bit);  // as /tmp: entries stay their owners'
  EXPECT_TRUE(load_state(state_dir));
}

TEST(HostileState, AStateDirectoryThatIsALinkIsRefused) {
  TempDir top("hostile-link");
  fs::create_directories(top.path / "real");
  save_state(hostile_run(top.path / "real"));
  fs::create_directory_symlink(top.path / "real", top.path / "link");
  auto message = bad_input_message([&] { (void)load_state(top.path / "link"); });
  EXPECT_NE(message.find((top.path / "link").string() + " is a symbolic link"), std::string::npos) << message;
}

TEST(HostileState, AStateFileThatIsALinkIsRefused) {
  TempDir state("hostile-state");
  TempDir elsewhere("hostile-elsewhere");
  save_state(hostile_run(elsewhere.path));
  fs::create_symlink(state_file(elsewhere.path), state_file(state.path));
  auto message = bad_input_message([&] { (void)load_state(state.path); });
  EXPECT_NE(message.find("not a regular file"), std::string::npos) << message;
}

TEST(HostileState, ATimeStampThatIsAPathIsRefused) {
  TempDir state("hostile-state");
  RunState run = hostile_run(state.path);
  run.created_at = "../../../etc";
  save_state(run);
  auto message = bad_input_message([&] { (void)load_state(state.path); });
  EXPECT_NE(message.find("created_at"), std::string::npos) << message;
}

TEST(OwnedTree, StrictlyUnderMeansBelowAndNeverThroughDotDot) {
  EXPECT_TRUE(is_strictly_under("/var/lib/mirrorgate/nodes/a", "/var/lib/mirrorgate"));
  EXPECT_TRUE(is_strictly_under("/var/lib/mirrorgate/./x", "/var/lib/mirrorgate/"));
  EXPECT_FALSE(is_strictly_under("/var/lib/mirrorgate", "/var/lib/mirrorgate"));
  EXPECT_FALSE(is_strictly_under("/var/lib/mirrorgate/..", "/var/lib/mirrorgate"));
  EXPECT_FALSE(is_strictly_under("/var/lib/mirrorgate/a/../../etc", "/var/lib/mirrorgate"));
  EXPECT_FALSE(is_strictly_under("/var/lib/mirrorgate-other/a", "/var/lib/mirrorgate"));
  EXPECT_FALSE(is_strictly_under("relative/a", "/var/lib/mirrorgate"));
}
