// Catalog population: the mirror's catalog lists only what it has cached, so
// a repository appears in /v2/_catalog and its tag in tags/list once a node
// pulled it through the mirror — and not before. distribution stores what it
// fetched upstream in the background (the node's own download is served
// beside it, and behind kind-registry-front it waits for the same fetch), so
// the catalog may lag the pull by moments: a repository kind-registry served
// gets 30 s to appear.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/wait.h"
#include "fixtures/attach.h"
#include "registry/access_log.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

class CatalogPopulation : public EnvironmentTest {
 protected:
  // The catalog once it lists every one of `repositories` whose manifest
  // kind-registry served (only those can appear), or as it is after 30 s.
  std::vector<std::string> catalog_listing(const std::vector<std::string>& repositories) {
    const auto log = env().mirror_access_log();
    std::vector<std::string> served;
    for (const auto& r : repositories) {
      if (std::any_of(log.begin(), log.end(), [&](const AccessRecord& a) {
            return a.kind == RequestKind::manifest && a.repository == r && a.status >= 200 && a.status < 300;
          })) {
        served.push_back(r);
      }
    }
    std::vector<std::string> catalog;
    (void)wait_for(
        [&](std::string&) {
          catalog = env().mirror().catalog();
          return std::all_of(served.begin(), served.end(), [&](const std::string& r) { return contains(catalog, r); });
        },
        30s, 200ms);
    return catalog;
  }
};

TEST_F(CatalogPopulation, RepositoryAppearsInTheMirrorsCatalogAfterTheFirstPull) {
  // A repository unique to this run: the mirror cannot have cached it.
  auto image = push_unique_image_to_hub(env(), "catalog");
  const auto& ref = image.spec.ref;
  auto before = env().mirror().catalog();
  EXPECT_FALSE(contains(before, ref.repository)) << "kind-registry lists " << ref.repository << " before any pull";

  const auto node = env().nodes().front().name;
  auto pulled = env().pull_image(node, ref.str(), 120s);
  record_pull("catalog-population", pulled);

  auto after = catalog_listing({ref.repository});
  EXPECT_TRUE(contains(after, ref.repository))
      << "kind-registry's catalog lacks " << ref.repository << " after " << node << " pulled it; "
      << "the pull did not go through the mirror, or the mirror does not cache (proxy section?)";
  // In proxy mode tags/list asks the upstream too; the catalog is the local view.
  EXPECT_TRUE(contains(env().mirror().tags(ref.repository), ref.tag)) << "tags/list of " << ref.repository << " lacks " << ref.tag;
  // Nothing but the pulled repository was added.
  for (const auto& repo : after) {
    EXPECT_TRUE(contains(before, repo) || repo == ref.repository) << "unexpected repository in the catalog: " << repo;
  }
}

TEST_F(CatalogPopulation, EveryFixtureRepositoryIsListedOncePulled) {
  const auto node = env().nodes().front().name;
  for (const auto& image : test_images()) {
    env().pull_image(node, image.spec.ref.str(), 300s);
  }
  std::vector<std::string> repositories;
  for (const auto& image : test_images()) repositories.push_back(image.spec.ref.repository);
  auto catalog = catalog_listing(repositories);
  for (const auto& image : test_images()) {
    EXPECT_TRUE(contains(catalog, image.spec.ref.repository)) << image.spec.ref.repository << " missing from the catalog";
    EXPECT_TRUE(contains(env().mirror().tags(image.spec.ref.repository), image.spec.ref.tag))
        << image.spec.ref.str() << ": tag missing from tags/list";
  }
}

}  // namespace
}  // namespace mirrorgate
