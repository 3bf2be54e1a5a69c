// The one bring-up and the backends' table, over a test's own Backend: the
// order of the steps, a save after each, the undo after a failed step, a
// reused run left alone. The real backends are in the scenario tests.
#include <gtest/gtest.h>

#include <stdexcept>

#include "backends/backends.h"
#include "backends/local/lab_state.h"
#include "core/error.h"
#include "core/files.h"
#include "tests/bad_input.h"
#include "tests/fake_environment.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

namespace {

struct Script {
  std::vector<std::string> log;
  bool fail_second_step = false;
  bool reuse = false;
};

class RecordingBringUp final : public BringUp {
 public:
  explicit RecordingBringUp(Script& script) : script_(script) {}
  std::unique_ptr<Environment> reuse_running(const fs::path&) override {
    script_.log.push_back("reuse?");
    return script_.reuse ? std::make_unique<FakeEnvironment>() : nullptr;
  }
  void plan(const fs::path& state_dir) override {
    script_.log.push_back("plan");
    run_.state_dir = state_dir;
    write_file_atomic(state_file(state_dir), "{}\n");
  }
  std::vector<BringUpStep> steps() override {
    return {{"first", [this] { script_.log.push_back("first"); }},
            {"second", [this] {
               script_.log.push_back("second");
               if (script_.fail_second_step) throw std::runtime_error("the second step broke");
             }}};
  }
  void save() override { script_.log.push_back("save"); }
  std::unique_ptr<Environment> finish() override {
    script_.log.push_back("finish");
    return std::make_unique<FakeEnvironment>();
  }
  std::vector<std::string> undo() override {
    script_.log.push_back("undo");
    return {};
  }
  const RunState& state() const override { return run_; }

 private:
  Script& script_;
  RunState run_;
};

class RecordingBackend final : public Backend {
 public:
  explicit RecordingBackend(Script& script) : script_(script) {}
  std::string name() const override { return "recording"; }
  std::string summary() const override { return "a test's"; }
  void validate(const EnvironmentOptions&) const override {}
  void check_prerequisites() const override { script_.log.push_back("prerequisites"); }
  std::unique_ptr<BringUp> read_inputs(const EnvironmentOptions&) const override {
    script_.log.push_back("read inputs");
    return std::make_unique<RecordingBringUp>(script_);
  }
  std::vector<std::string> teardown(const RunState&, bool) const override {
    script_.log.push_back("teardown");
    return {};
  }
  std::vector<std::string> leftovers(const RunState&) const override {
    script_.log.push_back("leftovers");
    return {};
  }
  std::string removed_summary() const override { return "removed"; }
  std::unique_ptr<Environment> attach(RunState state) const override {
    return std::make_unique<FakeEnvironment>(std::move(state));
  }
  std::unique_ptr<Environment> attach_live(const std::string&) const override { return nullptr; }

 private:
  Script& script_;
};

ValidatedOptions options_in(const fs::path& state_dir) {
  auto o = default_options();
  o.state_dir = state_dir;
  return validated(o);
}

std::string joined(const std::vector<std::string>& log) {
  std::string out;
  for (const auto& l : log) out += (out.empty() ? "" : ", ") + l;
  return out;
}

}  // namespace

TEST(BringUp, InputsFirstThenEachStepSavedThenFinished) {
  TempDir state("bring-up");
  Script script;
  auto env = bring_up(RecordingBackend(script), options_in(state.path));
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(joined(script.log), "read inputs, prerequisites, reuse?, plan, first, save, second, save, finish");
}

TEST(BringUp, AFailedStepIsUndoneAndItsStateFileRemoved) {
  TempDir state("bring-up");
  Script script;
  script.fail_second_step = true;
  try {
    (void)bring_up(RecordingBackend(script), options_in(state.path));
    FAIL() << "the failed step's error did not reach the caller";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the second step broke");
  }
  EXPECT_EQ(joined(script.log), "read inputs, prerequisites, reuse?, plan, first, save, second, undo");
  EXPECT_FALSE(fs::exists(state_file(state.path))) << "a failed bring-up left its state file";
}

TEST(BringUp, ARunningRunIsReusedWithoutPlanningOrSteps) {
  TempDir state("bring-up");
  Script script;
  script.reuse = true;
  auto env = bring_up(RecordingBackend(script), options_in(state.path));
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(joined(script.log), "read inputs, prerequisites, reuse?");
}

TEST(Backends, TheTableNamesEachBackendOnceTheLabFirst) {
  const auto names = backend_names();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "local");
  EXPECT_EQ(names[1], "kind");
  EXPECT_EQ(&backend_named("kind"), backends()[1]);
}

TEST(Backends, AnUnknownBackendIsBadInputNamingTheOnesThereAre) {
  auto message = bad_input_message([] { (void)backend_named("minikube"); });
  EXPECT_NE(message.find("--backend minikube"), std::string::npos) << message;
  EXPECT_NE(message.find("expected local or kind"), std::string::npos) << message;
}

TEST(Backends, EachBackendRefusesTheOthersFlagsByName) {
  TempDir state("bring-up");
  auto lab = default_options();
  lab.state_dir = state.path;
  lab.kind.stand_in_hub = true;
  auto message = bad_input_message([&] { (void)validated(lab); });
  EXPECT_NE(message.find("--stand-in-hub: the kind backend's"), std::string::npos) << message;
  auto kind = default_options();
  kind.state_dir = state.path;
  kind.backend = "kind";
  kind.local.subnet = "10.78.0.0/24";
  message = bad_input_message([&] { (void)validated(kind); });
  EXPECT_NE(message.find("--subnet: the embedded lab's"), std::string::npos) << message;
  kind.local.subnet = EnvironmentOptions::Local{}.subnet;
  kind.local.node_storage = "memory";
  message = bad_input_message([&] { (void)validated(kind); });
  EXPECT_NE(message.find("--node-storage: the embedded lab's"), std::string::npos) << message;
}

// What is left is looked for once the teardown is done, never before it.
TEST(Backends, TakeDownLooksForLeftoversAfterTheTeardown) {
  TempDir state("take-down");
  Script script;
  RunState run;
  run.state_dir = state.path;
  write_file_atomic(state_file(state.path), "{}\n");
  const auto report = RecordingBackend(script).take_down(run, false);
  EXPECT_EQ(joined(script.log), "teardown, leftovers");
  EXPECT_EQ(report.summary, "removed");
  EXPECT_FALSE(fs::exists(state_file(state.path))) << "nothing was left, so the state file goes";
}

// verify runs the offline families in labs beside the first: each under
// names, a subnet and a state directory of its own, none beside a lab that
// is itself beside one, and none on the kind backend.
TEST(Backends, TheLabRunsLabsBesideItUnderNamesAndAddressesOfTheirOwn) {
  TempDir state("beside");
  auto lab = default_options();
  lab.state_dir = state.path;
  const auto valid = validated(lab);
  const auto first = beside(valid, 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)->state_dir, state.path / "side-labs" / "1");
  EXPECT_EQ((*first)->local.subnet, "10.77.1.0/24");
  EXPECT_EQ((*first)->local.instance, 1);
  EXPECT_EQ((*first)->files.kind_config, lab.files.kind_config);
  const auto second = beside(valid, 2);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ((*second)->local.subnet, "10.77.2.0/24");
  EXPECT_FALSE(beside(valid, local::kMaxLabInstance + 1).has_value());
  EXPECT_FALSE(beside(valid, 0).has_value());
  EXPECT_FALSE(beside(*first, 1).has_value()) << "a lab beside another has none beside it";

  auto kind = default_options();
  kind.state_dir = state.path;
  kind.backend = "kind";
  EXPECT_FALSE(beside(validated(kind), 1).has_value());
}

TEST(Backends, ALabBesideSharesNoNetworkNameWithTheFirst) {
  const auto first = local::lab_names(0);
  EXPECT_EQ(first.hub, "hub");
  EXPECT_EQ(first.mirror, "kind-registry");
  EXPECT_EQ(first.node("kind-worker"), "kind-worker");
  EXPECT_EQ(first.host_link, "mg-lab");
  EXPECT_EQ(first.owner_file, "/run/mirrorgate-lab");
  for (int k = 1; k <= local::kMaxLabInstance; ++k) {
    const auto side = local::lab_names(k);
    SCOPED_TRACE(k);
    for (const auto& [mine, theirs] : std::vector<std::pair<std::string, std::string>>{
             {side.switch_namespace, first.switch_namespace},
             {side.host_link, first.host_link},
             {side.owner_file.string(), first.owner_file.string()},
             {side.hub, first.hub},
             {side.mirror, first.mirror},
             {side.node("kind-control-plane"), first.node("kind-control-plane")}}) {
      EXPECT_NE(mine, theirs);
    }
    EXPECT_LE(side.host_link.size(), 15u) << "a link name has at most 15 characters";
  }
  EXPECT_THROW((void)local::lab_names(local::kMaxLabInstance + 1), std::invalid_argument);
}
