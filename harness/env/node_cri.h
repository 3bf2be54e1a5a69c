// A node's containerd through its CRI socket, the same for every backend
// that can reach the socket: pulls timed as the node sees them, the images
// it holds, the registry settings it runs with, and where its content
// store keeps a blob.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "containerd/config_patch.h"
#include "env/environment.h"

namespace mirrorgate {

// containerd's content store below its root (/var/lib/containerd).
inline constexpr const char* kContentStoreDir = "io.containerd.content.v1.content";

PullResult timed_cri_pull(const std::string& node, const std::string& socket, const std::string& image,
                          std::chrono::milliseconds timeout);
std::set<std::string> cri_image_ids(const std::string& socket);
// "containerd 2.1.9 (CRI v1)": what the node's CRI says it runs.
std::string cri_runtime(const std::string& socket,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
std::optional<std::string> cri_image_id(const std::string& socket, const std::string& image);

// containerd 1.x reports its effective CRI config in CRI Status (what
// `crictl info` prints); 2.x does not: nullopt, and `containerd config
// dump` is what it runs (registry_settings_from_dump).
std::optional<RegistrySettings> registry_settings_from_cri(const std::string& node, const std::string& socket);
RegistrySettings registry_settings_from_dump(const std::string& node, const std::string& dump);

// blobs/ALGORITHM/HEX under a content store.
std::filesystem::path content_blob_path(const std::filesystem::path& content_store, const std::string& digest);
// Blobs, and ingest/*/data that containerd appends to while it downloads.
std::uint64_t content_store_bytes(const std::filesystem::path& content_store);

}  // namespace mirrorgate
