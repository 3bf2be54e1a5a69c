// distribution's storage on its filesystem driver, read from the host: the
// one place that knows the layout (registry 2.8 and 3.1 share it).
//   ROOT/docker/registry/v2/blobs/sha256/XX/HEX/data      every blob, once, by digest
//   ROOT/docker/registry/v2/repositories/REPO/
//     _layers/sha256/HEX/link                 a blob (config or layer) the repository serves
//     _manifests/revisions/sha256/HEX/link    a manifest the repository serves
//     _manifests/tags/TAG/current/link        the digest the tag names now
//     _uploads/ID/                            an upload in progress, or left by a crash
//   ROOT/scheduler-state.json                 the proxy's expiry of every blob and manifest it
//                                             fetched: {KEY: {"Key", "ExpiryData", "EntryType"}},
//                                             read at start (an entry past its time expires at once)
// A link file holds the digest it names. A proxy cache rewrites a tag's
// current/link each time a node pulls the tag while the upstream answers
// (its tag service asks the upstream and tags again): its mtime is the last
// such pull. Nothing here writes; it names the paths a prune removes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "images/reference.h"

namespace mirrorgate {

// What the storage holds for one reference, read off the disk.
struct StoredImage {
  bool complete = false;     // the tag or digest, the platform's manifest, config and layers, all linked
  std::string digest;        // the tag's (or the reference's) manifest or index digest; empty when no tag
  std::string missing;       // what is not there, when not complete
  std::vector<std::string> manifests;  // the index and the platform's manifest, as far as stored
  std::vector<std::string> blobs;      // config and layers the platform's manifest names
};

class RegistryStorage {
 public:
  explicit RegistryStorage(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path repositories_dir() const { return root_ / "docker/registry/v2/repositories"; }
  std::filesystem::path blobs_dir() const { return root_ / "docker/registry/v2/blobs"; }
  std::filesystem::path blob_data(const std::string& digest) const;
  std::filesystem::path scheduler_state() const { return root_ / "scheduler-state.json"; }
  // Whether ROOT holds distribution's tree (docker/registry/v2).
  bool exists() const;
  // The digest of every blob file on disk ("sha256:HEX"), sorted.
  std::vector<std::string> blob_digests() const;

  // Every repository ("library/redis", "mirrorgate/x"), sorted.
  std::vector<std::string> repositories() const;
  // The tags of a repository, sorted.
  std::vector<std::string> tags(const std::string& repository) const;
  std::optional<std::string> tag_digest(const std::string& repository, const std::string& tag) const;
  // When the tag's link was last written (see above); nullopt without one.
  std::optional<std::filesystem::file_time_type> tag_written(const std::string& repository,
                                                             const std::string& tag) const;
  bool manifest_linked(const std::string& repository, const std::string& digest) const;
  bool layer_linked(const std::string& repository, const std::string& digest) const;
  // Every manifest revision and every layer link of a repository.
  std::vector<std::string> linked_manifests(const std::string& repository) const;
  std::vector<std::string> linked_layers(const std::string& repository) const;
  std::optional<std::string> read_blob(const std::string& digest) const;
  std::optional<std::uint64_t> blob_size(const std::string& digest) const;
  // Upload directories of a repository (an interrupted fetch leaves one).
  std::vector<std::filesystem::path> uploads(const std::string& repository) const;

  // The digests a stored manifest names (config, layers, an index's
  // manifests, a subject), as garbage-collect marks them; empty when the
  // manifest's body is not stored or is not JSON.
  std::vector<std::string> manifest_references(const std::string& digest) const;
  // When the manifest's revision link was written (its first fetch).
  std::optional<std::filesystem::file_time_type> revision_written(const std::string& repository,
                                                                   const std::string& digest) const;

  // The directories a prune removes: a whole repository, one tag, one
  // manifest revision's link. The blobs they name stay until garbage-collect.
  std::filesystem::path repository_dir(const std::string& repository) const { return repositories_dir() / repository; }
  std::filesystem::path tag_dir(const std::string& repository, const std::string& tag) const {
    return repository_dir(repository) / "_manifests/tags" / tag;
  }
  std::filesystem::path revision_dir(const std::string& repository, const std::string& digest) const;
  std::filesystem::path layer_dir(const std::string& repository, const std::string& digest) const;

  // Whether a node of `platform` can pull `ref` from this storage alone.
  StoredImage image(const ImageReference& ref, const std::string& platform) const;
  // Whether every blob is linked into the repository; names the first that is not.
  std::optional<std::string> first_unlinked(const std::string& repository, const std::vector<std::string>& blobs) const;

 private:
  std::filesystem::path root_;
};

// The link file's digest, trimmed; nullopt when there is none.
std::optional<std::string> read_link(const std::filesystem::path& link);

}  // namespace mirrorgate
