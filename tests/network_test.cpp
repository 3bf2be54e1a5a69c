#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "backends/local/network.h"
#include "backends/local/node_storage.h"

using namespace mirrorgate;
using namespace mirrorgate::local;

TEST(Network, SubnetParsesAndNumbersHosts) {
  auto s = parse_subnet("10.77.0.0/24");
  EXPECT_EQ(s.str(), "10.77.0.0/24");
  EXPECT_EQ(s.address(1), "10.77.0.1");
  EXPECT_EQ(s.address(10), "10.77.0.10");
  EXPECT_EQ(s.capacity(), 254u);
}

TEST(Network, BadSubnetsAreRejectedWithAHint) {
  EXPECT_THROW(parse_subnet("10.77.0.0"), UserError);
  EXPECT_THROW(parse_subnet("10.77.0.300/24"), UserError);
  EXPECT_THROW(parse_subnet("10.77.0.0/8"), UserError);
  try {
    parse_subnet("10.77.0.5/24");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("10.77.0.0/24"), std::string::npos) << e.what();
  }
}

TEST(Network, OverlappingHostRouteIsFound) {
  const std::string routes =
      "default via 172.16.0.1 dev eth0\n"
      "172.16.0.0/24 dev eth0 proto kernel scope link src 172.16.0.2\n"
      "10.0.0.0/8 via 172.16.0.1 dev eth0\n";
  auto hit = conflicting_route(parse_subnet("10.77.0.0/24"), routes);
  ASSERT_TRUE(hit);
  EXPECT_NE(hit->find("10.0.0.0/8"), std::string::npos);
  EXPECT_FALSE(conflicting_route(parse_subnet("192.168.50.0/24"), routes));
  // A single host route inside the subnet also conflicts.
  EXPECT_TRUE(conflicting_route(parse_subnet("192.168.50.0/24"), "192.168.50.7 dev wg0 scope link\n"));
}

TEST(Network, RouteLinesWithBadPrefixesAreSkippedNotThrown) {
  const auto subnet = parse_subnet("10.77.0.0/24");
  EXPECT_FALSE(conflicting_route(subnet, "10.77.0.0/99 dev x\n10.77.0.0/abc dev y\n10.77.0.0/ dev z\n"
                                         "10.77.0.0/99999999999999 dev w\n"));
  EXPECT_TRUE(conflicting_route(subnet, "10.77.0.0/99 dev x\n10.0.0.0/8 dev eth1\n"));
}

namespace {
TestImageSpec image_of(std::vector<uint64_t> layers) {
  TestImageSpec spec;
  spec.layer_sizes = std::move(layers);
  return spec;
}
constexpr uint64_t kMiB = 1024 * 1024;
}  // namespace

// auto: each node fetches and unpacks every image (twice its layers) plus
// room of its own; memory only within a quarter of what is available.
TEST(NodeStorage, AutoChoosesMemoryOnlyWhenTheNodesFitInAQuarterOfWhatIsAvailable) {
  const std::vector<TestImageSpec> images{image_of({64 * kMiB, 36 * kMiB})};  // 100 MiB: 456 MiB a node
  const auto fits = choose_node_storage("auto", 2, images, 4000 * kMiB);      // 912 MiB <= 1000 MiB
  EXPECT_TRUE(fits.in_memory) << fits.why;
  EXPECT_NE(fits.why.find("912 MiB"), std::string::npos) << fits.why;
  const auto too_big = choose_node_storage("auto", 3, images, 4000 * kMiB);  // 1368 MiB > 1000 MiB
  EXPECT_FALSE(too_big.in_memory) << too_big.why;
  EXPECT_NE(too_big.why.find("more than a quarter"), std::string::npos) << too_big.why;
  EXPECT_FALSE(choose_node_storage("auto", 1, images, std::nullopt).in_memory) << "unknown memory: disk";
}

TEST(NodeStorage, MemoryAndDiskAreTakenAsAsked) {
  const std::vector<TestImageSpec> huge{image_of({1024 * 1024 * kMiB})};
  EXPECT_TRUE(choose_node_storage("memory", 9, huge, 1 * kMiB).in_memory);
  EXPECT_FALSE(choose_node_storage("disk", 1, {}, 100000 * kMiB).in_memory);
}

TEST(NodeStorage, TheMountTableIsReadAsTheKernelWritesIt) {
  EXPECT_EQ(mount_type_at("/proc"), "proc");
  EXPECT_EQ(mount_type_at("/no/such/mount/point"), std::nullopt);
  const auto points = mount_points();
  EXPECT_NE(std::find(points.begin(), points.end(), std::filesystem::path("/proc")), points.end());
}
