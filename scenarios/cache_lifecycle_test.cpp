// The cache lives for months: kind-registry, as it runs (its config file
// and the REGISTRY_* variables distribution reads over it), never deletes
// what it cached. distribution's proxy deletes every blob and manifest
// proxy.ttl after it first fetched it when storage.delete.enabled is true,
// shared layers included, and the stock registry:3 image's own config turns
// delete on: a cache built from it empties itself a week after each image
// was first pulled, and nothing fails until the experiment that needs it.
#include <gtest/gtest.h>

#include "fixtures/attach.h"
#include "registry/registry_config.h"
#include "verify/diagnose.h"

namespace mirrorgate {
namespace {

class CacheLifecycle : public EnvironmentTest {};

TEST_F(CacheLifecycle, KindRegistryNeverDeletesWhatItCached) {
  const auto view = env().mirror_view();
  const auto config = with_environment(parse_registry_config(view.config, view.config_source), view.environment);
  ASSERT_TRUE(config.proxy_remote_url) << view.config_source << " is not a pull-through cache";
  const auto finding = expiring_cache(config, env().registry_generation());
  EXPECT_FALSE(finding) << "registry " << env().registry_generation() << ", " << view.config_source << ":\n"
                        << (finding ? finding->str() : "");
}

}  // namespace
}  // namespace mirrorgate
