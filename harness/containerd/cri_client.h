// A CRI client over a node's containerd socket: the calls kubelet makes to
// pull and remove images (runtime.v1, served by containerd 1.6 and later).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mirrorgate {

struct CriImage {
  std::string id;  // the config digest, "sha256:…"
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  uint64_t size = 0;
};

struct CriVersion {
  std::string runtime_name;
  std::string runtime_version;
  std::string runtime_api_version;
};

class CriError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CriClient {
 public:
  // socket: a unix socket path, e.g. /run/containerd/containerd.sock
  explicit CriClient(const std::string& socket);
  ~CriClient();
  CriClient(CriClient&&) noexcept;
  CriClient& operator=(CriClient&&) noexcept;

  CriVersion version(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Status(verbose): the runtime's info map (containerd 1.x puts the
  // effective CRI config, registry settings included, under "config").
  std::map<std::string, std::string> status_info(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  // Returns the image id (config digest) the runtime resolved.
  std::string pull_image(const std::string& image, std::chrono::milliseconds timeout) const;
  std::optional<CriImage> image_status(const std::string& image,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  std::vector<CriImage> list_images(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  void remove_image(const std::string& image, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  const std::string& socket() const { return socket_; }

 private:
  struct Stubs;
  std::string socket_;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace mirrorgate
