// Persistence: after kind-registry restarts over the same data, its catalog
// is unchanged and cached images still pull with the upstream unreachable.
#include <gtest/gtest.h>

#include "fixtures/attach.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class Persistence : public EnvironmentTest {
 protected:
  void TearDown() override {
    if (attached_environment(nullptr)) env().set_upstream(Upstream::reachable);
  }
};

TEST_F(Persistence, CacheSurvivesAMirrorRestartAndServesOffline) {
  const auto first = env().nodes().front().name;
  for (const auto& image : test_images()) env().pull_image(first, image.spec.ref.str(), 300s);
  auto before = env().mirror().catalog();

  env().restart_mirror();
  EXPECT_EQ(env().mirror().catalog(), before) << "kind-registry's catalog changed across a restart";

  env().set_upstream(Upstream::stopped);
  for_each_node_at_once(env(), [&](const NodeInfo& node) {
    for (const auto& image : test_images()) {
      const std::string ref = image.spec.ref.str();
      if (!env().remove_image(node.name, ref, content_for(image, platform()), 60s)) {
        ADD_FAILURE() << node.name << " still holds blobs of " << ref << " a minute after removing it";
        return;
      }
      try {
        record_pull("persistence", env().pull_image(node.name, ref, 180s));
      } catch (const std::exception& e) {
        ADD_FAILURE() << node.name << " could not pull " << ref << " from the restarted mirror offline: " << e.what();
      }
    }
  });
}

}  // namespace
}  // namespace mirrorgate
