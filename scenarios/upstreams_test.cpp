// Every registry the run caches besides docker.io (--upstream quay.io …),
// proved as docker.io's cache is: each node's containerd sends the registry
// to its own cache (kind-registry-quay-io), every image of it comes from that
// cache on every node — manifest and every blob in the cache's access log,
// the node never at the registry itself — and the cache lists what it holds.
// EveryUpstreamOffline, in a lab of its own: with the stand-in stopped (every
// registry of its world unreachable) each cached image pulls on every node by
// tag and by digest, and again after its cache restarted offline.
// Skipped, saying so, when the run caches docker.io only.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "core/files.h"
#include "fixtures/attach.h"
#include "registry/upstreams.h"
#include "verify/diagnose.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

// The run's registries besides docker.io; the test skips without them.
class UpstreamsTest : public EnvironmentTest {
 protected:
  void SetUp() override {
    EnvironmentTest::SetUp();
    if (IsSkipped()) return;
    for (const auto& r : env().cached_registries()) {
      if (r != kDockerIo) registries_.push_back(r);
    }
    if (registries_.empty()) {
      GTEST_SKIP() << "this run caches docker.io only; bring it up with --upstream quay.io --upstream ghcr.io "
                      "--upstream registry.k8s.io to prove the other registries' caches";
    }
  }

  // The registry's test images; a failure when the image list has none.
  const std::vector<TestImage>& images_of(const std::string& registry) {
    const auto& images = test_images_of(registry);
    if (images.empty()) ADD_FAILURE() << "the test image list (" << env().files().images << ") has no image of " << registry;
    return images;
  }

  MirrorFacts facts_for(const std::string& registry) {
    const auto& f = env().files();
    return MirrorFacts::from_files(f.kind_config, f.registry_config, "")
        .for_registry(registry, f.certs_d / registry / "hosts.toml");
  }

  std::vector<std::string> registries_;
};

class EveryUpstream : public UpstreamsTest {};

TEST_F(EveryUpstream, EveryNodesContainerdSendsEachRegistryToItsOwnCache) {
  for (const auto& registry : registries_) {
    const auto facts = facts_for(registry);
    const auto shipped = read_file_if_exists(facts.hosts_toml);
    for (const auto& node : env().nodes()) {
      const auto findings = diagnose_node(env(), node.name, facts);
      for (const auto& f : findings) ADD_FAILURE() << registry << ": " << f.str();
      if (!findings.empty()) continue;
      EXPECT_EQ(env().read_node_file(node.name, hosts_toml_path_of(registry)), shipped)
          << node.name << ": " << hosts_toml_path_of(registry) << " is not " << facts.hosts_toml;
    }
  }
}

TEST_F(EveryUpstream, EachRegistrysImagesComeFromItsOwnCacheOnEveryNode) {
  std::mutex mutex;
  std::set<std::string> diagnosed;  // say once per node and registry why
  for (const auto& registry : registries_) {
    const auto facts = facts_for(registry);
    std::set<std::string> repositories;
    for (const auto& image : images_of(registry)) {
      const std::string ref = image.spec.ref.str();
      repositories.insert(image.spec.ref.repository);
      for_each_node_at_once(env(), [&](const NodeInfo& node) {
        if (!env().remove_image(node.name, ref, content_for(image, platform()), 60s)) {
          ADD_FAILURE() << node.name << " still holds blobs of " << ref << " a minute after removing it";
          return;
        }
        const auto mark = LogMark::now(env(), registry);
        record_pull("every-upstream", env().pull_image(node.name, ref, 300s));
        const ExpectedPull expected{ref, image.spec.ref.repository, blobs_for(image, platform()), registry};
        const auto evidence = evidence_once_logged(env(), node.name, mark, expected);
        const auto problems = check_pull_used_mirror(evidence, expected, env().cache_addresses_of(registry));
        if (problems.empty()) return;
        std::string why;
        {
          std::lock_guard lock(mutex);
          if (diagnosed.insert(node.name + " " + registry).second) {
            for (const auto& f : diagnose_node(env(), node.name, facts)) why += "\nwhy: " + f.str();
          }
        }
        for (const auto& p : problems) ADD_FAILURE() << node.name << " " << ref << ": " << p << why;
      });
    }
    const auto catalog = env().mirror_of(registry).catalog();
    for (const auto& repository : repositories) {
      EXPECT_NE(std::find(catalog.begin(), catalog.end(), repository), catalog.end())
          << cache_host(registry) << "'s catalog does not list " << repository << " after every node pulled it";
    }
  }
}

// Offline: the stand-in stopped is every registry of its world unreachable.
class EveryUpstreamOffline : public UpstreamsTest {
 protected:
  void TearDown() override {
    if (!attached_environment(nullptr) || registries_.empty()) return;
    env().set_upstream(Upstream::reachable);
    // The caches restarted offline serve read-only until the start script
    // hears the upstream again: restart them with it back for what follows.
    for (const auto& registry : restarted_) {
      try {
        env().restart_mirror_of(registry);
      } catch (const std::exception& e) {
        ADD_FAILURE() << cache_host(registry) << " did not start again with the upstream back: " << e.what();
      }
    }
  }

  // Every image of every registry in its cache, stored.
  void cache_every_image() {
    for (const auto& registry : registries_) {
      for (const auto& image : images_of(registry)) {
        const auto why = cache_and_store(env(), image);
        ASSERT_TRUE(why.empty()) << why;
      }
    }
  }

  std::vector<const TestImage*> every_image() {
    std::vector<const TestImage*> out;
    for (const auto& registry : registries_) {
      for (const auto& image : images_of(registry)) out.push_back(&image);
    }
    return out;
  }

  std::vector<std::string> restarted_;
};

TEST_F(EveryUpstreamOffline, EachCachedImagePullsOnEveryNodeWithItsRegistryUnreachable) {
  ASSERT_NO_FATAL_FAILURE(cache_every_image());
  env().set_upstream(Upstream::stopped);
  pull_cached_images_by_tag_and_digest(env(), every_image(), "every-upstream-offline",
                                       "with its registry unreachable");
}

TEST_F(EveryUpstreamOffline, EachCacheRestartedOfflineServesWhatItHeld) {
  ASSERT_NO_FATAL_FAILURE(cache_every_image());
  std::map<std::string, std::vector<std::string>> before;
  for (const auto& registry : registries_) before[registry] = env().mirror_of(registry).catalog();
  env().set_upstream(Upstream::stopped);
  for (const auto& registry : registries_) {
    restarted_.push_back(registry);
    ASSERT_NO_THROW(env().restart_mirror_of(registry))
        << cache_host(registry) << " cannot start while " << registry
        << " is unreachable, so it serves none of what it holds: start it with registry/kind-registry-start.sh, "
           "as registry/setup-registry.sh does";
    EXPECT_EQ(env().mirror_of(registry).catalog(), before[registry])
        << cache_host(registry) << "'s catalog changed across an offline restart";
  }
  pull_cached_images_by_tag_and_digest(env(), every_image(), "every-upstream-restarted-offline",
                                       "from its cache restarted offline");
}

}  // namespace
}  // namespace mirrorgate
