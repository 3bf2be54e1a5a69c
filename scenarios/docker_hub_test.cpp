// Docker Hub's pull quota, as the stand-in counts it (a manifest GET of an
// image is a pull; HEADs and blobs are free; per address, or per account
// when authenticated): what a cluster costs with the cache and without it,
// what a herd costs, what the cluster does once the quota is spent, and whose
// quota an authenticated cache spends. Needs the stand-in hub (its front logs
// every counted pull); on the real Docker Hub these skip and say so.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "fixtures/attach.h"
#include "hub/stand_in.h"
#include "registry/registry_config.h"
#include "verify/diagnose.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

// The small single-platform test images: one counted pull each.
std::vector<const TestImage*> small_images(const std::string& platform) {
  std::vector<const TestImage*> out;
  for (const auto& image : test_images()) {
    if (!image.is_index() && image.bytes_for(platform) < 20'000'000) out.push_back(&image);
  }
  if (out.size() > 2) out.resize(2);
  return out;
}

class DockerHubTest : public EnvironmentTest {
 protected:
  void SetUp() override {
    EnvironmentTest::SetUp();
    if (IsSkipped()) return;
    if (!env().has_stand_in_hub()) GTEST_SKIP() << "needs the Docker Hub stand-in, whose front counts every pull";
    // A window of its own: another scenario's pulls do not spend this one's.
    fresh_quota_window(env());
  }

  // Pulls the references on one node after the other; the counted pulls since.
  std::map<std::string, int> pull_node_by_node(const std::vector<std::string>& refs, const std::string& scenario) {
    const size_t mark = env().upstream_access_log().size();
    for (const auto& node : env().nodes()) {
      for (const auto& ref : refs) record_pull(scenario, env().pull_image(node.name, ref, 300s));
    }
    auto log = env().upstream_access_log();
    log.erase(log.begin(), log.begin() + static_cast<long>(std::min(mark, log.size())));
    return counted_pulls(log);
  }

  // Pulls the references on every node at once; the counted pulls since.
  std::map<std::string, int> pull_everywhere(const std::vector<std::string>& refs, const std::string& scenario) {
    const size_t mark = env().upstream_access_log().size();
    for_each_node_at_once(env(), [&](const NodeInfo& node) {
      for (const auto& ref : refs) record_pull(scenario, env().pull_image(node.name, ref, 300s));
    });
    auto log = env().upstream_access_log();
    log.erase(log.begin(), log.begin() + static_cast<long>(std::min(mark, log.size())));
    return counted_pulls(log);
  }

  void remove_everywhere(const std::vector<std::string>& refs, const std::vector<const TestImage*>& images) {
    for (const auto& node : env().nodes()) {
      for (size_t i = 0; i < refs.size(); ++i) {
        ASSERT_TRUE(env().remove_image(node.name, refs[i], content_for(*images[i], platform()), 60s));
      }
    }
  }

  // kind-registry's config as it runs (its environment applied).
  RegistryConfig mirror_config() {
    const auto view = env().mirror_view();
    return with_environment(parse_registry_config(view.config, view.config_source), view.environment);
  }

  // The identity the quota counts kind-registry's pulls under.
  std::string mirror_identity() {
    const auto config = mirror_config();
    return config.proxy_username.empty() ? env().cache_upstream_address() : config.proxy_username;
  }

  bool behind_front() { return proxies_through_front(mirror_config()); }

  static int total(const std::map<std::string, int>& counted) {
    int n = 0;
    for (const auto& [who, c] : counted) n += c;
    return n;
  }
};

class PullQuota : public DockerHubTest {};

TEST_F(PullQuota, AClusterThroughTheCacheCostsOnePullPerImageAndARecreatedOneNone) {
  const auto images = small_images(platform());
  ASSERT_FALSE(images.empty());
  std::vector<std::string> refs;
  for (const auto* image : images) refs.push_back(publish_uncached_copy(env().upstream(), *image, "quota"));
  const auto nodes = env().nodes().size();
  // containerd fetches no manifest it holds: the nodes start without this content.
  remove_everywhere(refs, images);

  // The nodes one after the other, as kubelets that do not start in the
  // same instant: the first fills the cache. (All at once, see the herd.)
  const auto first = pull_node_by_node(refs, "pull-quota-first");
  EXPECT_EQ(first.count(mirror_identity()) ? first.at(mirror_identity()) : 0, static_cast<int>(refs.size()))
      << "a cluster's first pulls through the cache must cost one pull per image, not one per node";
  EXPECT_EQ(total(first), static_cast<int>(refs.size())) << "only kind-registry may be counted";
  RecordProperty("docker_hub_pulls_first_creation", total(first));

  remove_everywhere(refs, images);
  const auto again = pull_everywhere(refs, "pull-quota-recreated");
  EXPECT_EQ(total(again), 0) << "a re-created cluster pulls only cached images: Docker Hub counts nothing (HEADs are free)";
  RecordProperty("docker_hub_pulls_recreated", total(again));

  // The same cluster without the cache: every node pulls from Docker Hub.
  // (containerd fetches no manifest it holds: the nodes start empty.)
  remove_everywhere(refs, images);
  std::vector<std::string> direct;
  for (const auto& ref : refs) direct.push_back("registry-1.docker.io/" + ref.substr(std::string("docker.io/").size()));
  const auto without = pull_everywhere(direct, "pull-quota-direct");
  EXPECT_EQ(total(without), static_cast<int>(nodes * refs.size())) << "without the cache each node pulls each image";
  for (const auto& node : env().nodes()) {
    EXPECT_EQ(without.count(node.address) ? without.at(node.address) : 0, static_cast<int>(refs.size())) << node.name;
  }
  RecordProperty("docker_hub_pulls_without_cache", total(without));
}

TEST_F(PullQuota, AHerdOnOneUncachedImageIsCountedAsItHappens) {
  const auto images = small_images(platform());
  ASSERT_FALSE(images.empty());
  const std::string ref = publish_uncached_copy(env().upstream(), *images.front(), "herd");
  remove_everywhere({ref}, {images.front()});
  // distribution 2.8 does not merge concurrent fetches: every node that asks
  // for a tag the cache does not hold yet makes it GET the manifest upstream,
  // and a node that then asks for the digest before the cache stored it makes
  // it GET that too (seen on Docker: 2 nodes, 2 GETs by tag + 1 by digest).
  // Record what the herd cost; it cannot cost more than two per node.
  // Behind kind-registry-front it costs one: the front fetches a tag's
  // manifest as the digest the tag names, once for the herd, and shares
  // that fetch with distribution's GETs by digest.
  const auto counted = pull_everywhere({ref}, "pull-quota-herd");
  if (behind_front()) {
    EXPECT_EQ(total(counted), 1) << "behind kind-registry-front, a herd of " << env().nodes().size()
                                 << " nodes on one uncached image must cost Docker Hub one pull";
  } else {
    EXPECT_GE(total(counted), 1);
    EXPECT_LE(total(counted), 2 * static_cast<int>(env().nodes().size()));
  }
  RecordProperty("docker_hub_pulls_herd", total(counted));
  RecordProperty("herd_nodes", static_cast<int>(env().nodes().size()));
}

class QuotaExhausted : public DockerHubTest {
 protected:
  void TearDown() override {
    if (attached_environment(nullptr) && env().has_stand_in_hub()) fresh_quota_window(env());
  }
};

TEST_F(QuotaExhausted, CachedImagesStillPullOnEveryNodeAndAnUncachedOneFailsNamingTheLimit) {
  std::vector<const TestImage*> images;
  for (const auto& image : test_images()) images.push_back(&image);
  const auto first = env().nodes().front().name;
  for (const auto* image : images) env().pull_image(first, image->spec.ref.str(), 300s);
  const auto never_cached = push_unique_image_to_hub(env(), "quota");
  env().set_upstream_quota("0/6h", "0/6h");
  const size_t mark = env().upstream_access_log().size();

  pull_cached_images_by_tag_and_digest(env(), images, "quota-spent", "with the quota spent");

  try {
    env().pull_image(first, never_cached.spec.ref.str(), 180s);
    ADD_FAILURE() << first << " pulled " << never_cached.spec.ref.str() << " although the cache never held it and the quota is spent";
  } catch (const std::exception& e) {
    RecordProperty("uncached_pull_error", e.what());
  }
  auto log = env().upstream_access_log();
  log.erase(log.begin(), log.begin() + static_cast<long>(std::min(mark, log.size())));
  const auto findings = diagnose_upstream(env(), log);
  std::string said;
  for (const auto& f : findings) said += f.str() + "\n";
  EXPECT_TRUE(std::regex_search(said, std::regex("pull limit is spent for .*429 TOOMANYREQUESTS.*frees up in [0-9]+ s")))
      << "the diagnosis does not name Docker Hub's limit and when it resets: " << said;
}

class Authenticated : public DockerHubTest {};

TEST_F(Authenticated, PullsThroughACacheWithCredentialsSpendTheAccountsQuotaNotTheAddress) {
  const auto account = mirror_identity();
  if (account == env().cache_upstream_address()) {
    GTEST_SKIP() << "kind-registry pulls anonymously here (no proxy.username in its config); the gate runs this with "
                    "tests/data/credentials-registry-config.yml";
  }
  const auto images = small_images(platform());
  ASSERT_FALSE(images.empty());
  const std::string ref = publish_uncached_copy(env().upstream(), *images.front(), "account");
  remove_everywhere({ref}, {images.front()});
  const auto counted = pull_node_by_node({ref}, "authenticated");
  EXPECT_EQ(counted.count(account) ? counted.at(account) : 0, 1) << "the pull is not counted for account " << account;
  EXPECT_EQ(counted.count(env().cache_upstream_address()), 0u) << "an authenticated cache's pull was counted for its address";
}

}  // namespace
}  // namespace mirrorgate
