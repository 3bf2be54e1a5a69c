// Warm pulls do not download from upstream: once one node has pulled an image
// through the mirror, pulls of it on the other nodes fetch no blob from the
// upstream. Tag checks (HEAD of the manifest) still reach it — distribution
// checks tags upstream first — and are counted.
#include <gtest/gtest.h>

#include "fixtures/attach.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

class WarmPulls : public EnvironmentTest {};

TEST_F(WarmPulls, OtherNodesPullACachedImageWithoutUpstreamBlobDownloads) {
  auto nodes = env().nodes();
  if (nodes.size() < 2) GTEST_SKIP() << "needs two nodes; the kind config has " << nodes.size();
  for (const auto& image : test_images()) {
    const std::string ref = image.spec.ref.str();
    SCOPED_TRACE(ref);
    // Warm the mirror from the first node.
    env().pull_image(nodes[0].name, ref, 300s);
    int head_checks = 0;
    for (size_t i = 1; i < nodes.size(); ++i) {
      ASSERT_TRUE(env().remove_image(nodes[i].name, ref, content_for(image, platform()), 60s));
      auto mark = LogMark::now(env());
      auto pulled = env().pull_image(nodes[i].name, ref, 300s);
      auto e = evidence_since(env(), nodes[i].name, mark);
      for (const auto& r : e.upstream) {
        EXPECT_FALSE(r.kind == RequestKind::blob && r.method == "GET")
            << nodes[i].name << "'s warm pull of " << ref << " made kind-registry download a blob from upstream: "
            << format_record(r);
        head_checks += r.kind == RequestKind::manifest && r.method == "HEAD";
      }
      EXPECT_GT(e.bytes_from_mirror(), 0) << nodes[i].name << " fetched nothing from kind-registry";
      record_pull("warm-pulls", pulled, "upstream HEAD checks: " + std::to_string(head_checks));
    }
    RecordProperty("upstream_tag_checks " + ref, head_checks);
  }
}

}  // namespace
}  // namespace mirrorgate
