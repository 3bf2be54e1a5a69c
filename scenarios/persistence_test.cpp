// Persistence: after kind-registry restarts over the same data, its catalog
// is unchanged and cached images still pull with the upstream unreachable.
#include <gtest/gtest.h>

#include "fixtures/lab_attach.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class Persistence : public LabTest {
 protected:
  void TearDown() override {
    if (attached_lab(nullptr)) lab().set_upstream(Upstream::reachable);
  }
};

TEST_F(Persistence, CacheSurvivesAMirrorRestartAndServesOffline) {
  const auto first = lab().nodes().front().name;
  for (const auto& image : attached_fixtures()) lab().pull_image(first, image.spec.ref.str(), 300s);
  auto before = lab().mirror().catalog();

  lab().restart_mirror();
  EXPECT_EQ(lab().mirror().catalog(), before) << "kind-registry's catalog changed across a restart";

  lab().set_upstream(Upstream::stopped);
  for (const auto& node : lab().nodes()) {
    for (const auto& image : attached_fixtures()) {
      const std::string ref = image.spec.ref.str();
      ASSERT_TRUE(lab().remove_image(node.name, ref, content_for(image, platform()), 60s));
      try {
        record_pull("persistence", lab().pull_image(node.name, ref, 180s));
      } catch (const std::exception& e) {
        ADD_FAILURE() << node.name << " could not pull " << ref << " from the restarted mirror offline: " << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace mirrorgate
