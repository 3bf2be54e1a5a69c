#include "hub/stand_in.h"

#include <atomic>
#include <chrono>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/files.h"
#include "core/interrupt.h"
#include "core/progress.h"
#include "process/process.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string hub_url() { return std::string("https://") + kDockerHubApiHost; }

HubPki make_hub_pki(const fs::path& state_dir) {
  const fs::path pki = state_dir / "pki";
  fs::create_directories(pki);
  HubPki out{pki / "ca.crt", pki / "ca-bundle.crt", pki / "hub.crt", pki / "hub.key"};
  const fs::path ca_key = pki / "ca.key";
  if (!fs::exists(out.ca_file) || !fs::exists(out.cert)) {
    spdlog::info("creating the lab CA and a certificate for {}", kDockerHubApiHost);
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650",
         "-subj", "/CN=mirrorgate lab CA", "-keyout", ca_key.string(), "-out", out.ca_file.string()});
    write_file_atomic(pki / "hub.ext", std::string("subjectAltName=DNS:") + kDockerHubApiHost + ",DNS:docker.io,DNS:hub\n" +
                                           "extendedKeyUsage=serverAuth\n");
    run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
         std::string("/CN=") + kDockerHubApiHost, "-keyout", out.key.string(), "-out", (pki / "hub.csr").string()});
    run({"openssl", "x509", "-req", "-in", (pki / "hub.csr").string(), "-CA", out.ca_file.string(), "-CAkey",
         ca_key.string(), "-CAcreateserial", "-days", "825", "-extfile", (pki / "hub.ext").string(), "-out",
         out.cert.string()});
  }
  // Go reads SSL_CERT_FILE instead of the system store: keep the system's CAs
  // and add the lab's, as a corporate CA would be added.
  const std::string bundle = read_file_if_exists("/etc/ssl/certs/ca-certificates.crt").value_or("");
  write_file_atomic(out.ca_bundle, bundle + "\n" + read_file(out.ca_file));
  return out;
}

std::string hub_registry_config(const std::string& listen, const std::string& root_directory, const std::string& cert,
                                const std::string& key) {
  std::ostringstream y;
  y << "# The Docker Hub stand-in, written by mirrorgate.\n"
    << "version: 0.1\n"
    << "log:\n  fields:\n    service: hub\n"
    << "storage:\n  filesystem:\n    rootdirectory: " << root_directory << "\n  delete:\n    enabled: true\n"
    << "http:\n  addr: " << listen << "\n"
    << "  tls:\n    certificate: " << cert << "\n    key: " << key << "\n";
  return y.str();
}

RegistryClient hub_client(const RunState& s) {
  if (!s.has_stand_in_hub()) return RegistryClient(hub_url());
  HttpOptions o;
  o.ca_file = s.ca_file;
  o.resolve = {std::string(kDockerHubApiHost) + ":443:" + s.hub_address};
  o.timeout = 10min;
  return RegistryClient(hub_url(), o);
}

std::vector<TestImage> build_test_images(const fs::path& list, const TestImageStore& store) {
  std::vector<TestImage> images;
  for (const auto& spec : load_test_image_list(list)) {
    throw_if_interrupted("generating test images");
    bool generated = false;
    const auto started = std::chrono::steady_clock::now();
    images.push_back(store.build(spec, &generated));
    if (generated) {
      spdlog::info("generated test image {} in {:.1f} s", spec.ref.str(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  }
  return images;
}

namespace {

// True when it was pushed now.
bool seed_one(const RegistryClient& hub, const TestImage& image, const TestImageStore& store) {
  std::atomic<long long> sent{0};
  std::uint64_t total = 0;
  for (const auto& p : image.platforms) {
    total += p.config.size;
    for (const auto& l : p.layers) total += l.size;
  }
  Progress progress("seeding the hub: " + image.spec.ref.str(), [&] { return static_cast<std::uint64_t>(sent.load()); },
                    total);
  return push_test_image(hub, image, store, &sent);
}

}  // namespace

std::vector<SeededImage> seed_hub(const RegistryClient& hub, const std::vector<TestImage>& images,
                                  const TestImageStore& store, const std::string& platform) {
  std::vector<SeededImage> seeded;
  int pushed = 0;
  for (const auto& image : images) {
    throw_if_interrupted("seeding the Docker Hub stand-in");
    if (seed_one(hub, image, store)) {
      spdlog::info("seeded the hub with {}", image.spec.ref.str());
      ++pushed;
    }
    seeded.push_back({image.spec.ref.str(), image.top.digest, image.top.media_type, image.bytes_for(platform)});
  }
  spdlog::info("the hub holds {} test images ({} pushed now)", images.size(), pushed);
  return seeded;
}

}  // namespace mirrorgate
