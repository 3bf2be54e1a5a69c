// The cache lives for months: kind-registry never deletes what it cached.
// distribution's proxy schedules every blob and manifest it fetches for
// deletion proxy.ttl after it fetched it (use does not renew it), and when
// storage.delete.enabled is true it deletes the blob's data everywhere,
// shared layers included. The stock registry:3 image's own config turns
// delete on: a cache built from it empties itself a week after each image
// was first pulled, and nothing fails until the experiment that needs it.
//   KindRegistryNeverDeletesWhatItCached  kind-registry's config as it runs
//       (its file and the REGISTRY_* variables distribution reads over it)
//   CachedImagesPullOfflineAfterTheirExpiryHasPassed  by behaviour: the
//       registry's own schedule moved into the past, kind-registry
//       restarted (its scheduler reads the schedule at start and expires
//       what is past at once), then every cached image pulled on every node
//       with the upstream unreachable
//   PruneKeepsEveryKeptImageOfflineOnEveryNode  `cache prune` to a keep
//       list through the real sweep (kind-registry stopped, distribution's
//       garbage-collect, started again): the images outside the list go
//       (only images this scenario made: two fresh ones, one sharing every
//       blob with a kept image), the dry run's bytes are what the sweep
//       freed to the byte, and every kept image pulls on every node with the
//       upstream unreachable
//   APruneStoppedHalfwayLeavesEveryKeptImageServed  the sweep's step fails
//       after half of its link removals: kind-registry is started again, every
//       kept image pulls on every node with the upstream unreachable, and
//       the prune run again finishes the job
//   KilledMidColdPullServesNoPartialBlob  kind-registry killed with SIGKILL
//       while it fetches a 100 MB layer no cache holds (the upstream held to
//       200 mbit so the fetch lasts): no blob is published from the cut
//       fetch, every node then pulls the image (containerd checks every
//       digest), the stored layer is whole (its sha256), every image
//       cached before is whole, and one pulls on every node offline
//   ACacheFilledByRegistry2IsServedByRegistry3  kind's docs moved from
//       registry:2 to registry:3 in May 2026: kind-registry switched to
//       registry 2.8 over its storage, fresh images cached through it, then
//       switched back to 3.1 and every one pulled on every node with the
//       upstream unreachable (the lab's embedded backend; it runs 3.1)
//   KindRegistrysDiskHasRoom  the gate names a full cache disk: its
//       filesystem nearly full, or its log saying "no space left on device"
//   AColdPullOnAFullDiskServesNoTruncatedBlob  kind-registry over a small
//       filesystem of the lab's own, filled but for 4 MiB, and a cold pull
//       of a 16 MiB layer: the gate's finding names the full disk, nothing
//       truncated is published, and once there is room again the image is
//       cached whole and pulls offline on every node
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <atomic>
#include <fstream>
#include <ctime>
#include <optional>
#include <thread>

#include "cache/prune.h"
#include "core/files.h"
#include "core/at_once.h"
#include "core/wait.h"
#include "fixtures/attach.h"
#include "hub/stand_in.h"
#include "registry/registry_config.h"
#include "registry/storage.h"
#include "verify/diagnose.h"
#include "core/progress.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

class CacheLifecycle : public EnvironmentTest {
 protected:
  void TearDown() override {
    if (attached_environment(nullptr)) env().set_upstream(Upstream::reachable);
  }
};

TEST_F(CacheLifecycle, KindRegistryNeverDeletesWhatItCached) {
  const auto view = env().mirror_view();
  const auto config = with_environment(parse_registry_config(view.config, view.config_source), view.environment);
  ASSERT_TRUE(config.proxy_remote_url) << view.config_source << " is not a pull-through cache";
  const auto finding = expiring_cache(config, env().registry_generation());
  EXPECT_FALSE(finding) << "registry " << env().registry_generation() << ", " << view.config_source << ":\n"
                        << (finding ? finding->str() : "");
}

// "2026-12-06T13:00:00Z": a time Go's encoding/json reads into time.Time.
std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Moves every entry of the proxy's schedule an hour into the past, as if a
// week (or whatever proxy.ttl is) had gone by; the keys it moved.
std::set<std::string> age_schedule(const std::filesystem::path& state) {
  std::set<std::string> keys;
  const auto text = read_file_if_exists(state);
  if (!text) return keys;  // no schedule: the scheduler is off (registry 3 with proxy.ttl: 0)
  auto entries = json::parse(*text, nullptr, false);
  if (!entries.is_object()) throw std::runtime_error(state.string() + " is not the scheduler's JSON object");
  const std::string past = rfc3339(std::chrono::system_clock::now() - 1h);
  for (auto& [key, entry] : entries.items()) {
    entry["ExpiryData"] = past;
    keys.insert(key);
  }
  write_file_atomic(state, entries.dump());
  return keys;
}

// The moved keys the schedule still holds: the scheduler drops an entry
// once it expired it (deleted or not), and saves the schedule every 5 s.
size_t still_scheduled(const std::filesystem::path& state, const std::set<std::string>& keys) {
  const auto entries = json::parse(read_file_if_exists(state).value_or("{}"), nullptr, false);
  size_t n = 0;
  if (!entries.is_object()) return keys.size();
  for (const auto& key : keys) n += entries.contains(key);
  return n;
}

// Every image of the cache but those of `going`: the keep list a user would
// write to prune just them (written to a file of the environment's state).
std::vector<ImageReference> keep_all_but(const Environment& env, const std::set<std::string>& going) {
  std::string list = "# every image of the cache but " + std::to_string(going.size()) + "\n";
  for (const auto& root : plan_prune(RegistryStorage(env.registry_data()), {}, std::chrono::system_clock::now()).going) {
    if (!going.count(root.repository)) list += root.str() + "\n";
  }
  const auto file = env.state_dir() / "prune-keep.txt";
  write_file_atomic(file, list);
  return read_keep_list(file);
}

TEST_F(CacheLifecycle, CachedImagesPullOfflineAfterTheirExpiryHasPassed) {
  std::vector<const TestImage*> images;
  for (const auto& image : test_images()) {
    const auto why = cache_and_store(env(), image);
    ASSERT_EQ(why, "") << image.spec.ref.str() << " could not be cached";
    images.push_back(&image);
  }
  const RegistryStorage storage(env().registry_data());
  const auto before = storage.blob_digests();
  // registry 3 with proxy.ttl 0 or less runs no scheduler and does not
  // read the schedule (a file an earlier config left stays as it is).
  const auto view = env().mirror_view();
  const auto config = with_environment(parse_registry_config(view.config, view.config_source), view.environment);
  const bool scheduler_runs = proxy_scheduler_runs(config, env().registry_generation());
  RecordProperty("scheduler", scheduler_runs ? "runs" : "off (proxy.ttl " + config.proxy_ttl_text + ")");
  if (scheduler_runs) {
    // The scheduler saves its schedule every 5 s; a blob fetched just now
    // may not be in the file yet (a registry stopped before that forgets
    // it: it then never expires).
    const auto saved = wait_for(
        [&](std::string& why) {
          const auto entries = json::parse(read_file_if_exists(storage.scheduler_state()).value_or("{}"), nullptr, false);
          for (const auto* image : images) {
            for (const auto& blob : blobs_for(*image, platform())) {
              const std::string key = image->spec.ref.repository + "@" + blob;
              if (!entries.is_object() || !entries.contains(key)) {
                why = key + " is not in " + storage.scheduler_state().string() + " yet";
                return false;
              }
            }
          }
          return true;
        },
        15s, 250ms);
    RecordProperty("schedule_saved", saved ? "every blob" : saved.last_error);
  }
  std::set<std::string> aged;
  // Moved while nothing writes the schedule, read at start: kind-registry
  // starts in proxy mode (the upstream answers), so its scheduler runs.
  env().restart_mirror_of(kDockerIo, [&] {
    if (scheduler_runs) aged = age_schedule(storage.scheduler_state());
  });
  if (scheduler_runs) {
    ASSERT_FALSE(aged.empty()) << "kind-registry's scheduler runs, but its schedule "
                               << storage.scheduler_state().string() << " held no entry to move into the past";
    const auto processed = wait_for(
        [&](std::string& why) {
          const auto left = still_scheduled(storage.scheduler_state(), aged);
          why = std::to_string(left) + " of " + std::to_string(aged.size()) + " expired entries still scheduled";
          return left == 0;
        },
        30s, 200ms);
    ASSERT_TRUE(processed) << "kind-registry did not expire its past entries within " << processed.waited.count()
                           << " ms: " << processed.last_error;
  }
  RecordProperty("expired_entries", static_cast<int>(aged.size()));
  const auto after = storage.blob_digests();
  std::vector<std::string> gone;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(gone));
  std::string names;
  for (const auto& d : gone) names += "\n  " + d;
  EXPECT_TRUE(gone.empty()) << "the expiry of " << aged.size() << " entries deleted " << gone.size() << " of "
                            << before.size() << " blobs from kind-registry's storage (registry "
                            << env().registry_generation() << "):" << names;
  env().set_upstream(Upstream::stopped);
  pull_cached_images_by_tag_and_digest(env(), images, "cache-aged-past-its-ttl",
                                       "after every expiry of kind-registry's schedule had passed, with the upstream "
                                       "unreachable");
}

TEST_F(CacheLifecycle, PruneKeepsEveryKeptImageOfflineOnEveryNode) {
  const TestImage* shared = nullptr;  // a kept image the going copy shares every blob with
  for (const auto& image : test_images()) {
    if (image.spec.ref.str() == "docker.io/library/memcached:1.6.7") shared = &image;
  }
  ASSERT_NE(shared, nullptr) << "fixtures/images.yaml has no memcached:1.6.7";
  const auto kept_fresh = push_unique_image_to_hub(env(), "prune-kept");
  const auto going_fresh = push_unique_image_to_hub(env(), "prune-going");
  TestImage going_copy = *shared;
  const auto copy_ref = publish_uncached_copy(env().upstream(), *shared, "prune-copy");
  ASSERT_FALSE(copy_ref.empty()) << "the hub refused to mount " << shared->spec.ref.str() << "'s blobs";
  going_copy.spec.ref = *parse_reference(copy_ref);
  for (const TestImage* image : {shared, &kept_fresh, &going_fresh, static_cast<const TestImage*>(&going_copy)}) {
    ASSERT_EQ(cache_and_store(env(), *image), "") << image->spec.ref.str() << " could not be cached";
  }
  const RegistryStorage storage(env().registry_data());
  const std::set<std::string> going_repositories = {going_fresh.spec.ref.repository, going_copy.spec.ref.repository};

  // The keep list: every image the cache holds but the two this scenario
  // means to go, written as a user's images list.
  PruneOptions options;
  options.keep = keep_all_but(env(), going_repositories);

  const auto dry = prune_cache(storage, options, true, {});
  std::set<std::string> going;
  for (const auto& root : dry.plan.going) going.insert(root.str());
  EXPECT_EQ(going, (std::set<std::string>{going_fresh.spec.ref.repository + ":v1",
                                          going_copy.spec.ref.repository + ":" + shared->spec.ref.tag}));
  EXPECT_TRUE(dry.plan.not_held.empty());
  // What goes for good: the fresh image's own manifest, config and layer;
  // the copy's blobs are memcached's, which stays.
  std::uint64_t own = going_fresh.top.size;
  for (const auto& blob : blobs_for(going_fresh, platform())) own += storage.blob_size(blob).value_or(0);
  EXPECT_GE(dry.plan.bytes_freed(), own);

  const auto real = prune_cache(storage, options, false, [&](const std::function<void()>& step) {
    return env().garbage_collect_of(kDockerIo, step);
  });
  RecordProperty("garbage_collect", real.garbage_collect);
  RecordProperty("bytes_freed", std::to_string(real.measured_before - real.measured_after));
  EXPECT_EQ(real.plan.bytes_freed(), dry.plan.bytes_freed()) << "the plan changed between the dry run and the prune";
  EXPECT_EQ(real.measured_before - real.measured_after, dry.plan.bytes_freed())
      << "garbage-collect (" << real.garbage_collect << ") freed other bytes than the dry run said";
  for (const auto& blob : blobs_for(going_fresh, platform())) {
    EXPECT_FALSE(storage.blob_size(blob)) << blob << " of the pruned " << going_fresh.spec.ref.str() << " is still on disk";
  }
  for (const auto& blob : blobs_for(going_copy, platform())) {
    EXPECT_TRUE(storage.blob_size(blob)) << blob << ", shared by the pruned copy and the kept "
                                          << shared->spec.ref.str() << ", was deleted";
  }
  for (const auto* image : {shared, &kept_fresh}) {
    const auto stored = storage.image(image->spec.ref, platform());
    EXPECT_TRUE(stored.complete) << image->spec.ref.str() << " after the prune: " << stored.missing;
  }
  EXPECT_FALSE(storage.image(going_fresh.spec.ref, platform()).complete);

  env().set_upstream(Upstream::stopped);
  pull_cached_images_by_tag_and_digest(env(), {shared, &kept_fresh}, "cache-pruned-to-a-keep-list",
                                       "after a prune to a keep list that names it, with the upstream unreachable");
}

TEST_F(CacheLifecycle, APruneStoppedHalfwayLeavesEveryKeptImageServed) {
  const auto kept = push_unique_image_to_hub(env(), "halfway-kept");
  const auto going = push_unique_image_to_hub(env(), "halfway-going");
  for (const auto* image : {&kept, &going}) {
    ASSERT_EQ(cache_and_store(env(), *image), "") << image->spec.ref.str() << " could not be cached";
  }
  const RegistryStorage storage(env().registry_data());
  PruneOptions options;
  options.keep = keep_all_but(env(), {going.spec.ref.repository});
  size_t removed = 0, planned = 0;
  try {
    (void)prune_cache(storage, options, false, [&](const std::function<void()>&) {
      return env().garbage_collect_of(kDockerIo, [&] {
        auto plan = plan_prune(storage, options, std::chrono::system_clock::now());
        planned = plan.unlink.size();
        plan.unlink.resize(planned / 2 + planned % 2);
        removed = apply_links(plan);
        throw std::runtime_error("stopped halfway");
      });
    });
    ADD_FAILURE() << "the prune's failed step did not fail it";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "stopped halfway");
  }
  RecordProperty("links_removed_before_the_stop", std::to_string(removed) + " of " + std::to_string(planned));
  const auto stored = storage.image(kept.spec.ref, platform());
  EXPECT_TRUE(stored.complete) << kept.spec.ref.str() << " after a prune stopped halfway: " << stored.missing;

  env().set_upstream(Upstream::stopped);
  pull_cached_images_by_tag_and_digest(env(), {&kept}, "cache-prune-stopped-halfway",
                                       "after a prune stopped halfway, with the upstream unreachable");
  env().set_upstream(Upstream::reachable);

  const auto finished = prune_cache(storage, options, false, [&](const std::function<void()>& step) {
    return env().garbage_collect_of(kDockerIo, step);
  });
  EXPECT_FALSE(storage.image(going.spec.ref, platform()).complete) << "the prune run again left " << going.spec.ref.str();
  for (const auto& blob : blobs_for(going, platform())) {
    EXPECT_FALSE(storage.blob_size(blob)) << blob << " of the pruned " << going.spec.ref.str() << " is still on disk";
  }
  EXPECT_TRUE(storage.image(kept.spec.ref, platform()).complete);
}

TEST_F(CacheLifecycle, KilledMidColdPullServesNoPartialBlob) {
  std::vector<const TestImage*> before;
  for (const auto& image : test_images()) {
    if (cache_and_store(env(), image).empty()) before.push_back(&image);
  }
  const RegistryStorage storage(env().registry_data());
  const auto& node = env().nodes().front().name;
  // The kill must land while kind-registry writes the layer's upload. On
  // registry 2.8 behind the front, the upload can be written from the
  // front's cache in one burst once the front holds the whole layer, and the
  // pull may end before a look sees it: that attempt kills nothing, and the
  // next tries again with a fresh image (the last one is cached by then).
  constexpr int kAttempts = 3;
  std::optional<TestImage> big;
  std::uint64_t partial = 0;
  std::string pull_outcome, last_look;
  bool caught = false, published_while_down = false;
  for (int attempt = 1; attempt <= kAttempts && !caught; ++attempt) {
    big = push_unique_image_to_hub(env(), "killed-mid-pull", {100u << 20}, true);
    const auto& layer = big->for_platform(platform()).layers.front();
    partial = 0;
    env().set_upstream_rate("200mbit");
    std::atomic<bool> pull_done{false};
    std::thread pull([&] {
      try {
        const auto r = env().pull_image(node, big->spec.ref.str(), 180s);
        pull_outcome = "the cut pull completed in " + std::to_string(r.seconds) + " s (the node fell back, or retried)";
      } catch (const std::exception& e) {
        pull_outcome = std::string("the cut pull failed: ") + e.what();
      }
      pull_done = true;
    });
    // Killed once the fetch has written a fifth of the layer into its upload.
    const auto fetching = wait_for(
        [&](std::string& why) {
          for (const auto& upload : storage.uploads(big->spec.ref.repository)) {
            std::error_code ec;
            const auto size = std::filesystem::file_size(upload / "data", ec);
            if (!ec) partial = std::max<std::uint64_t>(partial, size);  // an upload without its data file yet: 0
          }
          why = std::to_string(partial) + " bytes of the layer in kind-registry's upload";
          return partial >= layer.size / 5 || pull_done;
        },
        60s, 20ms);
    if (fetching && !pull_done) {
      env().kill_mirror_of(kDockerIo, [&] {
        published_while_down = storage.blob_size(layer.digest).has_value();
        env().set_upstream_rate("");  // the rest at full speed
      });
    }
    env().set_upstream_rate("");
    pull.join();
    caught = fetching && partial >= layer.size / 5;
    last_look = fetching.last_error;
    RecordProperty("attempts", attempt);
  }
  ASSERT_TRUE(caught) << "in " << kAttempts << " attempts the cold pull never reached a fifth of its layer in "
                      << "kind-registry's storage before it ended: " << last_look << " (" << pull_outcome << ")";
  const auto& layer = big->for_platform(platform()).layers.front();
  RecordProperty("killed_at_bytes", std::to_string(partial));
  RecordProperty("cut_pull", pull_outcome);
  EXPECT_FALSE(published_while_down) << "a blob of the fetch SIGKILL cut at " << partial << " of " << layer.size
                                     << " bytes was published as " << layer.digest;

  pull_cached_images_by_tag_and_digest(env(), {&*big}, "cache-killed-mid-pull",
                                       "after kind-registry was killed in the middle of its first fetch");
  // registry 3 commits what it tees to the store once the node has the last
  // byte (it hashes the 100 MB first): the layer lands a moment after the pull.
  const auto stored = wait_for(
      [&](std::string& why) {
        why = layer.digest + " is not in kind-registry's storage";
        return storage.blob_size(layer.digest).has_value();
      },
      30s, 100ms);
  ASSERT_TRUE(stored) << layer.digest << " is not in kind-registry's storage " << stored.waited.count()
                      << " ms after the pulls";
  RecordProperty("stored_after_ms", static_cast<int>(stored.waited.count()));
  EXPECT_EQ(storage.blob_size(layer.digest), layer.size);
  EXPECT_EQ("sha256:" + sha256_file_hex(storage.blob_data(layer.digest)), layer.digest)
      << "the stored layer's bytes are not what its digest names";
  for (const auto* image : before) {
    const auto s = storage.image(image->spec.ref, platform());
    EXPECT_TRUE(s.complete) << image->spec.ref.str() << " after kind-registry was killed: " << s.missing;
  }
  env().set_upstream(Upstream::stopped);
  // The cut fetch's upload session stays behind (distribution purges those
  // itself, a week old); `cache ls` lists it. This one is the scenario's own,
  // in its own repository: removed, so that it is not taken for a fetch in
  // flight by the scenarios after it.
  const auto left = storage.uploads(big->spec.ref.repository);
  RecordProperty("upload_sessions_left", static_cast<int>(left.size()));
  for (const auto& upload : left) std::filesystem::remove_all(upload);
  // The layer is whole on disk (above); the images cached before pull offline.
  pull_cached_images_by_tag_and_digest(env(), {&smallest_test_image(platform())}, "cache-killed-mid-pull-offline",
                                       "after kind-registry was killed mid-pull, with the upstream unreachable");
}

TEST_F(CacheLifecycle, ACacheFilledByRegistry2IsServedByRegistry3) {
  if (env().registry_generation() != "3.1") {
    GTEST_SKIP() << "kind-registry runs registry " << env().registry_generation()
                 << " here; the switch from registry:2 to registry:3 is proved in the labs that run 3.1";
  }
  std::string why;
  struct Back {
    Environment& env;
    ~Back() {
      std::string ignored;
      if (env.registry_generation() != "3.1") (void)env.switch_mirror_generation("3.1", ignored);
    }
  } back{env()};
  if (!env().switch_mirror_generation("2.8", why)) GTEST_SKIP() << "kind-registry cannot run registry 2.8 here: " << why;
  ASSERT_EQ(env().registry_generation(), "2.8");
  const auto small = push_unique_image_to_hub(env(), "filled-by-2-8");
  const auto layered = push_unique_image_to_hub(env(), "filled-by-2-8-layers", {3u << 20, 1u << 20, 64u << 10}, false);
  for (const auto* image : {&small, &layered}) {
    ASSERT_EQ(cache_and_store(env(), *image), "") << image->spec.ref.str() << " could not be cached by registry 2.8";
  }
  ASSERT_TRUE(env().switch_mirror_generation("3.1", why)) << why;
  env().set_upstream(Upstream::stopped);
  pull_cached_images_by_tag_and_digest(env(), {&small, &layered}, "cache-filled-by-registry-2",
                                       "cached by registry 2.8, served by registry 3.1 from the same storage, with "
                                       "the upstream unreachable");
}

TEST_F(CacheLifecycle, KindRegistrysDiskHasRoom) {
  const auto finding = full_cache_disk("kind-registry", env().registry_data(), env().mirror_log_of(kDockerIo));
  EXPECT_FALSE(finding) << finding->str();
}

TEST_F(CacheLifecycle, AColdPullOnAFullDiskServesNoTruncatedBlob) {
  constexpr std::uint64_t kDisk = 48u << 20, kRoom = 4u << 20, kLayer = 16u << 20;
  std::string why;
  struct Restore {
    Environment& env;
    ~Restore() {
      try {
        // Restarted while the upstream answers: kind-registry-start.sh
        // starts a cache without Docker Hub read-only, not as a proxy.
        env.set_upstream(Upstream::reachable);
        env.restore_mirror_storage();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "kind-registry did not go back to its own storage: " << e.what();
      }
    }
  } restore{env()};
  const auto disk = env().mirror_on_small_disk(kDisk, why);
  if (!disk) GTEST_SKIP() << why;
  // Filled but for kRoom: the registry's own files (a few KB) fit, a layer does not.
  {
    const auto space = disk_space(*disk);
    ASSERT_TRUE(space) << "cannot read the free space of " << disk->string();
    const std::uint64_t free_now = space->free;
    std::ofstream filler(*disk / "filler", std::ios::binary);
    const std::string chunk(1 << 20, 'f');
    for (std::uint64_t left = free_now - kRoom; left >= chunk.size(); left -= chunk.size()) filler << chunk;
  }
  const auto image = push_unique_image_to_hub(env(), "full-disk", {kLayer}, true);
  const auto& layer = image.for_platform(platform()).layers.front();
  const RegistryStorage storage(*disk);
  const auto& node = env().nodes().front().name;
  std::string outcome;
  try {
    const auto r = env().pull_image(node, image.spec.ref.str(), 180s);
    outcome = "pulled in " + std::to_string(r.seconds) + " s (the node fell back to the upstream, or the cache served it)";
  } catch (const std::exception& e) {
    outcome = std::string("failed: ") + e.what();
  }
  RecordProperty("pull_on_full_disk", outcome);
  const auto finding = full_cache_disk("kind-registry", *disk, env().mirror_log_of(kDockerIo));
  ASSERT_TRUE(finding) << "the gate did not name kind-registry's full disk " << disk->string();
  EXPECT_NE(finding->problem.find(disk->string()), std::string::npos) << finding->str();
  RecordProperty("finding", finding->str());
  // Whatever was published is whole: never a cut layer under its digest.
  if (const auto size = storage.blob_size(layer.digest)) {
    EXPECT_EQ(*size, layer.size) << "a truncated " << layer.digest << " was published on the full disk";
    EXPECT_EQ("sha256:" + sha256_file_hex(storage.blob_data(layer.digest)), layer.digest);
  }

  std::filesystem::remove(*disk / "filler");
  pull_cached_images_by_tag_and_digest(env(), {&image}, "cache-disk-full-then-room",
                                       "once kind-registry's full disk had room again");
  // registry 2.8 stores a fetch on a goroutine of its own, after it served
  // the node (and while one is in flight, serves the digest without storing).
  const auto cached = wait_for(
      [&](std::string& why) {
        why = layer.digest + " is not in kind-registry's storage";
        return storage.blob_size(layer.digest) == layer.size;
      },
      30s, 100ms);
  ASSERT_TRUE(cached) << layer.digest << " is not cached " << cached.waited.count()
                      << " ms after the pulls once the disk had room again";
  EXPECT_EQ("sha256:" + sha256_file_hex(storage.blob_data(layer.digest)), layer.digest);
  env().set_upstream(Upstream::stopped);
  pull_cached_images_by_tag_and_digest(env(), {&image}, "cache-disk-full-then-room-offline",
                                       "cached after the disk had room again, with the upstream unreachable");
}

}  // namespace
}  // namespace mirrorgate
