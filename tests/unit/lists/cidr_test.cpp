// Unit tests for CIDR parsing and printing, masking and the greylisting network.
#include "lists/cidr.h"

#include <gtest/gtest.h>

namespace backstop::lists {
namespace {

core::IpAddress ip(const char* s) {
  return *core::parse_ip(s);
}

TEST(Cidr, ParsesAndPrints) {
  struct Case {
    const char* in;
    const char* out;
    int prefix;
    bool v6;
  } cases[] = {
      {"192.0.2.0/24", "192.0.2.0/24", 24, false},
      {"192.0.2.1", "192.0.2.1", 32, false},
      {"192.0.2.1/32", "192.0.2.1", 32, false},
      {"0.0.0.0/0", "0.0.0.0/0", 0, false},
      {"10.0.0.0/8", "10.0.0.0/8", 8, false},
      {"2001:db8::/32", "2001:db8::/32", 32, true},
      {"2001:DB8::1", "2001:db8::1", 128, true},
      {"::/0", "::/0", 0, true},
      {"::ffff:192.0.2.0/120", "192.0.2.0/24", 24, false},
      {"::ffff:192.0.2.7", "192.0.2.7", 32, false},
  };
  for (const auto& c : cases) {
    std::string error;
    auto r = parse_cidr(c.in, &error);
    ASSERT_TRUE(r) << c.in << ": " << error;
    EXPECT_EQ(r->str(), c.out) << c.in;
    EXPECT_EQ(r->prefix, c.prefix) << c.in;
    EXPECT_EQ(r->v6(), c.v6) << c.in;
  }
}

TEST(Cidr, RejectsBadText) {
  const char* bad[] = {"",
                       "192.0.2.1/24",
                       "192.0.2.0/33",
                       "192.0.2.0/",
                       "192.0.2.0/x",
                       "192.0.2",
                       "192.0.2.0/-1",
                       " 192.0.2.1",
                       "[::1]",
                       "IPv6:::1",
                       "2001:db8::1/64",
                       "2001:db8::/129",
                       "::ffff:192.0.2.0/64",
                       "192.0.2.0/24/1",
                       "1.2.3.4/0024",
                       "999.0.0.1",
                       "host.example"};
  for (const char* s : bad) {
    std::string error;
    EXPECT_FALSE(parse_cidr(s, &error)) << s;
    EXPECT_FALSE(error.empty()) << s;
  }
  std::string error;
  parse_cidr("192.0.2.1/24", &error);
  EXPECT_EQ(error, "host bits set below the prefix length");
}

TEST(Cidr, ContainsAndNetworkOf) {
  const Cidr net = *parse_cidr("192.0.2.0/23");
  EXPECT_TRUE(net.contains(ip("192.0.3.255")));
  EXPECT_FALSE(net.contains(ip("192.0.4.0")));
  EXPECT_TRUE(net.contains(ip("::ffff:192.0.2.1")));  // mapped: taken as IPv4
  EXPECT_FALSE(net.contains(ip("2001:db8::1")));
  EXPECT_EQ(network_of(ip("192.0.2.77"), 25).str(), "192.0.2.0/25");
  EXPECT_EQ(network_of(ip("192.0.2.200"), 25).str(), "192.0.2.128/25");
  EXPECT_EQ(network_of(ip("192.0.2.200"), 99).str(), "192.0.2.200");  // clamped to /32
  EXPECT_EQ(network_of(ip("192.0.2.200"), -3).str(), "0.0.0.0/0");
  EXPECT_EQ(network_of(ip("2001:db8:1:2:3:4:5:6"), 63).str(), "2001:db8:1:2::/63");
  EXPECT_EQ(network_of(ip("2001:db8:1:3:3:4:5:6"), 63).str(), "2001:db8:1:2::/63");
  EXPECT_EQ(host_route(ip("2001:db8::5")).prefix, 128);
  EXPECT_TRUE(parse_cidr("::/0")->contains(ip("2001:db8::1")));
  EXPECT_FALSE(parse_cidr("::/0")->contains(ip("192.0.2.1")));
}

TEST(Cidr, GreylistNetwork) {
  EXPECT_EQ(greylist_network(ip("198.51.100.77")).str(), "198.51.100.0/24");
  EXPECT_EQ(greylist_network(ip("2001:db8:1:2:a:b:c:d")).str(), "2001:db8:1:2::/64");
  EXPECT_EQ(greylist_network(ip("198.51.100.77"), {32, 128}).str(), "198.51.100.77");
  EXPECT_EQ(greylist_network(ip("2001:db8:1:2:a:b:c:d"), {24, 48}).str(), "2001:db8:1::/48");
}

TEST(Cidr, OrdersV4BeforeV6ThenAddressThenPrefix) {
  EXPECT_LT(*parse_cidr("255.0.0.0/8"), *parse_cidr("::/0"));
  EXPECT_LT(*parse_cidr("10.0.0.0/8"), *parse_cidr("10.0.0.0/9"));
  EXPECT_LT(*parse_cidr("10.0.0.0/9"), *parse_cidr("10.0.0.1"));
}

}  // namespace
}  // namespace backstop::lists
