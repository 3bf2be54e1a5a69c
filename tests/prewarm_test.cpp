#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "registry/prewarm.h"

using namespace mirrorgate;

TEST(Prewarm, ImageListSkipsCommentsAndBlankLinesAndKeepsLineNumbers) {
  auto images = read_image_list(MIRRORGATE_TEST_DATA "/images.txt");
  ASSERT_EQ(images.size(), 5u);
  EXPECT_EQ(images[0].text, "docker.io/library/redis:7.2");
  EXPECT_EQ(images[0].line, 2);
  EXPECT_EQ(images[1].text, "yinfangchen/geo:app3");
  EXPECT_EQ(images[3].text, "mongo:4.4.6");
  EXPECT_EQ(images[3].line, 6);
}

TEST(Prewarm, OtherRegistriesAreNotCoveredAndNothingIsFetched) {
  // No registry answers at this address: a covered image would fail.
  RegistryClient nowhere("http://127.0.0.1:9");
  auto r = prewarm_image(nowhere, "quay.io/prometheus/node-exporter:v1.6.0", "linux/amd64", {});
  EXPECT_EQ(r.status, PrewarmStatus::not_covered);
  EXPECT_NE(r.reason.find("quay.io"), std::string::npos);
  EXPECT_EQ(r.bytes, 0);
  auto bad = prewarm_image(nowhere, "Not A Reference", "linux/amd64", {});
  EXPECT_EQ(bad.status, PrewarmStatus::failed);
  auto unreachable = prewarm_image(nowhere, "redis:7.2", "linux/amd64", {});
  EXPECT_EQ(unreachable.status, PrewarmStatus::failed);
  EXPECT_NE(unreachable.reason.find("127.0.0.1:9"), std::string::npos) << unreachable.reason;
  // quay.io's own cache covers quay.io's images, and no other registry's.
  auto quay = prewarm_image(nowhere, "quay.io/prometheus/node-exporter:v1.6.0", "linux/amd64", {}, nullptr, "quay.io");
  EXPECT_EQ(quay.status, PrewarmStatus::failed) << "covered, so it was asked of the (unreachable) cache";
  auto docker = prewarm_image(nowhere, "redis:7.2", "linux/amd64", {}, nullptr, "quay.io");
  EXPECT_EQ(docker.status, PrewarmStatus::not_covered);
  EXPECT_NE(docker.reason.find("kind-registry-quay-io"), std::string::npos) << docker.reason;
}

TEST(Prewarm, PlatformMatchingHonoursVariants) {
  // The shape of docker.io/library/busybox's index: several arm variants.
  const auto index = nlohmann::json::parse(R"({"manifests": [
    {"digest": "sha256:amd64", "platform": {"os": "linux", "architecture": "amd64"}},
    {"digest": "sha256:armv5", "platform": {"os": "linux", "architecture": "arm", "variant": "v5"}},
    {"digest": "sha256:armv7", "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
    {"digest": "sha256:arm64", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
    {"digest": "sha256:attestation", "platform": {"os": "unknown", "architecture": "unknown"}}]})");
  EXPECT_EQ(manifest_for_platform(index, "linux/amd64"), "sha256:amd64");
  EXPECT_EQ(manifest_for_platform(index, "linux/arm/v7"), "sha256:armv7");
  EXPECT_EQ(manifest_for_platform(index, "linux/arm/v5"), "sha256:armv5");
  EXPECT_EQ(manifest_for_platform(index, "linux/arm64"), "sha256:arm64");
  EXPECT_EQ(manifest_for_platform(index, "linux/arm64/v8"), "sha256:arm64");
  EXPECT_EQ(manifest_for_platform(index, "linux/arm/v6"), "");
  EXPECT_EQ(manifest_for_platform(index, "linux/s390x"), "");
  EXPECT_EQ(manifest_for_platform(index, "amd64"), "");
  const auto no_variant = nlohmann::json::parse(
      R"({"manifests": [{"digest": "sha256:a64", "platform": {"os": "linux", "architecture": "arm64"}}]})");
  EXPECT_EQ(manifest_for_platform(no_variant, "linux/arm64/v8"), "sha256:a64");
  EXPECT_EQ(manifest_for_platform(nlohmann::json::parse(R"({"manifests": 3})"), "linux/amd64"), "");
}

TEST(Prewarm, AStalledTransferFailsWithoutAWholeRequestDeadline) {
  // A server at the edge that answers a blob's headers and a few bytes, then stalls.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread server([listener] {
    const int client = ::accept(listener, nullptr, nullptr);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\nfirst bytes";
    (void)!::write(client, head.data(), head.size());
    std::this_thread::sleep_for(std::chrono::seconds(4));
    ::close(client);
  });
  auto options = prewarm_http_options();
  EXPECT_EQ(options.timeout.count(), 0);  // a 2 GB layer over 10 Mbit/s takes half an hour
  options.low_speed_time = std::chrono::seconds(1);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v2/library/redis/blobs/sha256:x";
  std::string error;
  try {
    HttpClient(options).request("GET", url);
  } catch (const HttpError& e) {
    error = e.what();
  }
  // curl gave up on the stall, not on the server closing the connection later.
  EXPECT_NE(error.find("too slow"), std::string::npos) << error;
  server.join();
  ::close(listener);
}
