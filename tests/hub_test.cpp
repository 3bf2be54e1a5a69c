// The Docker Hub stand-in's parts: the pull quota as Docker Hub counts it
// (docs.docker.com, docker-hub/usage/pulls), and the token service as the
// distribution token spec describes it — its tokens checked here with
// OpenSSL against the signing certificate, as the hub's docker-registry
// checks them.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "hub/dns.h"
#include "hub/quota.h"
#include "hub/stand_in.h"
#include "hub/token.h"
#include "hub/worlds.h"
#include "process/process.h"
#include "registry/access_log.h"
#include "tests/temp_dir.h"

using namespace mirrorgate;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- quota -------------------------------------------------------------

TEST(HubQuota, AnAddressHasItsPullsPerWindowThenIsRefusedUntilTheOldestLeaves) {
  QuotaBook book({3, 1h}, {100, 1h});
  const auto t0 = QuotaBook::Clock::now();
  for (int remaining : {2, 1, 0}) {
    auto a = book.pull("10.77.0.2", false, t0);
    EXPECT_TRUE(a.allowed);
    EXPECT_EQ(a.remaining, remaining);
    EXPECT_EQ(a.limit, 3);
    EXPECT_EQ(a.window_seconds, 3600);
  }
  auto refused = book.pull("10.77.0.2", false, t0 + 10min);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset, std::chrono::seconds(50min));
  // A refused pull is not counted: once the window passes, three again.
  EXPECT_TRUE(book.pull("10.77.0.2", false, t0 + 1h).allowed);
  EXPECT_EQ(book.peek("10.77.0.2", false, t0 + 1h).remaining, 2);
}

TEST(HubQuota, PeekCountsNothingAndIdentitiesAreCountedApart) {
  QuotaBook book({1, 1h}, {2, 1h});
  const auto t0 = QuotaBook::Clock::now();
  EXPECT_EQ(book.peek("10.77.0.2", false, t0).remaining, 1);
  EXPECT_EQ(book.peek("10.77.0.2", false, t0).remaining, 1);
  EXPECT_TRUE(book.pull("10.77.0.2", false, t0).allowed);
  EXPECT_FALSE(book.pull("10.77.0.2", false, t0).allowed);
  EXPECT_TRUE(book.pull("10.77.0.3", false, t0).allowed);
  // An account has its own, larger, quota.
  EXPECT_TRUE(book.pull("mirrorgate-user", true, t0).allowed);
  auto second = book.pull("mirrorgate-user", true, t0);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.limit, 2);
  EXPECT_FALSE(book.pull("mirrorgate-user", true, t0).allowed);
}

TEST(HubQuota, ZeroPullsRefusesTheFirst) {
  QuotaBook book({0, 6h}, {100, 1h});
  auto a = book.pull("10.77.0.2", false);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.window_seconds, 6 * 3600);
}

TEST(HubQuota, AnonymousPullsAreCountedPerAddressOrIPv6Slash64AndAccountsByName) {
  EXPECT_EQ(quota_identity("", "10.77.0.2"), "10.77.0.2");
  EXPECT_EQ(quota_identity("", "2001:db8:1:2:3:4:5:6"), quota_identity("", "2001:db8:1:2::9"));
  EXPECT_EQ(quota_identity("", "2001:db8:1:2::9"), "2001:db8:1:2::/64");
  EXPECT_NE(quota_identity("", "2001:db8:1:2::9"), quota_identity("", "2001:db8:1:3::9"));
  EXPECT_EQ(quota_identity("alice", "10.77.0.2"), "alice");
}

TEST(HubQuota, ParsesAndPrintsPullsPerWindow) {
  auto q = parse_quota("10/1h", "--hub-quota");
  EXPECT_EQ(q.pulls, 10);
  EXPECT_EQ(q.window, 1h);
  EXPECT_EQ(format_quota(q), "10/1h");
  EXPECT_EQ(format_quota(parse_quota("200/21600s", "--hub-quota")), "200/6h");
  EXPECT_EQ(format_quota(parse_quota("0/90s", "--hub-quota")), "0/90s");
  // Pinned to Docker's documented limits (docker_hub.h cites them).
  EXPECT_EQ(format_quota(kDockerHubAnonymous), "100/6h");
  EXPECT_EQ(format_quota(kDockerHubPersonal), "200/6h");
  EXPECT_EQ(kDockerHubAnonymous.window, std::chrono::seconds(21600));
  for (const char* bad : {"10", "/1h", "10/", "ten/1h", "10/1d", "-1/1h", "10/0h", "10/h", "10/1h30m"}) {
    try {
      (void)parse_quota(bad, "--hub-quota");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("--hub-quota " + std::string(bad)), std::string::npos) << e.what();
    }
  }
}

// ---- tokens ------------------------------------------------------------

class HubTokens : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("mirrorgate-token-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=token test", "-keyout", (dir_ / "token.key").string(), "-out", (dir_ / "token.crt").string()},
        {.timeout = 30s});
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  TokenService service() const {
    return TokenService(dir_ / "token.key", dir_ / "token.crt",
                        {{"mirrorgate-user", "secret", false}, {kSeederAccount, "seed", true}});
  }

  // The token's claims, after checking its ES256 signature with the
  // certificate's public key.
  static json verified_claims(const std::string& grant_body) {
    const auto body = json::parse(grant_body);
    const std::string token = body.at("token");
    EXPECT_EQ(body.at("access_token"), token);
    const auto first = token.find('.'), second = token.find('.', first + 1);
    EXPECT_NE(second, std::string::npos);
    const auto header = json::parse(base64url_decode(token.substr(0, first)).value());
    EXPECT_EQ(header.at("alg"), "ES256");
    EXPECT_EQ(header.at("x5c").size(), 1u);
    const std::string raw = base64url_decode(token.substr(second + 1)).value();
    EXPECT_EQ(raw.size(), 64u) << "JOSE ES256 signatures are r and s, 32 bytes each";
    EXPECT_TRUE(signature_holds(token.substr(0, second), raw));
    std::string forged = token.substr(0, second);
    forged[forged.size() / 2] ^= 1;
    EXPECT_FALSE(signature_holds(forged, raw)) << "a changed header or claim must not verify";
    return json::parse(base64url_decode(token.substr(first + 1, second - first - 1)).value());
  }

  static bool signature_holds(const std::string& input, const std::string& raw) {
    FILE* f = std::fopen((dir_ / "token.crt").c_str(), "r");
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    EVP_PKEY* key = X509_get_pubkey(cert);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(sig, &der);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok;
  }

  static std::string basic(const std::string& user, const std::string& password) {
    return "Basic " + base64url(user + ":" + password);  // no '-' or '_' in these, so base64url is base64
  }

  static fs::path dir_;
};

fs::path HubTokens::dir_;

TEST_F(HubTokens, AnAnonymousTokenGrantsPullNeverPush) {
  auto grant = service().issue("service=registry.docker.io&scope=repository%3Alibrary%2Fredis%3Apull%2Cpush", "");
  EXPECT_EQ(grant.status, 200);
  EXPECT_EQ(grant.account, "");
  auto claims = verified_claims(grant.body);
  EXPECT_EQ(claims.at("iss"), kTokenIssuer);
  EXPECT_EQ(claims.at("aud"), "registry.docker.io");
  EXPECT_EQ(claims.at("sub"), "");
  ASSERT_EQ(claims.at("access").size(), 1u);
  EXPECT_EQ(claims["access"][0].at("name"), "library/redis");
  EXPECT_EQ(claims["access"][0].at("actions"), json::array({"pull"}));
  EXPECT_GT(claims.at("exp").get<long>(), claims.at("iat").get<long>());
}

TEST_F(HubTokens, AnAccountIsNamedInTheTokenAndPushesOnlyWhenAllowed) {
  auto user = service().issue("service=registry.docker.io&scope=repository:library/redis:pull,push",
                              basic("mirrorgate-user", "secret"));
  EXPECT_EQ(user.status, 200);
  EXPECT_EQ(user.account, "mirrorgate-user");
  auto claims = verified_claims(user.body);
  EXPECT_EQ(claims.at("sub"), "mirrorgate-user");
  EXPECT_EQ(claims["access"][0].at("actions"), json::array({"pull"}));
  EXPECT_EQ(token_subject("Bearer " + json::parse(user.body).at("token").get<std::string>()), "mirrorgate-user");

  auto seeder = service().issue("scope=repository:mirrorgate/app:pull,push", basic(kSeederAccount, "seed"));
  EXPECT_EQ(verified_claims(seeder.body)["access"][0].at("actions"), json::array({"pull", "push"}));
}

TEST_F(HubTokens, SeveralScopesInOneParameterAsDistributionWritesThem) {
  auto grant = service().issue(
      "service=registry.docker.io&scope=repository%3Aa%2Fb%3Apull+repository%3Ac%2Fd%3Apull", "");
  auto claims = verified_claims(grant.body);
  ASSERT_EQ(claims.at("access").size(), 2u);
  EXPECT_EQ(claims["access"][1].at("name"), "c/d");
}

TEST_F(HubTokens, WrongCredentialsAre401AndNameTheUser) {
  auto grant = service().issue("scope=repository:library/redis:pull", basic("mirrorgate-user", "wrong"));
  EXPECT_EQ(grant.status, 401);
  EXPECT_EQ(grant.account, "mirrorgate-user");
  EXPECT_NE(grant.body.find("incorrect username or password"), std::string::npos);
  EXPECT_EQ(service().issue("", basic("nobody", "secret")).status, 401);
}

// An RSA key signs, but not as ES256: the service says so instead of
// reading a null signature.
TEST_F(HubTokens, AKeyThatCannotSignES256FailsSayingWhichStep) {
  run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=rsa", "-keyout",
       (dir_ / "rsa.key").string(), "-out", (dir_ / "rsa.crt").string()},
      {.timeout = 30s});
  TokenService rsa(dir_ / "rsa.key", dir_ / "rsa.crt", {});
  try {
    rsa.issue("service=registry.docker.io&scope=repository%3Alibrary%2Fredis%3Apull", "");
    ADD_FAILURE() << "an RSA key issued an ES256 token";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("d2i_ECDSA_SIG"), std::string::npos) << e.what();
  }
}

TEST(HubTokenSubject, AnythingButOneOfOurBearerTokensNamesNoOne) {
  EXPECT_EQ(token_subject(""), "");
  EXPECT_EQ(token_subject("Basic bWU6cHc="), "");
  EXPECT_EQ(token_subject("Bearer not-a-jwt"), "");
  EXPECT_EQ(token_subject("Bearer a.%%%.c"), "");
  EXPECT_EQ(token_subject("Bearer " + base64url("{}") + "." + base64url(R"({"sub":"bob"})") + ".sig"), "bob");
}

TEST(HubTokenAccounts, AccountsFileRoundTripsAndAMalformedOneNamesTheFile) {
  const fs::path file = fs::temp_directory_path() / ("mirrorgate-accounts-" + std::to_string(::getpid()) + ".json");
  save_accounts(file, {{"a", "t", false}, {"s", "u", true}});
  auto back = load_accounts(file);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].username, "s");
  EXPECT_TRUE(back[1].push);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::others_read, fs::perms::none);
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("{\"users\": []}", f);
    std::fclose(f);
  }
  try {
    (void)load_accounts(file);
    ADD_FAILURE() << "a file without accounts was read";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  fs::remove(file);
  EXPECT_TRUE(load_accounts(file).empty());
}

// ---- the front's access log --------------------------------------------

TEST(HubAccessLog, ReadsTheAccountAndWhatTheQuotaMadeOfAPull) {
  auto counted = parse_access_line(
      R"(10.77.0.3 - mirrorgate-user [29/Nov/2026:04:04:47 +0000] "GET /v2/library/redis/manifests/7 HTTP/1.1" 200 1570 "" "containerd/v2.1.9" "pull counted 99/100")");
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->user, "mirrorgate-user");
  EXPECT_TRUE(counted->pull_counted);
  EXPECT_FALSE(counted->pull_refused);
  EXPECT_EQ(counted->note, "pull counted 99/100");

  auto refused = parse_access_line(
      R"(10.77.0.3 - - [29/Nov/2026:04:04:47 +0000] "GET /v2/library/redis/manifests/7 HTTP/1.1" 429 120 "" "containerd/v2.1.9" "pull refused 0/10 window 3600s reset 3512s")");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->user, "");
  EXPECT_TRUE(refused->pull_refused);
  EXPECT_EQ(refused->status, 429);

  // distribution's own lines have no note: nothing counted.
  auto plain = parse_access_line(
      R"(10.77.0.1 - - [29/Nov/2026:04:04:47 +0000] "GET /v2/ HTTP/2.0" 200 2 "" "mirrorgate")");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->pull_counted);
  EXPECT_TRUE(plain->note.empty());
}

TEST(HubPki, TheLabCaIsShortLivedNameConstrainedAndCannotSignAgain) {
  TempDir dir("pki");
  const auto pki = make_hub_pki(dir.path);
  EXPECT_FALSE(std::filesystem::exists(dir.path / "pki" / "ca.key")) << "the CA key outlived the one certificate it signs";
  EXPECT_TRUE(run({"openssl", "verify", "-CAfile", pki.ca_file.string(), pki.cert.string()}, {.check = false}).ok());
  const auto text = run({"openssl", "x509", "-noout", "-text", "-in", pki.ca_file.string()}).out;
  EXPECT_NE(text.find("Name Constraints: critical"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:docker.io"), std::string::npos) << text;
  EXPECT_NE(text.find("pathlen:0"), std::string::npos) << text;
  // The front answers as the other registries of the stand-in world too.
  for (const auto& host : stand_in_world_hosts()) {
    EXPECT_TRUE(run({"openssl", "verify", "-CAfile", pki.ca_file.string(), "-verify_hostname", host, pki.cert.string()},
                    {.check = false})
                    .ok())
        << "the front's certificate does not verify as " << host;
  }
  EXPECT_FALSE(run({"openssl", "verify", "-CAfile", pki.ca_file.string(), "-verify_hostname", "example.com",
                    pki.cert.string()},
                   {.check = false})
                   .ok());
  // Valid now, gone within kLabCaDays + 1.
  EXPECT_TRUE(run({"openssl", "x509", "-checkend", "3600", "-noout", "-in", pki.ca_file.string()}, {.check = false}).ok());
  const auto horizon = std::to_string((kLabCaDays + 1) * 86400);
  EXPECT_FALSE(run({"openssl", "x509", "-checkend", horizon, "-noout", "-in", pki.ca_file.string()}, {.check = false}).ok());
  // A second up keeps a current CA.
  const auto before = read_file(pki.ca_file);
  (void)make_hub_pki(dir.path);
  EXPECT_EQ(read_file(pki.ca_file), before);
}

// ---- the kept seeding ----------------------------------------------------

namespace {

std::vector<TestImage> small_images(const TestImageStore& store) {
  std::vector<TestImage> images;
  for (const char* ref : {"docker.io/library/busybox:1.36", "docker.io/library/alpine:3.19"}) {
    TestImageSpec spec;
    spec.text = ref;
    spec.ref = *parse_reference(ref);
    spec.layer_sizes = {4096, 1024};
    images.push_back(store.build(spec));
  }
  return images;
}

// Where a docker-registry keeps a blob under its root directory.
fs::path blob_in(const fs::path& data, const Blob& b) {
  const auto hex = b.digest.substr(7);
  return data / "docker/registry/v2/blobs/sha256" / hex.substr(0, 2) / hex / "data";
}

// What a docker-registry writes for the images under its root directory:
// each blob under blobs/, each tag's link under repositories/.
void lay_out_as_distribution(const fs::path& data, const std::vector<TestImage>& images, const TestImageStore& store) {
  const fs::path v2 = data / "docker" / "registry" / "v2";
  auto put_blob = [&](const Blob& b) {
    const fs::path target = blob_in(data, b);
    fs::create_directories(target.parent_path());
    fs::copy_file(store.blob_path(b.digest), target, fs::copy_options::overwrite_existing);
  };
  // As distribution links a pushed blob into its repository: manifests as
  // revisions, configs and layers as layers.
  auto link = [&](const TestImage& image, const char* kind, const Blob& b) {
    put_blob(b);
    write_file_atomic(v2 / "repositories" / image.spec.ref.repository / kind / "sha256" /
                          b.digest.substr(b.digest.find(':') + 1) / "link",
                      b.digest);
  };
  for (const auto& image : images) {
    link(image, "_manifests/revisions", image.top);
    for (const auto& p : image.platforms) {
      link(image, "_manifests/revisions", p.manifest);
      link(image, "_layers", p.config);
      for (const auto& l : p.layers) link(image, "_layers", l);
    }
    write_file_atomic(v2 / "repositories" / image.spec.ref.repository / "_manifests" / "tags" / image.spec.ref.tag /
                          "current" / "link",
                      image.top.digest);
  }
}

// A test image store of two small images, and their kept seeding laid out whole.
struct KeptSeeding {
  TempDir dir{"seed"};
  TestImageStore store{dir.path / "store"};
  std::vector<TestImage> images = small_images(store);
  HubSeedCache seeding{store, images};
  KeptSeeding() { lay_out_as_distribution(seeding.dir(), images, store); }
};

}  // namespace

TEST(HubSeedCache, TheFirstSeedingOfAListIsKeptAndCopiedIntoTheNextEmptyHub) {
  TempDir dir("seed");
  TestImageStore store(dir.path / "store");
  const auto images = small_images(store);
  const fs::path first = dir.path / "first-hub";
  HubSeedCache seeding(store, images);
  EXPECT_FALSE(seeding.restore_into(first)) << "nothing kept yet";
  lay_out_as_distribution(first, images, store);  // what seed_hub's pushes leave
  seeding.keep(first);
  ASSERT_TRUE(fs::is_directory(seeding.dir()));

  const fs::path second = dir.path / "second-hub";
  HubSeedCache again(store, images);
  ASSERT_TRUE(again.restore_into(second));
  const Blob& layer = images[0].platforms[0].layers[0];
  EXPECT_EQ(read_file(blob_in(second, layer)), read_file(store.blob_path(layer.digest)));
  // A list with one image less has a seeding of its own.
  EXPECT_NE(HubSeedCache(store, {images[0]}).dir(), seeding.dir());
}

TEST(HubSeedCache, AKeptSeedingMissingATagOrWithAShortBlobIsNotCopied) {
  KeptSeeding kept;
  auto& [dir, store, images, seeding] = kept;
  const fs::path blob = blob_in(seeding.dir(), images[1].platforms[0].layers[1]);
  fs::resize_file(blob, fs::file_size(blob) - 1);
  EXPECT_FALSE(seeding.restore_into(dir.path / "hub"));
  EXPECT_FALSE(fs::exists(dir.path / "hub")) << "a partial copy would serve a broken image";

  lay_out_as_distribution(seeding.dir(), images, store);  // whole again
  fs::remove(seeding.dir() / "docker/registry/v2/repositories/library/alpine/_manifests/tags/3.19/current/link");
  EXPECT_FALSE(HubSeedCache(store, images).restore_into(dir.path / "hub"));

  // A layer stored but not linked into its repository: the registry would not serve it there.
  lay_out_as_distribution(seeding.dir(), images, store);
  const auto& layer = images[1].platforms[0].layers[1];
  fs::remove(seeding.dir() / "docker/registry/v2/repositories" / images[1].spec.ref.repository / "_layers/sha256" /
             layer.digest.substr(7) / "link");
  EXPECT_FALSE(HubSeedCache(store, images).restore_into(dir.path / "hub"));
}

TEST(HubSeedCache, AHubThatAlreadyHeldDataIsNeitherFilledNorKept) {
  TempDir dir("seed");
  TestImageStore store(dir.path / "store");
  const auto images = small_images(store);
  const fs::path hub = dir.path / "hub";
  lay_out_as_distribution(hub, images, store);
  write_file_atomic(hub / "docker/registry/v2/repositories/someone/else/_manifests/tags/1/current/link", "sha256:00");
  HubSeedCache seeding(store, images);
  EXPECT_FALSE(seeding.restore_into(hub));
  seeding.keep(hub);
  EXPECT_FALSE(fs::exists(seeding.dir())) << "a hub kept from earlier runs may hold more than this list";
}

TEST(HubSeedCache, ALinkPlantedInTheKeptSeedingIsNotCopiedAndAWritableOneIsNotUsed) {
  KeptSeeding kept;
  auto& [dir, store, images, seeding] = kept;
  // A link into /etc where the hub (root) would write its uploads.
  fs::create_directory_symlink("/etc", seeding.dir() / "docker/registry/v2/repositories/library/busybox/_uploads");
  const fs::path hub = dir.path / "hub";
  ASSERT_TRUE(seeding.restore_into(hub));
  EXPECT_FALSE(fs::exists(fs::symlink_status(hub / "docker/registry/v2/repositories/library/busybox/_uploads")));

  fs::permissions(seeding.dir(), fs::perms::group_write | fs::perms::others_write, fs::perm_options::add);
  EXPECT_FALSE(HubSeedCache(store, images).restore_into(dir.path / "hub2")) << "others could have written it";
  EXPECT_FALSE(fs::exists(dir.path / "hub2"));
}

// ---- DNS -----------------------------------------------------------------
// The stand-in of the internet's DNS for the lab's kind-registry-front:
// answers from a hosts file, as RFC 1035 packets.

namespace {

std::string dns_question(const std::string& name, uint16_t type, uint16_t id = 0x1234) {
  std::string q{static_cast<char>(id >> 8), static_cast<char>(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    const size_t dot = std::min(name.find('.', start), name.size());
    q += static_cast<char>(dot - start);
    q += name.substr(start, dot - start);
    start = dot + 1;
  }
  q += '\0';
  q += {static_cast<char>(type >> 8), static_cast<char>(type & 0xff), 0, 1};
  return q;
}

const std::string kLabHosts =
    "# the lab's hosts\n127.0.0.1\tlocalhost\n::1\tlocalhost\n"
    "10.77.0.2\tregistry-1.docker.io auth.docker.io docker.io production.cloudflare.docker.com\n"
    "10.77.0.3\tkind-registry kind-registry-front\n";

}  // namespace

TEST(HubDns, AnswersANameOfTheHostsFileWithItsAddress) {
  const auto query = dns_question("Production.Cloudflare.Docker.com", 1);
  const auto reply = answer_dns(query, kLabHosts);
  ASSERT_EQ(reply.size(), query.size() + 16);
  EXPECT_EQ(reply.substr(0, 2), query.substr(0, 2)) << "the question's id";
  EXPECT_EQ(static_cast<unsigned char>(reply[2]) & 0x80, 0x80) << "an answer";
  EXPECT_EQ(reply[3] & 0x0f, 0) << "NOERROR";
  EXPECT_EQ(reply[7], 1) << "one answer record";
  EXPECT_EQ(reply.substr(reply.size() - 4), std::string("\x0a\x4d\x00\x02", 4)) << "10.77.0.2";
}

TEST(HubDns, SaysAnUnknownNameDoesNotExistAndAKnownOneHasNoIpv6Address) {
  const auto unknown = answer_dns(dns_question("registry-1.docker.io.example", 1), kLabHosts);
  ASSERT_FALSE(unknown.empty());
  EXPECT_EQ(unknown[3] & 0x0f, 3) << "NXDOMAIN";
  EXPECT_EQ(unknown[7], 0);
  const auto aaaa = answer_dns(dns_question("registry-1.docker.io", 28), kLabHosts);
  ASSERT_FALSE(aaaa.empty());
  EXPECT_EQ(aaaa[3] & 0x0f, 0) << "NODATA: the name exists";
  EXPECT_EQ(aaaa[7], 0);
}

TEST(HubDns, IgnoresWhatIsNotOneQuestion) {
  EXPECT_EQ(answer_dns("", kLabHosts), "");
  EXPECT_EQ(answer_dns(std::string(12, '\0'), kLabHosts), "");
  auto truncated = dns_question("docker.io", 1);
  truncated.resize(truncated.size() - 3);
  EXPECT_EQ(answer_dns(truncated, kLabHosts), "");
  auto answer = dns_question("docker.io", 1);
  answer[2] = static_cast<char>(0x80);
  EXPECT_EQ(answer_dns(answer, kLabHosts), "") << "an answer is not answered";
  auto label_too_long = dns_question("docker.io", 1);
  label_too_long[12] = 64;
  EXPECT_EQ(answer_dns(label_too_long, kLabHosts), "");
}

// ---- the other registries of the stand-in world ---------------------------

TEST(HubWorlds, EachAnswersAtItsOwnNameWithItsOwnChallenge) {
  const World* quay = world_at("quay.io");
  ASSERT_NE(quay, nullptr);
  EXPECT_EQ(world_challenge(*quay, ""), R"(Bearer realm="https://quay.io/v2/auth",service="quay.io")");
  EXPECT_EQ(world_challenge(*quay, "repository:prometheus/node-exporter:pull"),
            R"(Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:prometheus/node-exporter:pull")");
  const World* ghcr = world_at("ghcr.io");
  ASSERT_NE(ghcr, nullptr);
  EXPECT_EQ(world_challenge(*ghcr, ""),
            R"(Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull")");
  EXPECT_EQ(world_of_blob_host("cdn01.quay.io"), quay);
  EXPECT_EQ(world_of_blob_host("pkg-containers.githubusercontent.com"), ghcr);
  EXPECT_EQ(world_at("registry-1.docker.io"), nullptr) << "Docker Hub is served as before, not as a world";
  EXPECT_EQ(world_at(kK8sArtifactRegistryHost)->registry, "registry.k8s.io");
}

TEST(HubWorlds, RequestPathsSplitIntoRepositoryAndWhatIsAsked) {
  const World& quay = *world_at("quay.io");
  auto p = split_world_path(quay, "/v2/prometheus/node-exporter/manifests/v1.8.2");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->repository, "prometheus/node-exporter");
  EXPECT_EQ(p->rest, "/manifests/v1.8.2");
  const std::string digest = "sha256:" + std::string(64, 'a');
  EXPECT_TRUE(split_world_path(quay, "/v2/a/b/c/blobs/" + digest));
  EXPECT_FALSE(split_world_path(quay, "/v2/a/blobs/uploads/"));
  EXPECT_FALSE(split_world_path(quay, "/v2/../etc/manifests/x"));
  EXPECT_FALSE(split_world_path(quay, "/v2/"));
  const World& ar = *world_at(kK8sArtifactRegistryHost);
  auto k = split_world_path(ar, "/v2/k8s-artifacts-prod/images/pause/manifests/3.10");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->repository, "pause");
  EXPECT_EQ(stored_repository(ar, k->repository), "registry.k8s.io/pause");
  EXPECT_FALSE(split_world_path(ar, "/v2/pause/manifests/3.10")) << "Artifact Registry serves under its project path";
}

// archeio's upstreamRedirectURL: path.Join("/v2/", path prefix, the rest).
TEST(HubWorlds, RegistryK8sIoSendsEveryRequestToItsArtifactRegistry) {
  const World& k8s = *world_at("registry.k8s.io");
  EXPECT_EQ(world_redirect_url(k8s, "/v2/pause/manifests/3.10"),
            "https://us-west1-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/manifests/3.10");
  EXPECT_EQ(world_redirect_url(k8s, "/v2/"), "https://us-west1-docker.pkg.dev/v2/k8s-artifacts-prod/images");
  EXPECT_EQ(world_redirect_url(k8s, "/v2/pause/tags/list?n=10"),
            "https://us-west1-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/tags/list?n=10");
}

TEST(HubWorlds, BlobPathsOfEachCdnRoundTrip) {
  const std::string hex(64, 'b');
  const World& quay = *world_at("quay.io");
  EXPECT_EQ(world_blob_path(quay, hex), "/quayio-production-s3/sha256/bb/" + hex);
  EXPECT_EQ(world_blob_digest(quay, world_blob_path(quay, hex)), hex);
  EXPECT_FALSE(world_blob_digest(quay, "/quayio-production-s3/sha256/aa/" + hex)) << "the fan-out directory must match";
  const World& ghcr = *world_at("ghcr.io");
  EXPECT_EQ(world_blob_path(ghcr, hex), "/ghcr1/blobs/sha256:" + hex);
  EXPECT_EQ(world_blob_digest(ghcr, world_blob_path(ghcr, hex)), hex);
  EXPECT_FALSE(world_blob_digest(ghcr, world_blob_path(quay, hex)));
}
