// Seeding a registry with a generated test image (images/test_images):
// the hub stand-in, the scenarios' unique images, the floor benchmark's
// loopback registry.
#pragma once

#include <atomic>

#include "images/test_images.h"
#include "registry/registry_client.h"

namespace mirrorgate {

// Pushes the image's blobs and manifests to a registry (blobs it already has
// are skipped), into `repository` (default: the image's own). Returns false
// when the tag already pointed at the image. Blob bytes uploaded are added
// to `sent` (when given), for progress.
bool push_test_image(const RegistryClient& registry, const TestImage& image, const TestImageStore& store,
                     std::atomic<long long>* sent = nullptr, const std::string& repository = "");

}  // namespace mirrorgate
