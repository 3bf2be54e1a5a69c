// Every pull comes from the mirror: for every node and every fixture image, a
// CRI pull (what kubelet does) fetches the manifest and every blob from
// kind-registry, the node never talks to the upstream, and the upstream sees
// only kind-registry. containerd falls back to the upstream silently, so a
// successful pull proves nothing by itself.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "fixtures/attach.h"
#include "verify/diagnose.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class EveryPullComesFromTheMirror : public EnvironmentTest {};

TEST_F(EveryPullComesFromTheMirror, EveryTestImageOnEveryNodeIsFetchedFromKindRegistry) {
  const auto& images = test_images();
  ASSERT_FALSE(images.empty()) << "the environment has no test images";
  const auto& files = env().files();
  const auto facts = MirrorFacts::from_files(files.kind_config, files.registry_config, files.hosts_toml);
  // Image after image, every node at once: the evidence is told apart by the
  // node's address in the access logs. Between images the stand-in's quota
  // gets room for a herd (a fresh window when it has less left): a cold cache
  // costs a pull per node per image, and this scenario is not about the quota.
  std::mutex mutex;
  std::set<std::string> diagnosed;  // say once per node why, in terms of the files the user controls
  for (const auto& image : images) {
    keep_quota_for(env(), static_cast<int>(env().nodes().size()));
    const std::string ref = image.spec.ref.str();
    for_each_node_at_once(env(), [&](const NodeInfo& node) {
      // A pull of an image the node already holds fetches nothing.
      if (!env().remove_image(node.name, ref, content_for(image, platform()), 60s)) {
        ADD_FAILURE() << node.name << " still holds blobs of " << ref << " a minute after removing it";
        return;
      }
      auto mark = LogMark::now(env());
      auto pulled = env().pull_image(node.name, ref, 300s);
      record_pull("every-pull-comes-from-the-mirror", pulled);
      const ExpectedPull expected{ref, image.spec.ref.repository, blobs_for(image, platform())};
      auto evidence = evidence_once_logged(env(), node.name, mark, expected);
      auto problems = check_pull_used_mirror(evidence, expected, env().cache_addresses());
      if (problems.empty()) return;
      std::string why;
      {
        std::lock_guard lock(mutex);
        if (diagnosed.insert(node.name).second) {
          auto findings = diagnose_mirror(facts);
          auto on_node = diagnose_node(env(), node.name, facts);
          findings.insert(findings.end(), on_node.begin(), on_node.end());
          auto upstream = diagnose_upstream(env(), evidence.upstream);
          findings.insert(findings.end(), upstream.begin(), upstream.end());
          for (const auto& f : findings) why += "\nwhy: " + f.str();
        }
      }
      for (const auto& p : problems) ADD_FAILURE() << node.name << " " << ref << ": " << p << why;
    });
  }
}

}  // namespace
}  // namespace mirrorgate
