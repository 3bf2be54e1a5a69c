// What a cache holds, read off a registry's storage laid out as
// distribution lays it out (registry/storage.h): repositories, tags, the
// bytes each links and shares, blobs no repository links.
#include <gtest/gtest.h>

#include <fstream>

#include "cache/inventory.h"
#include "core/error.h"
#include "tests/bad_input.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string digest_of(char c) { return "sha256:" + std::string(64, c); }

// A blob of `bytes` bytes under its digest.
void blob(const fs::path& v2, const std::string& digest, size_t bytes) {
  put(v2 / "blobs/sha256" / digest.substr(7, 2) / digest.substr(7) / "data", std::string(bytes, 'x'));
}

// REPO:TAG whose manifest (digest m, 100 bytes) names blobs a, b.
void image(const fs::path& v2, const std::string& repo, const std::string& tag, char m, std::vector<char> blobs) {
  const auto dir = v2 / "repositories" / repo;
  put(dir / "_manifests/tags" / tag / "current/link", digest_of(m));
  put(dir / "_manifests/revisions/sha256" / std::string(64, m) / "link", digest_of(m));
  blob(v2, digest_of(m), 100);
  for (char b : blobs) put(dir / "_layers/sha256" / std::string(64, b) / "link", digest_of(b));
}

}  // namespace

TEST(CacheInventory, SharedLayersAreCountedOnceOnDiskAndAsSharedPerRepository) {
  TempDir root("inventory");
  const auto v2 = root.path / "docker/registry/v2";
  blob(v2, digest_of('1'), 1000);  // the base layer both images share
  blob(v2, digest_of('2'), 500);
  blob(v2, digest_of('3'), 700);
  blob(v2, digest_of('9'), 50);    // linked by no repository (left by a deleted tag)
  image(v2, "library/redis", "7.2", 'a', {'1', '2'});
  image(v2, "mirrorgate/app", "v1", 'b', {'1', '3'});
  put(v2 / "repositories/mirrorgate/app/_uploads/some-id/data", "partial");

  const auto inv = take_inventory(RegistryStorage(root.path));
  ASSERT_EQ(inv.repositories.size(), 2u);
  const auto& redis = inv.repositories[0];
  const auto& app = inv.repositories[1];
  EXPECT_EQ(app.name, "mirrorgate/app");
  EXPECT_EQ(redis.name, "library/redis");
  EXPECT_EQ(redis.tags, std::vector<std::string>{"7.2"});
  EXPECT_EQ(redis.bytes, 100u + 1000 + 500);
  EXPECT_EQ(redis.shared_bytes, 1000u);
  EXPECT_EQ(redis.own_bytes(), 600u);
  EXPECT_EQ(app.own_bytes(), 800u);
  EXPECT_EQ(app.uploads, 1u);
  EXPECT_TRUE(redis.last_pulled);
  EXPECT_EQ(inv.blobs, 6u);  // 4 blobs, 2 manifests
  EXPECT_EQ(inv.blob_bytes, 1000u + 500 + 700 + 50 + 100 + 100);
  EXPECT_EQ(inv.unlinked_bytes, 50u);
  EXPECT_GT(inv.disk_total, 0u);

  const auto text = inventory_text(inv, std::chrono::system_clock::now());
  EXPECT_NE(text.find("2 repositories, 6 blobs, 2.5 kB in "), std::string::npos) << text;
  EXPECT_NE(text.find("(0.1 kB linked by no repository)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 upload(s) left by an interrupted fetch"), std::string::npos) << text;
  const auto j = inventory_json(inv);
  EXPECT_EQ(j["repositories"][0]["shared_bytes"], 1000);
}

TEST(CacheInventory, ADirectoryThatIsNotARegistrysStorageIsRefusedByName) {
  TempDir root("inventory");
  const auto message = bad_input_message([&] { (void)take_inventory(RegistryStorage(root.path)); });
  EXPECT_EQ(message.rfind(root.path.string() + ": not a registry's storage", 0), 0u) << message;
}
