// Test images for the Docker Hub stand-in: generated, deterministic
// (same digests on every machine and run), and cached on disk so a second
// `up` reuses them. Layers are real gzip'd tars with correct diff_ids, so
// containerd unpacks them as it would any image.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "images/reference.h"

namespace mirrorgate {

enum class ImageFormat { docker, oci };

struct TestImageSpec {
  std::string text;                 // the reference as written in the list
  ImageReference ref;
  ImageFormat format = ImageFormat::docker;
  std::vector<std::string> platforms;  // "linux/amd64"; empty: the host's platform only
  std::vector<uint64_t> layer_sizes;   // bytes of file content per layer
  int line = 0;                        // in the list file
};

struct Blob {
  std::string digest;  // "sha256:…"
  std::string media_type;
  uint64_t size = 0;
};

struct PlatformImage {
  std::string platform;  // "linux/amd64"
  Blob manifest;
  std::string manifest_body;
  Blob config;
  std::vector<Blob> layers;
};

struct TestImage {
  TestImageSpec spec;
  Blob top;                 // the tag's manifest or index
  std::string top_body;
  std::vector<PlatformImage> platforms;
  bool is_index() const { return platforms.size() > 1; }
  // The platform a node of `platform` pulls (its manifest, config, layers).
  const PlatformImage& for_platform(const std::string& platform) const;
  uint64_t bytes_for(const std::string& platform) const;  // manifest+config+layers
};

// "linux/amd64" or "linux/arm64" for the machine this runs on.
std::string host_platform();

// Parses a list like fixtures/images.yaml; UserError(bad_input) with the line.
std::vector<TestImageSpec> load_test_image_list(const std::filesystem::path& file);
// "4KiB", "10MiB", "1GiB", "512"; throws std::invalid_argument for anything
// else, for nan/inf, and above kMaxLayerBytes.
uint64_t parse_size(const std::string& text);
inline constexpr uint64_t kMaxLayerBytes = uint64_t(8) << 30;

class TestImageStore {
 public:
  explicit TestImageStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  // Generates the image's blobs unless the store already holds them.
  TestImage build(const TestImageSpec& spec, bool* generated = nullptr) const;
  std::filesystem::path blob_path(const std::string& digest) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace mirrorgate
