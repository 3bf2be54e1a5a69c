// The Environment contract: what scenarios and benchmarks need from a mirrored
// cluster, whichever backend runs it (the embedded lab of namespaces, or real
// kind + Docker). Everything is named in production terms: nodes, the mirror
// (kind-registry), the upstream (Docker Hub).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "containerd/config_patch.h"
#include "env/lab_state.h"
#include "registry/access_log.h"
#include "registry/registry_client.h"

namespace mirrorgate {

struct PullResult {
  std::string node;
  std::string image;     // as requested
  std::string image_id;  // the config digest the node resolved
  double seconds = 0;    // wall time of the CRI call
};

// How the upstream (Docker Hub) looks from the lab.
enum class Upstream {
  reachable,
  stopped,    // nothing listens: connections are refused at once
  link_down,  // its link is down: packets go nowhere, connections time out
};

class Environment {
 public:
  virtual ~Environment() = default;

  virtual std::string backend() const = 0;
  virtual std::vector<NodeInfo> nodes() const = 0;
  NodeInfo node(const std::string& name) const;  // throws for an unknown name

  // Files as the node sees them (e.g. /etc/containerd/certs.d/…).
  virtual std::optional<std::string> read_node_file(const std::string& node, const std::string& path) const = 0;
  virtual void write_node_file(const std::string& node, const std::string& path, const std::string& content) = 0;
  // Paths of the regular files under a directory of the node, relative to it.
  virtual std::vector<std::string> list_node_files(const std::string& node, const std::string& dir) const = 0;

  // Pulls through the node's CRI ImageService, as kubelet does.
  virtual PullResult pull_image(const std::string& node, const std::string& image,
                                std::chrono::milliseconds timeout) = 0;
  // The image id (config digest) the node holds for a reference, if any.
  virtual std::optional<std::string> image_id(const std::string& node, const std::string& image) const = 0;
  // Removes the image and waits until the node's content store no longer
  // holds its blobs, so the next pull really fetches them. Returns false
  // when blobs were still there at the timeout.
  virtual bool remove_image(const std::string& node, const std::string& image,
                            const std::vector<std::string>& blob_digests, std::chrono::milliseconds timeout) = 0;
  virtual bool node_has_blob(const std::string& node, const std::string& digest) const = 0;
  // Bytes in the node's content store, downloads in progress included: the
  // difference over a pull is what it has fetched so far.
  virtual std::uint64_t node_content_bytes(const std::string& node) const = 0;

  // The mirror as the harness reaches it (catalog, tags), and the address the
  // upstream sees the mirror's requests come from.
  virtual RegistryClient mirror() const = 0;
  virtual std::string mirror_address() const = 0;
  virtual RegistryClient upstream() const = 0;

  // The registry settings the node's running containerd uses, read back from
  // containerd itself (not from the files the harness wrote).
  virtual RegistrySettings node_registry_config(const std::string& node) const = 0;

  virtual void set_upstream(Upstream state) = 0;
  // Limits the upstream's link like a WAN ("100mbit"); empty: unlimited.
  virtual void set_upstream_rate(const std::string& rate) = 0;
  virtual std::string upstream_rate() const = 0;
  // Stops kind-registry and starts it again over the same cache.
  virtual void restart_mirror() = 0;

  virtual std::vector<AccessRecord> mirror_access_log() const = 0;
  virtual std::vector<AccessRecord> upstream_access_log() const = 0;
};

}  // namespace mirrorgate
