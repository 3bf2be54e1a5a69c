// Prewarm: an image pulled through kind-registry once by `mirrorgate prewarm`
// is cached; nodes then pull it with no blob download from the upstream.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures/attach.h"
#include "registry/prewarm.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class Prewarm : public EnvironmentTest {};

TEST_F(Prewarm, PrewarmedImagePullsOnEveryNodeWithoutUpstreamBlobDownloads) {
  auto image = push_unique_image_to_hub(env(), "prewarm");
  const std::string ref = image.spec.ref.str();
  auto catalog = env().mirror().catalog();
  const size_t before = env().upstream_access_log().size();
  auto r = prewarm_image(env().mirror(), ref, platform(), {catalog.begin(), catalog.end()});
  ASSERT_EQ(r.status, PrewarmStatus::cached_now) << r.reason;
  auto stored = wait_until_stored(env().registry_data(), r, 60s);
  ASSERT_TRUE(stored) << "kind-registry had not stored the prewarmed blobs after " << stored.waited.count()
                      << " ms: " << stored.last_error;
  if (env().has_stand_in_hub()) {
    // What `mirrorgate prewarm` tells the user it spent: one Docker Hub pull per image cached now.
    auto log = env().upstream_access_log();
    log.erase(log.begin(), log.begin() + static_cast<long>(std::min(before, log.size())));
    int counted = 0;
    for (const auto& [who, n] : counted_pulls(log)) counted += n;
    EXPECT_EQ(counted, 1) << "prewarming one single-platform image cost Docker Hub " << counted << " pulls";
  }
  EXPECT_GE(static_cast<uint64_t>(r.bytes), image.bytes_for(platform()) - image.top.size);
  catalog = env().mirror().catalog();
  EXPECT_NE(std::find(catalog.begin(), catalog.end(), image.spec.ref.repository), catalog.end());
  for (const auto& node : env().nodes()) {
    auto mark = LogMark::now(env());
    record_pull("prewarm", env().pull_image(node.name, ref, 120s));
    for (const auto& rec : evidence_since(env(), node.name, mark).upstream) {
      EXPECT_FALSE(rec.kind == RequestKind::blob && rec.method == "GET")
          << node.name << "'s pull of a prewarmed image downloaded a blob upstream: " << format_record(rec);
    }
  }
}

}  // namespace
}  // namespace mirrorgate
