#include <gtest/gtest.h>

#include "core/error.h"
#include "backends/local/network.h"

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
