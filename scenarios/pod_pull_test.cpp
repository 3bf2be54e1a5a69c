// kubelet's own pull: a pod pinned to each node, whose image must come
// through the mirror, with the pull time kubelet reports in its "Pulled"
// event. Only where a real kubelet runs (the kind backend on real kind); the
// embedded lab and the kind test double pull through CRI as kubelet does.
#include <gtest/gtest.h>

#include <regex>

#include "fixtures/attach.h"
#include "core/wait.h"
#include "process/process.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class PodPulls : public EnvironmentTest {};

std::vector<std::string> kubectl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"kubectl", "--context", "kind-" + attached_environment(nullptr)->cluster()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST_F(PodPulls, KubeletPullsAPodsImageThroughTheMirrorOnEveryNode) {
  if (!env().has_kubelet()) GTEST_SKIP() << "the embedded lab has no kubelet; its scenarios pull through CRI as kubelet does";
  if (!run({"sh", "-c", "command -v kubectl"}, {.check = false}).ok()) GTEST_SKIP() << "kubectl is not on PATH";
  const auto& image = test_images().front();
  const std::string ref = image.spec.ref.str();
  for (const auto& node : env().nodes()) {
    if (!run(kubectl({"get", "node", node.name, "-o", "name"}), {.timeout = 30s, .check = false}).ok()) {
      GTEST_SKIP() << "no kubelet answers for node " << node.name << " (the kind test double runs containerd only)";
    }
    SCOPED_TRACE(node.name);
    ASSERT_TRUE(env().remove_image(node.name, ref, content_for(image, platform()), 60s));
    const std::string pod = "mirrorgate-pull-" + std::to_string(::getpid()) + "-" + node.name;
    auto mark = LogMark::now(env());
    run(kubectl({"run", pod, "--image=" + ref, "--restart=Never", "--image-pull-policy=Always",
                 "--overrides={\"spec\":{\"nodeName\":\"" + node.name + "\"}}", "--command", "--", "true"}));
    std::string message;
    auto pulled = wait_for(
        [&](std::string& why) {
          auto r = run(kubectl({"get", "events", "--field-selector", "involvedObject.name=" + pod + ",reason=Pulled",
                                "-o", "jsonpath={.items[*].message}"}),
                       {.check = false});
          message = r.out;
          why = "no Pulled event for pod " + pod + " yet " + r.err;
          return !message.empty();
        },
        5min, 1s);
    run(kubectl({"delete", "pod", pod, "--wait=false"}), {.check = false});
    ASSERT_TRUE(pulled) << pulled.last_error;
    // "Successfully pulled image \"…\" in 1.234s (1.234s including waiting)"
    std::smatch seconds;
    EXPECT_TRUE(std::regex_search(message, seconds, std::regex(R"( in ([0-9.]+m?s))"))) << message;
    record_pull("pod-pull", {node.name, ref, "", 0}, "kubelet: " + message);
    const ExpectedPull expected{ref, image.spec.ref.repository, blobs_for(image, platform())};
    auto evidence = evidence_once_logged(env(), node.name, mark, expected);
    auto problems = check_pull_used_mirror(evidence, expected, env().cache_addresses());
    for (const auto& p : problems) ADD_FAILURE() << p;
  }
}

}  // namespace
}  // namespace mirrorgate
