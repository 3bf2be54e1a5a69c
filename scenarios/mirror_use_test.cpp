// Every pull comes from the mirror: for every node and every fixture image, a
// CRI pull (what kubelet does) fetches the manifest and every blob from
// kind-registry, the node never talks to the upstream, and the upstream sees
// only kind-registry.
#include <gtest/gtest.h>

#include "fixtures/lab_attach.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class EveryPullUsesTheMirror : public LabTest {};

std::vector<std::string> blobs_of(const PlatformImage& p) {
  std::vector<std::string> blobs{p.config.digest};
  for (const auto& l : p.layers) blobs.push_back(l.digest);
  return blobs;
}

TEST_F(EveryPullUsesTheMirror, EveryFixtureImagePullsOnEveryNodeThroughKindRegistry) {
  const auto& fixtures = attached_fixtures();
  const std::string platform = attached_state()->platform;
  ASSERT_FALSE(fixtures.empty()) << "the lab has no fixture images";
  ASSERT_FALSE(lab().nodes().empty());
  for (const auto& image : fixtures) {
    const std::string ref = image.spec.ref.str();
    const auto& mine = image.for_platform(platform);
    std::vector<std::string> node_blobs = blobs_of(mine);
    node_blobs.push_back(mine.manifest.digest);
    if (image.is_index()) node_blobs.push_back(image.top.digest);
    for (const auto& node : lab().nodes()) {
      SCOPED_TRACE(node.name + " " + ref);
      // A pull of an image the node already holds fetches nothing.
      ASSERT_TRUE(lab().remove_image(node.name, ref, node_blobs, 60s))
          << node.name << " still holds blobs of " << ref << " a minute after removing it";
      auto mark = LogMark::now(lab());
      auto pulled = lab().pull_image(node.name, ref, 300s);
      EXPECT_EQ(pulled.image_id, mine.config.digest)
          << node.name << " resolved " << ref << " to another image than the hub serves for " << platform;
      auto evidence = evidence_since(lab(), node.name, mark);
      auto problems = check_pull_used_mirror(evidence, {ref, image.spec.ref.repository, blobs_of(mine)},
                                             lab().mirror_address());
      for (const auto& p : problems) ADD_FAILURE() << p;
      RecordProperty(node.name + " " + ref + " seconds", std::to_string(pulled.seconds));
    }
  }
}

TEST_F(EveryPullUsesTheMirror, MultiPlatformPullFetchesOnlyTheNodesPlatform) {
  const std::string platform = attached_state()->platform;
  const FixtureImage* index = nullptr;
  for (const auto& image : attached_fixtures()) {
    if (image.is_index()) index = &image;
  }
  if (!index) GTEST_SKIP() << "the fixture list has no multi-platform image";
  const auto node = lab().nodes().front().name;
  const std::string ref = index->spec.ref.str();
  std::vector<std::string> all;
  for (const auto& p : index->platforms) {
    auto b = blobs_of(p);
    all.insert(all.end(), b.begin(), b.end());
    all.push_back(p.manifest.digest);
  }
  all.push_back(index->top.digest);
  ASSERT_TRUE(lab().remove_image(node, ref, all, 60s));
  auto mark = LogMark::now(lab());
  lab().pull_image(node, ref, 300s);
  auto evidence = evidence_since(lab(), node, mark);
  for (const auto& p : index->platforms) {
    if (p.platform == platform) continue;
    for (const auto& blob : blobs_of(p)) {
      for (const auto& r : evidence.node_at_mirror) {
        EXPECT_NE(r.reference, blob) << node << " (" << platform << ") fetched a " << p.platform << " blob of "
                                     << ref << ": " << format_record(r);
      }
    }
  }
}

}  // namespace
}  // namespace mirrorgate
