// A prune's plan on a storage laid out as distribution lays it out: what
// goes, what stays with every blob it needs, and the bytes garbage-collect
// frees, counted the way it marks. The real sweep (distribution's
// garbage-collect on the lab's caches) is proved in CacheLifecycle.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "cache/prune.h"
#include "core/error.h"
#include "tests/bad_input.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

void put(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string digest_of(char c) { return "sha256:" + std::string(64, c); }

class Store {
 public:
  explicit Store(const fs::path& root) : root_(root), v2_(root / "docker/registry/v2") {}
  const fs::path& root() const { return root_; }

  void blob(char d, const std::string& body) {
    put(v2_ / "blobs/sha256" / std::string(2, d) / std::string(64, d) / "data", body);
  }
  void blob(char d, size_t bytes) { blob(d, std::string(bytes, 'x')); }
  void link(const std::string& repo, const std::string& kind, char d) {
    put(v2_ / "repositories" / repo / kind / "sha256" / std::string(64, d) / "link", digest_of(d));
  }
  // A platform manifest m naming config c and layers; linked as a revision
  // and its config and layers as layer links, as the proxy leaves them.
  void manifest(const std::string& repo, char m, char c, std::vector<char> layers) {
    json j = {{"schemaVersion", 2}, {"mediaType", media_type::oci_manifest}, {"config", {{"digest", digest_of(c)}, {"size", 10}}}};
    j["layers"] = json::array();
    for (char l : layers) j["layers"].push_back({{"digest", digest_of(l)}, {"size", 10}});
    blob(m, j.dump());
    link(repo, "_manifests/revisions", m);
    link(repo, "_layers", c);
    for (char l : layers) link(repo, "_layers", l);
  }
  // An index i naming platform manifests.
  void index(const std::string& repo, char i, std::vector<std::pair<char, std::string>> children) {
    json j = {{"schemaVersion", 2}, {"mediaType", media_type::oci_index}, {"manifests", json::array()}};
    for (const auto& [m, platform] : children) {
      const auto slash = platform.find('/');
      j["manifests"].push_back({{"digest", digest_of(m)},
                                {"mediaType", media_type::oci_manifest},
                                {"platform", {{"os", platform.substr(0, slash)}, {"architecture", platform.substr(slash + 1)}}}});
    }
    blob(i, j.dump());
    link(repo, "_manifests/revisions", i);
  }
  void tag(const std::string& repo, const std::string& tag, char d, int hours_ago) {
    const auto link = v2_ / "repositories" / repo / "_manifests/tags" / tag / "current/link";
    put(link, digest_of(d));
    fs::last_write_time(link, fs::file_time_type::clock::now() - std::chrono::hours(hours_ago));
  }

 private:
  fs::path root_, v2_;
};

ImageReference ref(const std::string& text) { return *parse_reference(text); }

std::set<std::string> names(const std::vector<CacheRoot>& roots) {
  std::set<std::string> out;
  for (const auto& r : roots) out.insert(r.str());
  return out;
}

const auto kNow = std::chrono::system_clock::now();

// Two images sharing a base layer, and an app image of two tags.
void fill(Store& s) {
  s.blob('1', 1000);  // base layer shared by redis and app
  s.blob('2', 500);   // redis' own layer
  s.blob('3', 700);   // app v1's own layer
  s.blob('4', 300);   // app v2's own layer
  s.blob('c', 10);    // a config every image shares
  s.manifest("library/redis", 'a', 'c', {'1', '2'});
  s.tag("library/redis", "7.2", 'a', 48);
  s.manifest("mirrorgate/app", 'b', 'c', {'1', '3'});
  s.tag("mirrorgate/app", "v1", 'b', 200);
  s.manifest("mirrorgate/app", 'd', 'c', {'1', '4'});
  s.tag("mirrorgate/app", "v2", 'd', 1);
}

std::uint64_t blob_size_of(const Store& s, char d) { return *RegistryStorage(s.root()).blob_size(digest_of(d)); }

}  // namespace

TEST(CachePrune, AnImageOutsideTheKeepListGoesAndTheLayersItSharesWithAKeptImageStay) {
  TempDir root("prune");
  Store s(root.path);
  fill(s);
  const RegistryStorage storage(root.path);
  const auto plan = plan_prune(storage, {.keep = {ref("mirrorgate/app:v1"), ref("mirrorgate/app:v2")}}, kNow);

  EXPECT_EQ(names(plan.going), (std::set<std::string>{"library/redis:7.2"}));
  EXPECT_EQ(names(plan.kept), (std::set<std::string>{"mirrorgate/app:v1", "mirrorgate/app:v2"}));
  EXPECT_EQ(plan.repositories_going, std::vector<std::string>{"library/redis"});
  // redis' manifest and own layer; the base layer and the config stay (app names them).
  EXPECT_EQ(plan.bytes_freed(), blob_size_of(s, 'a') + 500);
  EXPECT_EQ(plan.blobs_freed, 2u);
  EXPECT_EQ(plan.bytes_before, blob_bytes_on_disk(storage));

  EXPECT_EQ(apply_links(plan), 1u);
  EXPECT_FALSE(fs::exists(storage.repositories_dir() / "library"));  // its empty parent too
  for (const char* kept : {"mirrorgate/app:v1", "mirrorgate/app:v2"}) {
    const auto image = storage.image(ref(kept), "linux/amd64");
    EXPECT_TRUE(image.complete) << kept << ": " << image.missing;
  }
  // What garbage-collect will sweep now: exactly what the plan freed.
  const auto after = plan_prune(storage, {.keep = {ref("mirrorgate/app:v1"), ref("mirrorgate/app:v2")}}, kNow);
  EXPECT_TRUE(after.going.empty());
  EXPECT_EQ(after.bytes_after, plan.bytes_after);
}

TEST(CachePrune, OneTagOfARepositoryGoesWithItsRevisionAndItsOwnLayerLinksOnly) {
  TempDir root("prune");
  Store s(root.path);
  fill(s);
  const RegistryStorage storage(root.path);
  const auto plan = plan_prune(storage, {.keep = {ref("redis:7.2"), ref("mirrorgate/app:v2")}}, kNow);
  EXPECT_EQ(names(plan.going), (std::set<std::string>{"mirrorgate/app:v1"}));
  EXPECT_TRUE(plan.repositories_going.empty());
  EXPECT_EQ(plan.bytes_freed(), blob_size_of(s, 'b') + 700);
  const std::set<fs::path> unlink(plan.unlink.begin(), plan.unlink.end());
  EXPECT_EQ(unlink, (std::set<fs::path>{storage.tag_dir("mirrorgate/app", "v1"),
                                        storage.revision_dir("mirrorgate/app", digest_of('b')),
                                        storage.layer_dir("mirrorgate/app", digest_of('3'))}));
  apply_links(plan);
  EXPECT_TRUE(storage.layer_linked("mirrorgate/app", digest_of('1')));  // v2 still needs the base layer
  EXPECT_TRUE(storage.image(ref("mirrorgate/app:v2"), "linux/amd64").complete);
  EXPECT_TRUE(storage.image(ref("redis:7.2"), "linux/amd64").complete);
  EXPECT_FALSE(storage.tag_digest("mirrorgate/app", "v1"));
}

TEST(CachePrune, AnIndexKeptByTagOrByItsPlatformManifestsDigestKeepsItsWholeTree) {
  TempDir root("prune");
  Store s(root.path);
  s.blob('1', 1000);
  s.blob('c', 10);
  s.manifest("library/nginx", 'b', 'c', {'1'});
  s.index("library/nginx", 'a', {{'b', "linux/amd64"}, {'f', "linux/arm64"}});  // arm64's never fetched
  s.tag("library/nginx", "1.27", 'a', 5);
  s.blob('2', 400);
  s.blob('e', 10);
  s.manifest("library/nginx", 'd', 'e', {'2'});  // pulled by digest only: a root of its own
  const RegistryStorage storage(root.path);

  for (const auto& keep : {std::string("nginx:1.27"), "nginx@" + digest_of('b')}) {
    const auto plan = plan_prune(storage, {.keep = {ref(keep)}}, kNow);
    EXPECT_EQ(names(plan.kept), std::set<std::string>{"library/nginx:1.27"}) << keep;
    EXPECT_EQ(names(plan.going), std::set<std::string>{"library/nginx@" + digest_of('d')}) << keep;
    EXPECT_EQ(plan.bytes_freed(), blob_size_of(s, 'd') + 400 + 10) << keep;
  }
  const auto none = plan_prune(storage, {.keep = {ref("nginx:9")}}, kNow);
  EXPECT_EQ(none.not_held, std::vector<std::string>{"docker.io/library/nginx:9"});
  EXPECT_EQ(none.repositories_going, std::vector<std::string>{"library/nginx"});
  EXPECT_EQ(none.bytes_after, 0u);
}

TEST(CachePrune, MaxSizeTakesTheLeastRecentlyPulledFirstAndStopsOnceUnder) {
  TempDir root("prune");
  Store s(root.path);
  fill(s);  // app:v1 pulled 200 h ago, redis 48 h, app:v2 1 h
  const RegistryStorage storage(root.path);
  const auto all = plan_prune(storage, {}, kNow);
  ASSERT_EQ(all.going.size(), 3u);
  EXPECT_EQ(all.going[0].str(), "mirrorgate/app:v1");
  EXPECT_EQ(all.going[1].str(), "library/redis:7.2");

  // Just under what is there now: app:v1 alone goes.
  const auto one = plan_prune(storage, {.max_size = all.bytes_before - 1}, kNow);
  EXPECT_EQ(names(one.going), std::set<std::string>{"mirrorgate/app:v1"});
  EXPECT_EQ(names(one.staying), (std::set<std::string>{"library/redis:7.2", "mirrorgate/app:v2"}));
  EXPECT_FALSE(one.above_max_size);

  // older than 3 days: app:v1; then the size takes redis too.
  const auto two = plan_prune(storage, {.max_size = one.bytes_after - 1, .older_than = std::chrono::hours(72)}, kNow);
  EXPECT_EQ(names(two.going), (std::set<std::string>{"mirrorgate/app:v1", "library/redis:7.2"}));

  // The kept image alone is above the limit: everything else goes, and it says so.
  const auto over = plan_prune(storage, {.keep = {ref("redis:7.2")}, .max_size = 100}, kNow);
  EXPECT_TRUE(over.above_max_size);
  EXPECT_EQ(names(over.kept), std::set<std::string>{"library/redis:7.2"});
  EXPECT_EQ(over.going.size(), 2u);
  EXPECT_NE(prune_text(over, true).find("still above --max-size"), std::string::npos);
}

TEST(CachePrune, GarbageNoManifestNamesIsFreedAndCountedInTheDryRun) {
  TempDir root("prune");
  Store s(root.path);
  fill(s);
  s.blob('9', 4321);  // left by a deleted tag
  const auto plan = plan_prune(RegistryStorage(root.path),
                               {.keep = {ref("redis:7.2"), ref("mirrorgate/app:v1"), ref("mirrorgate/app:v2")}}, kNow);
  EXPECT_TRUE(plan.going.empty());
  EXPECT_EQ(plan.bytes_freed(), 4321u);
  EXPECT_EQ(prune_json(plan)["bytes_freed"], 4321);
}

TEST(CachePrune, BadInputIsNamedAndChangesNothing) {
  TempDir root("prune");
  put(root.path / "keep.txt", "redis:7.2\n# a comment\n\nNot A Reference!\n");
  const auto message = bad_input_message([&] { (void)read_keep_list(root.path / "keep.txt"); });
  EXPECT_EQ(message.rfind((root.path / "keep.txt").string() + ":4: 'Not A Reference!' is not an image reference", 0), 0u)
      << message;
  EXPECT_EQ(bad_input_message([&] { (void)plan_prune(RegistryStorage(root.path), {}, kNow); })
                .rfind(root.path.string() + ": not a registry's storage", 0),
            0u);

  EXPECT_EQ(parse_cache_size("50GB"), 50'000'000'000u);
  EXPECT_EQ(parse_cache_size("500MiB"), 500u << 20);
  EXPECT_EQ(parse_cache_size("1.5T"), 1'500'000'000'000u);
  EXPECT_EQ(parse_cache_size("123"), 123u);
  for (const char* bad : {"", "GB", "50 parsecs", "-1GB", "1e30"}) {
    EXPECT_THROW(parse_cache_size(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(parse_age("30d"), std::chrono::hours(24 * 30));
  EXPECT_EQ(parse_age("1d12h"), std::chrono::hours(36));
  EXPECT_EQ(parse_age("2w"), std::chrono::hours(24 * 14));
  for (const char* bad : {"", "30", "d", "3y", "1.5d", "-3d", "30d "}) {
    EXPECT_THROW(parse_age(bad), std::invalid_argument) << bad;
  }
}

TEST(CachePrune, WhatGarbageCollectCannotWalkIsMadeWalkableAndLinksWithoutImageGo) {
  TempDir root("prune");
  Store s(root.path);
  fill(s);
  // A pull refused after its manifest: a tag and a revision, no _layers.
  json j = {{"schemaVersion", 2}, {"mediaType", media_type::oci_manifest}, {"config", {{"digest", digest_of('e')}}}};
  s.blob('f', j.dump());
  s.link("mirrorgate/refused", "_manifests/revisions", 'f');
  s.tag("mirrorgate/refused", "v1", 'f', 3);
  // Blobs fetched by digest alone: layer links, no manifest (garbage-collect
  // does not walk it: the links would name deleted blobs).
  s.link("mirrorgate/layers-only", "_layers", '3');
  // An interrupted fetch's upload, nothing else: not a repository to it either; left.
  put(root.path / "docker/registry/v2/repositories/mirrorgate/upload-only/_uploads/id/data", "partial");
  const RegistryStorage storage(root.path);
  const auto plan = plan_prune(storage, {.keep = {ref("mirrorgate/refused:v1"), ref("redis:7.2")}}, kNow);
  EXPECT_EQ(plan.empty_repositories, std::vector<std::string>{"mirrorgate/layers-only"});
  EXPECT_EQ(plan.make_layers, std::vector<fs::path>{storage.repository_dir("mirrorgate/refused") / "_layers"});
  apply_links(plan);
  EXPECT_TRUE(fs::is_directory(storage.repository_dir("mirrorgate/refused") / "_layers"));
  EXPECT_FALSE(fs::exists(storage.repository_dir("mirrorgate/layers-only")));
  EXPECT_TRUE(fs::exists(storage.repository_dir("mirrorgate/upload-only")));
  EXPECT_EQ(storage.tag_digest("mirrorgate/refused", "v1"), digest_of('f'));
}

// A prune stopped at any point: after any number of its link removals (in
// the plan's order and backwards), and with garbage-collect's sweep of what
// no remaining manifest names stopped after none, one, or all of its
// deletions, every kept image is still whole in the storage.
TEST(CachePrune, StoppedAtAnyPointEveryKeptImageIsStillWhole) {
  const std::vector<ImageReference> keep = {ref("nginx:1.27"), ref("mirrorgate/app:v2")};
  auto build = [](Store& s) {
    fill(s);
    s.blob('6', 200);
    s.manifest("library/nginx", '5', 'c', {'1', '6'});
    s.index("library/nginx", '7', {{'5', "linux/amd64"}, {'8', "linux/arm64"}});
    s.tag("library/nginx", "1.27", '7', 10);
    s.tag("library/nginx", "old", '5', 400);
  };
  size_t cases = 0;
  for (bool backwards : {false, true}) {
    for (size_t links = 0;; ++links) {
      TempDir root("prune");
      Store s(root.path);
      build(s);
      const RegistryStorage storage(root.path);
      auto plan = plan_prune(storage, {.keep = keep}, kNow);
      ASSERT_GE(plan.unlink.size(), 3u);
      if (links > plan.unlink.size()) break;
      if (backwards) std::reverse(plan.unlink.begin(), plan.unlink.end());
      plan.unlink.resize(links);
      apply_links(plan);
      std::set<std::string> named;
      for (const auto& repository : storage.repositories()) {
        for (const auto& m : storage.linked_manifests(repository)) {
          named.insert(m);
          for (const auto& r : storage.manifest_references(m)) named.insert(r);
        }
      }
      for (size_t blobs : {size_t(0), size_t(1), SIZE_MAX}) {
        size_t deleted = 0;
        for (const auto& d : storage.blob_digests()) {
          if (deleted >= blobs) break;
          if (!named.count(d)) fs::remove(storage.blob_data(d)), ++deleted;
        }
        ++cases;
        for (const auto& k : keep) {
          const auto image = storage.image(k, "linux/amd64");
          EXPECT_TRUE(image.complete) << k.str() << " after " << links << " link removals"
                                      << (backwards ? " (backwards)" : "") << " and " << deleted
                                      << " swept blobs: " << image.missing;
        }
      }
    }
  }
  EXPECT_GE(cases, 18u);
}
