// Digest fidelity: what a node resolves for a tag is exactly what Docker Hub
// serves — the same index or manifest digest, the same config — and for a
// multi-platform index the node fetches only its own platform's blobs.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures/attach.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class DigestFidelity : public EnvironmentTest {};

TEST_F(DigestFidelity, EveryNodeResolvesEveryTagToTheHubsDigest) {
  for (const auto& image : test_images()) {
    const auto& ref = image.spec.ref;
    auto hub_digest = env().upstream().manifest_digest(ref.repository, ref.tag, media_type::accept_all);
    ASSERT_TRUE(hub_digest) << "the hub does not serve " << ref.str();
    EXPECT_EQ(*hub_digest, image.top.digest);
    keep_quota_for(env(), static_cast<int>(env().nodes().size()));
    for_each_node_at_once(env(), [&](const NodeInfo& node) {
      auto pulled = env().pull_image(node.name, ref.str(), 300s);
      EXPECT_EQ(pulled.image_id, image.for_platform(platform()).config.digest)
          << node.name << " resolved " << ref.str() << " to another image than the hub serves for " << platform();
      auto id = env().image_id(node.name, ref.with_digest(*hub_digest));
      EXPECT_TRUE(id && *id == pulled.image_id)
          << node.name << " does not know " << ref.str() << " by the hub's digest " << *hub_digest;
    });
  }
}

TEST_F(DigestFidelity, MultiPlatformPullFetchesOnlyTheNodesPlatform) {
  const TestImage* index = nullptr;
  for (const auto& image : test_images()) {
    if (image.is_index()) index = &image;
  }
  if (!index) GTEST_SKIP() << "the fixture list has no multi-platform image";
  const std::string ref = index->spec.ref.str();
  for_each_node_at_once(env(), [&](const NodeInfo& node) {
    std::vector<std::string> everything;
    for (const auto& p : index->platforms) {
      auto c = content_for(*index, p.platform);
      everything.insert(everything.end(), c.begin(), c.end());
    }
    if (!env().remove_image(node.name, ref, everything, 60s)) {
      ADD_FAILURE() << node.name << " still holds blobs of " << ref << " a minute after removing it";
      return;
    }
    auto mark = LogMark::now(env());
    env().pull_image(node.name, ref, 300s);
    auto evidence = evidence_since(env(), node.name, mark);
    for (const auto& p : index->platforms) {
      if (p.platform == platform()) continue;
      for (const auto& blob : blobs_for(*index, p.platform)) {
        for (const auto& r : evidence.node_at_mirror) {
          EXPECT_NE(r.reference, blob) << node.name << " (" << platform() << ") fetched a " << p.platform
                                       << " blob of " << ref << ": " << format_record(r);
        }
        EXPECT_FALSE(env().node_has_blob(node.name, blob)) << node.name << " holds a " << p.platform << " blob";
      }
    }
  });
}

}  // namespace
}  // namespace mirrorgate
