#include "hub/stand_in.h"

#include "hub/front.h"

#include <unistd.h>

#include <atomic>
#include <ctime>
#include <chrono>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/files.h"
#include "core/interrupt.h"
#include "core/progress.h"
#include "core/paths.h"
#include "hub/quota.h"
#include "hub/token.h"
#include "hub/worlds.h"
#include "registry/push_image.h"
#include "registry/storage.h"
#include "process/process.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string hub_url() { return std::string("https://") + kDockerHubApiHost; }

namespace {

// The domains the lab CA may vouch for: Docker Hub's and the other worlds'
// (hub/worlds.h), and "hub".
const std::vector<std::string>& lab_ca_domains() {
  static const std::vector<std::string> domains{"docker.io",  "docker.com", "quay.io", "ghcr.io",
                                                "githubusercontent.com", "k8s.io", "pkg.dev", "hub"};
  return domains;
}

// Every name the front answers as: Docker Hub's and the other worlds'.
std::vector<std::string> front_names() {
  std::vector<std::string> names{kDockerHubApiHost, "docker.io", kDockerHubAuthHost, kDockerHubBlobHost};
  for (const auto& h : stand_in_world_hosts()) names.push_back(h);
  return names;
}

// Still valid for two days, and made by a mirrorgate that name-constrains it
// to every domain of the stand-in world.
bool lab_ca_is_current(const fs::path& ca_file) {
  if (!fs::exists(ca_file)) return false;
  if (!run({"openssl", "x509", "-checkend", "172800", "-noout", "-in", ca_file.string()}, {.check = false}).ok()) return false;
  const auto text = run({"openssl", "x509", "-noout", "-text", "-in", ca_file.string()}, {.check = false});
  if (!text.ok() || text.out.find("Name Constraints") == std::string::npos) return false;
  for (const auto& d : lab_ca_domains()) {
    if (text.out.find("DNS:" + d) == std::string::npos) return false;
  }
  return true;
}

// The front's certificate, made by a mirrorgate that answers as every name.
bool names_every_host(const fs::path& cert) {
  if (!fs::exists(cert)) return false;
  const auto text = run({"openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", cert.string()}, {.check = false});
  if (!text.ok()) return false;
  for (const auto& name : front_names()) {
    if (text.out.find("DNS:" + name) == std::string::npos) return false;
  }
  return true;
}

}  // namespace

HubPki make_hub_pki(const fs::path& state_dir) {
  const fs::path pki = state_dir / "pki";
  fs::create_directories(pki);
  fs::permissions(pki, fs::perms::owner_all);
  HubPki out{pki / "ca.crt", pki / "ca-bundle.crt", pki / "hub.crt", pki / "hub.key", pki / "token.key", pki / "token.crt"};
  const fs::path ca_key = pki / "ca.key";
  if (!lab_ca_is_current(out.ca_file) || !names_every_host(out.cert) || !fs::exists(out.token_cert)) {
    std::string permitted, sans;
    for (const auto& d : lab_ca_domains()) permitted += ",permitted;DNS:" + d;
    for (const auto& name : front_names()) sans += "DNS:" + name + ",";
    spdlog::info("creating the lab CA ({} days, for the names of {} only) and a certificate for {} and the other "
                 "registries' names",
                 kLabCaDays, permitted.substr(1), kDockerHubApiHost);
    const std::string days = std::to_string(kLabCaDays);
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", days,
         "-subj", "/CN=mirrorgate lab CA", "-keyout", ca_key.string(), "-out", out.ca_file.string(),
         "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-addext", "nameConstraints=critical" + permitted});
    write_file_atomic(pki / "hub.ext", "subjectAltName=" + sans + "DNS:hub\nextendedKeyUsage=serverAuth\n");
    run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
         std::string("/CN=") + kDockerHubApiHost, "-keyout", out.key.string(), "-out", (pki / "hub.csr").string()});
    run({"openssl", "x509", "-req", "-in", (pki / "hub.csr").string(), "-CA", out.ca_file.string(), "-CAkey",
         ca_key.string(), "-CAcreateserial", "-days", days, "-extfile", (pki / "hub.ext").string(), "-out",
         out.cert.string()});
    // The CA has signed all it ever will: without its key, nothing else can be made to look trusted.
    fs::remove(ca_key);
    // The token service signs with a key of its own; the hub trusts exactly
    // this certificate (its rootcertbundle), as Docker Hub trusts its issuer.
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", days,
         "-subj", std::string("/CN=") + kDockerHubAuthHost + " token signer", "-keyout", out.token_key.string(), "-out",
         out.token_cert.string()});
  }
  // Go reads SSL_CERT_FILE instead of the system store: keep the system's CAs
  // and add the lab's, as a corporate CA would be added.
  const std::string bundle = read_file_if_exists("/etc/ssl/certs/ca-certificates.crt").value_or("");
  write_file_atomic(out.ca_bundle, bundle + "\n" + read_file(out.ca_file));
  return out;
}

std::string hub_registry_config(const std::string& root_directory, const std::string& token_cert) {
  std::ostringstream y;
  y << "# The Docker Hub stand-in's registry, behind its front; written by mirrorgate.\n"
    << "version: 0.1\n"
    << "log:\n  fields:\n    service: hub\n"
    << "storage:\n  filesystem:\n    rootdirectory: " << root_directory << "\n  delete:\n    enabled: true\n"
    << "http:\n  addr: " << kHubBackend << "\n  relativeurls: true\n"
    << "auth:\n  token:\n    realm: https://" << kDockerHubAuthHost << "/token\n"
    << "    service: " << kTokenService << "\n    issuer: " << kTokenIssuer << "\n"
    << "    rootcertbundle: " << token_cert << "\n";
  return y.str();
}

fs::path hub_accounts_file(const fs::path& state_dir) { return state_dir / "hub" / "accounts.json"; }

Credentials ensure_hub_accounts(const fs::path& state_dir) {
  const auto file = hub_accounts_file(state_dir);
  auto accounts = load_accounts(file);
  for (const auto& a : accounts) {
    if (a.username == kSeederAccount) return {a.username, a.token};
  }
  const std::string seeder_token = sha256_hex(state_dir.string() + std::to_string(std::time(nullptr)) +
                                              std::to_string(::getpid())).substr(0, 32);
  accounts = {{kSeederAccount, seeder_token, true}, {kLabAccount, kLabAccountToken, false}};
  save_accounts(file, accounts);
  return {kSeederAccount, seeder_token};
}

std::vector<std::string> hub_front_argv(const RunState& s, const std::string& listen) {
  const fs::path pki = s.state_dir / "pki";
  return {libexec_file("mirrorgate_hub_front").string(),
          "--listen", listen,
          "--backend", kHubBackend,
          "--tls-cert", (pki / "hub.crt").string(),
          "--tls-key", (pki / "hub.key").string(),
          "--token-key", (pki / "token.key").string(),
          "--token-cert", (pki / "token.crt").string(),
          "--accounts", hub_accounts_file(s.state_dir).string(),
          "--anonymous-quota", s.hub_quota.empty() ? format_quota(kDockerHubAnonymous) : s.hub_quota,
          "--account-quota", s.hub_account_quota.empty() ? format_quota(kDockerHubPersonal) : s.hub_account_quota};
}

RegistryClient hub_client(const RunState& s) {
  if (!s.has_stand_in_hub()) return RegistryClient(hub_url());
  HttpOptions o;
  o.ca_file = s.ca_file;
  o.resolve = {std::string(kDockerHubApiHost) + ":443:" + s.hub_address,
               std::string(kDockerHubAuthHost) + ":443:" + s.hub_address,
               std::string(kDockerHubBlobHost) + ":443:" + s.hub_address};
  o.timeout = 10min;
  o.stop_on_interrupt = true;  // a Ctrl-C during seeding stops the upload at once
  // The harness seeds and publishes test images: the account that may push.
  Credentials seeder;
  for (const auto& a : load_accounts(hub_accounts_file(s.state_dir))) {
    if (a.username == kSeederAccount) seeder = {a.username, a.token};
  }
  return RegistryClient(hub_url(), o, seeder);
}

std::string publish_uncached_copy(const RegistryClient& hub, const TestImage& image, const std::string& purpose) {
  static std::atomic<int> counter{0};
  const auto& base = image.spec.ref;
  // The time too: a pid comes round again in a later run, whose cache (kept
  // between runs) may hold a copy of that name, and then nothing is uncached.
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string repo = base.repository + "-" + purpose + "-" + std::to_string(stamp) + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(counter++);
  for (const auto& p : image.platforms) {
    std::vector<Blob> blobs = p.layers;
    blobs.push_back(p.config);
    for (const auto& b : blobs) {
      if (!hub.mount_blob(repo, b.digest, base.repository)) return "";
    }
    // An index names its platforms' manifests: the repository holds them first.
    if (image.is_index()) hub.put_manifest(repo, p.manifest.digest, p.manifest.media_type, p.manifest_body);
  }
  hub.put_manifest(repo, base.tag, image.top.media_type, image.top_body);
  return "docker.io/" + repo + ":" + base.tag;
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

std::string hub_repository_of(const TestImage& image) {
  return hub_repository(image.spec.ref.domain, image.spec.ref.repository);
}

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
  return push_test_image(hub, image, store, &sent, hub_repository_of(image));
}

// Every blob at its size and linked into the image's repository (manifests
// as its revisions, config and layers as its layers), and every tag at its
// digest: what a whole seeding holds, and what the registry serves. Read
// through RegistryStorage, the one reader of distribution's layout.
bool holds_every_image(const fs::path& data, const std::vector<TestImage>& images) {
  const RegistryStorage storage(data);
  auto blob_ok = [&](const Blob& b) { return storage.blob_size(b.digest) == b.size; };
  for (const auto& image : images) {
    const std::string repo = hub_repository_of(image);
    auto manifest = [&](const Blob& b) { return blob_ok(b) && storage.manifest_linked(repo, b.digest); };
    auto layer = [&](const Blob& b) { return blob_ok(b) && storage.layer_linked(repo, b.digest); };
    if (!manifest(image.top) || storage.tag_digest(repo, image.spec.ref.tag).value_or("") != image.top.digest) {
      return false;
    }
    for (const auto& p : image.platforms) {
      if (!manifest(p.manifest) || !layer(p.config)) return false;
      for (const auto& l : p.layers) {
        if (!layer(l)) return false;
      }
    }
  }
  return true;
}

bool empty_or_missing(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

// Directories and regular files only: distribution writes nothing else, and
// a link planted in the copy would lead the hub (root) to write elsewhere.
void copy_tree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    const auto type = it->symlink_status().type();
    const fs::path target = to / fs::relative(it->path(), from);
    if (type == fs::file_type::directory) {
      fs::create_directory(target);
    } else if (type == fs::file_type::regular) {
      fs::copy_file(it->path(), target);
    }
  }
}

}  // namespace

HubSeedCache::HubSeedCache(const TestImageStore& store, std::vector<TestImage> images) : images_(std::move(images)) {
  std::ostringstream key;
  for (const auto& image : images_) key << image.spec.ref.str() << ' ' << image.top.digest << '\n';
  dir_ = store.dir() / "hub-seed" / sha256_hex(key.str()).substr(0, 16);
}

bool HubSeedCache::restore_into(const fs::path& hub_data) {
  started_empty_ = empty_or_missing(hub_data);
  if (!started_empty_ || !fs::is_directory(dir_) || fs::is_symlink(dir_)) return false;
  try {
    // Copied into a directory the hub writes as root: only from a cache no one else could have written.
    check_private_dir(dir_, "--image-cache");
  } catch (const std::exception& e) {
    spdlog::warn("not using the kept seeding: {}; seeding the hub by pushing instead", e.what());
    return false;
  }
  if (!holds_every_image(dir_, images_)) {
    spdlog::warn("{} does not hold every test image whole; seeding the hub by pushing instead", dir_.string());
    return false;
  }
  fs::create_directories(hub_data);
  copy_tree(dir_, hub_data);
  restored_ = true;
  spdlog::info("copied the hub's seeding of {} test images from {}", images_.size(), dir_.string());
  return true;
}

void HubSeedCache::keep(const fs::path& hub_data) const {
  if (!started_empty_ || restored_ || fs::exists(dir_) || !holds_every_image(hub_data, images_)) return;
  // Unique per call, not per process: verify brings its labs up on threads
  // of one process, and on a first run each of them keeps the seeding.
  static std::atomic<int> calls{0};
  const fs::path tmp = dir_.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(calls++);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp.parent_path());
  copy_tree(hub_data, tmp);
  fs::rename(tmp, dir_, ec);
  if (ec) fs::remove_all(tmp, ec);  // another run kept it first
}

std::vector<SeededImage> seed_hub(const RegistryClient& hub, const std::vector<TestImage>& images,
                                  const TestImageStore& store, const std::string& platform,
                                  const fs::path& hub_data) {
  std::vector<SeededImage> seeded;
  // Its storage already holds them all (the kept seeding, or a lab's own
  // from an earlier run): nothing to ask over HTTP, image by image.
  const bool stored = !hub_data.empty() && holds_every_image(hub_data, images);
  int pushed = 0;
  for (const auto& image : images) {
    if (stored) {
      seeded.push_back({image.spec.ref.str(), image.top.digest, image.top.media_type, image.bytes_for(platform)});
      continue;
    }
    throw_if_interrupted("seeding the Docker Hub stand-in");
    if (seed_one(hub, image, store)) {
      spdlog::info("seeded the hub with {}", image.spec.ref.str());
      ++pushed;
    }
    seeded.push_back({image.spec.ref.str(), image.top.digest, image.top.media_type, image.bytes_for(platform)});
  }
  spdlog::info("the hub holds {} test images ({})", images.size(),
               stored ? "all in its storage" : std::to_string(pushed) + " pushed now");
  return seeded;
}

}  // namespace mirrorgate
