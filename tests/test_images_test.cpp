#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "images/test_images.h"
#include "tests/bad_input.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
namespace fs = std::filesystem;

namespace {

TestImageSpec spec(const std::string& ref, ImageFormat format, std::vector<uint64_t> layers,
                      std::vector<std::string> platforms = {}) {
  TestImageSpec s;
  s.text = ref;
  s.ref = *parse_reference(ref);
  s.format = format;
  s.layer_sizes = std::move(layers);
  s.platforms = std::move(platforms);
  return s;
}

std::string gunzip(const std::string& data) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out;
  char buf[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

}  // namespace

TEST(TestImages, SameSpecGivesTheSameDigestsInAnotherStore) {
  TempDir a, b;
  auto s = spec("yinfangchen/geo:app3", ImageFormat::docker, {100000, 2048}, {"linux/amd64"});
  auto one = TestImageStore(a.path).build(s);
  auto two = TestImageStore(b.path).build(s);
  EXPECT_EQ(one.top.digest, two.top.digest);
  EXPECT_EQ(one.platforms[0].layers[0].digest, two.platforms[0].layers[0].digest);
  EXPECT_EQ(one.top.media_type, media_type::docker_manifest);
}

TEST(TestImages, SecondBuildReusesTheCache) {
  TempDir dir;
  TestImageStore store(dir.path);
  auto s = spec("busybox:1.36", ImageFormat::docker, {4096}, {"linux/amd64"});
  bool generated = false;
  auto first = store.build(s, &generated);
  EXPECT_TRUE(generated);
  auto second = store.build(s, &generated);
  EXPECT_FALSE(generated);
  EXPECT_EQ(first.top.digest, second.top.digest);
  // A missing blob means the cache is incomplete: rebuild.
  fs::remove(store.blob_path(first.platforms[0].layers[0].digest));
  store.build(s, &generated);
  EXPECT_TRUE(generated);
}

TEST(TestImages, LayersAreGzippedTarsWhoseDiffIdsMatchTheConfig) {
  TempDir dir;
  TestImageStore store(dir.path);
  auto image = store.build(spec("memcached:1.6.7", ImageFormat::oci, {5000, 70000}, {"linux/amd64"}));
  const auto& p = image.platforms[0];
  auto config = nlohmann::json::parse(read_file(store.blob_path(p.config.digest)));
  ASSERT_EQ(config["rootfs"]["diff_ids"].size(), 2u);
  for (size_t i = 0; i < p.layers.size(); ++i) {
    auto gz = read_file(store.blob_path(p.layers[i].digest));
    EXPECT_EQ("sha256:" + sha256_hex(gz), p.layers[i].digest);
    EXPECT_EQ(gz.size(), p.layers[i].size);
    auto tar = gunzip(gz);
    EXPECT_EQ("sha256:" + sha256_hex(tar), config["rootfs"]["diff_ids"][i].get<std::string>());
    EXPECT_EQ(tar.size() % 512, 0u);
    EXPECT_EQ(tar.substr(257, 5), "ustar");
  }
  EXPECT_EQ(p.layers[0].media_type, media_type::oci_layer);
  EXPECT_EQ(p.config.media_type, media_type::oci_config);
}

TEST(TestImages, MultiPlatformImageIsAnIndexWithOneManifestPerPlatform) {
  TempDir dir;
  auto image = TestImageStore(dir.path).build(
      spec("alpine:3.19", ImageFormat::oci, {1000}, {"linux/amd64", "linux/arm64"}));
  ASSERT_TRUE(image.is_index());
  EXPECT_EQ(image.top.media_type, media_type::oci_index);
  auto index = nlohmann::json::parse(image.top_body);
  ASSERT_EQ(index["manifests"].size(), 2u);
  EXPECT_EQ(index["manifests"][1]["platform"]["architecture"], "arm64");
  EXPECT_NE(image.for_platform("linux/amd64").layers[0].digest, image.for_platform("linux/arm64").layers[0].digest);
  EXPECT_EQ("sha256:" + sha256_hex(image.top_body), image.top.digest);
}

TEST(TestImages, ShippedListParses) {
  auto specs = load_test_image_list(MIRRORGATE_SOURCE_DIR "/fixtures/images.yaml");
  ASSERT_GE(specs.size(), 5u);
  bool has_user_image = false, has_index = false, has_oci = false;
  uint64_t largest = 0, smallest = UINT64_MAX;
  for (const auto& s : specs) {
    has_user_image = has_user_image || s.ref.repository == "yinfangchen/geo";
    has_index = has_index || s.platforms.size() > 1;
    has_oci = has_oci || s.format == ImageFormat::oci;
    uint64_t total = 0;
    for (auto l : s.layer_sizes) total += l;
    largest = std::max(largest, total);
    smallest = std::min(smallest, total);
  }
  EXPECT_TRUE(has_user_image);
  EXPECT_TRUE(has_index);
  EXPECT_TRUE(has_oci);
  EXPECT_GE(largest, 100u << 20);
  EXPECT_LE(smallest, 16u << 10);
}

TEST(TestImages, SizesParseWithUnits) {
  EXPECT_EQ(parse_size("4KiB"), 4096u);
  EXPECT_EQ(parse_size("10MiB"), 10u << 20);
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_THROW(parse_size("10 furlongs"), std::invalid_argument);
}

TEST(TestImages, SizesThatCannotBeALayerAreBadInputNamingTheLine) {
  // Each of these once reached the generator: nan wrote one file until the disk filled.
  for (const std::string size : {"nan", "inf", "-inf", "1e30GB", "1e400", "9GiB", "-1"}) {
    TempDir dir;
    write_file_atomic(dir.path / "images.yaml", "images:\n  - ref: busybox:1.36\n    layers: [" + size + "]\n");
    auto message = bad_input_message([&] { load_test_image_list(dir.path / "images.yaml"); });
    EXPECT_NE(message.find("images.yaml:3:"), std::string::npos) << size << ": " << message;
  }
  EXPECT_EQ(parse_size("8GiB"), kMaxLayerBytes);
}

TEST(TestImages, BadListNamesTheLine) {
  TempDir dir;
  write_file_atomic(dir.path / "images.yaml", "images:\n  - ref: busybox:1.36\n    layers: [4KiB]\n  - ref: Bad Name\n    layers: [1]\n");
  auto message = bad_input_message([&] { load_test_image_list(dir.path / "images.yaml"); });
  EXPECT_NE(message.find("images.yaml:4:"), std::string::npos) << message;
}
