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

  // What survives is the cache's, not a node's: one node that did not fill
  // it pulls every image from it again. (Every node pulls every cached image
  // offline in OfflinePulls and OfflineRestart.)
  env().set_upstream(Upstream::stopped);
  const auto other = env().nodes().back().name;
  for (const auto& image : test_images()) {
    const std::string ref = image.spec.ref.str();
    ASSERT_TRUE(env().remove_image(other, ref, content_for(image, platform()), 60s))
        << other << " still holds blobs of " << ref << " a minute after removing it";
    try {
      record_pull("persistence", env().pull_image(other, ref, 180s));
    } catch (const std::exception& e) {
      ADD_FAILURE() << other << " could not pull " << ref << " from the restarted mirror offline: " << e.what();
    }
  }
}

}  // namespace
}  // namespace mirrorgate
