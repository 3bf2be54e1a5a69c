// Prewarm: an image pulled through kind-registry once by `mirrorgate prewarm`
// is cached; nodes then pull it with no blob download from the upstream.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures/lab_attach.h"
#include "registry/prewarm.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class Prewarm : public LabTest {};

TEST_F(Prewarm, PrewarmedImagePullsOnEveryNodeWithoutUpstreamBlobDownloads) {
  auto image = push_unique_image_to_hub(lab(), "prewarm");
  const std::string ref = image.spec.ref.str();
  auto catalog = lab().mirror().catalog();
  auto r = prewarm_image(lab().mirror(), ref, platform(), {catalog.begin(), catalog.end()});
  ASSERT_EQ(r.status, PrewarmStatus::cached_now) << r.reason;
  EXPECT_GE(static_cast<uint64_t>(r.bytes), image.bytes_for(platform()) - image.top.size);
  catalog = lab().mirror().catalog();
  EXPECT_NE(std::find(catalog.begin(), catalog.end(), image.spec.ref.repository), catalog.end());
  for (const auto& node : lab().nodes()) {
    auto mark = LogMark::now(lab());
    record_pull("prewarm", lab().pull_image(node.name, ref, 120s));
    for (const auto& rec : evidence_since(lab(), node.name, mark).upstream) {
      EXPECT_FALSE(rec.kind == RequestKind::blob && rec.method == "GET")
          << node.name << "'s pull of a prewarmed image downloaded a blob upstream: " << format_record(rec);
    }
  }
}

}  // namespace
}  // namespace mirrorgate
