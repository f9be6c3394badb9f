// Unit tests for the DNS zone configuration: name encoding and validation, the checks on
// zones, name servers and the hostmaster, and the apex-relative compression of SOA/NS names.
#include "dns/zones.h"

#include <gtest/gtest.h>

namespace backstop::dns {
namespace {

ZonesConfig base() {
  ZonesConfig c;
  c.block_zone = "bl.example.org";
  c.ns_hosts = {"ns1.example.org"};
  c.hostmaster = "hostmaster@example.org";
  return c;
}

std::string make_error(const ZonesConfig& c) {
  std::string error;
  EXPECT_FALSE(Zones::make(c, &error));
  return error;
}

TEST(EncodeName, Wire) {
  EXPECT_EQ(*encode_name("Bl.Example.ORG."), std::string("\2bl\7example\3org\0", 16));
  EXPECT_EQ(*encode_name("."), std::string("\0", 1));
  EXPECT_EQ(*encode_name(""), std::string("\0", 1));
  EXPECT_EQ(*encode_name("a_b-c"), std::string("\5a_b-c\0", 7));
  EXPECT_FALSE(encode_name("a..b"));
  EXPECT_FALSE(encode_name(".a"));
  EXPECT_FALSE(encode_name("a b"));
  EXPECT_FALSE(encode_name("a*.b"));
  EXPECT_TRUE(encode_name(std::string(63, 'a')));
  EXPECT_FALSE(encode_name(std::string(64, 'a')));
  std::string n;
  for (int i = 0; i < 127; ++i) n += "a.";
  EXPECT_TRUE(encode_name(n));          // 255 octets
  EXPECT_FALSE(encode_name("b." + n));  // 257
}

TEST(Zones, MakesTheConfiguredZones) {
  auto c = base();
  c.allow_zone = "wl.example.org";
  c.domain_allow_zone = "dwl.example.org";
  std::string error;
  auto z = Zones::make(c, &error);
  ASSERT_TRUE(z) << error;
  ASSERT_EQ(z->zones().size(), 3u);
  EXPECT_EQ(z->zones()[0].kind, ZoneKind::kBlock);
  EXPECT_EQ(z->zones()[1].kind, ZoneKind::kAllowIp);
  EXPECT_EQ(z->zones()[2].kind, ZoneKind::kAllowDomain);
  EXPECT_EQ(z->zones()[0].labels, 3);
  // ns1.example.org against bl.example.org: "ns1" then a pointer to offset 3 ("example").
  EXPECT_EQ(z->zones()[0].mname.head, "\3ns1");
  EXPECT_EQ(z->zones()[0].mname.tail, 3);
  EXPECT_EQ(z->zones()[0].rname.head, "\12hostmaster");
  EXPECT_EQ(z->zones()[0].rname.tail, 3);
  EXPECT_EQ(z->zones()[2].mname.tail, 4);  // "dwl" is one octet longer
}

TEST(Zones, UnrelatedNamesAreWrittenOut) {
  auto c = base();
  c.ns_hosts = {"ns.other.net"};
  c.hostmaster = "root.other.net";
  auto z = Zones::make(c, nullptr);
  ASSERT_TRUE(z);
  EXPECT_EQ(z->zones()[0].mname.head, std::string("\2ns\5other\3net\0", 14));
  EXPECT_EQ(z->zones()[0].mname.tail, -1);
}

TEST(Zones, Errors) {
  auto c = base();
  c.block_zone.clear();
  EXPECT_NE(make_error(c).find("no zone"), std::string::npos);
  c = base();
  c.ns_hosts.clear();
  EXPECT_NE(make_error(c).find("name server"), std::string::npos);
  c = base();
  c.ns_hosts = {"bad name"};
  EXPECT_NE(make_error(c).find("bad name server"), std::string::npos);
  c = base();
  c.ns_hosts = std::vector<std::string>(9, "ns.example.org");
  EXPECT_NE(make_error(c).find("at most 8"), std::string::npos);
  c = base();
  c.hostmaster = "";
  EXPECT_NE(make_error(c).find("hostmaster"), std::string::npos);
  c = base();
  c.hostmaster = "first.last@example.org";
  EXPECT_NE(make_error(c).find("must not contain"), std::string::npos);
  c = base();
  c.block_zone = "bl..example.org";
  EXPECT_NE(make_error(c).find("bad zone"), std::string::npos);
  c = base();
  c.allow_zone = "BL.example.org";
  EXPECT_NE(make_error(c).find("nested"), std::string::npos);
  c = base();
  c.allow_zone = "x.bl.example.org";
  EXPECT_NE(make_error(c).find("nested"), std::string::npos);
  c = base();
  c.allow_zone = "example.org";
  EXPECT_NE(make_error(c).find("nested"), std::string::npos);
  c = base();
  c.udp_size = 511;
  EXPECT_NE(make_error(c).find("udp_size"), std::string::npos);
  c.udp_size = 4097;
  EXPECT_NE(make_error(c).find("udp_size"), std::string::npos);
  // Room for 32 nibble labels in front of an IP zone.
  c = base();
  std::string longzone;
  while (longzone.size() < 190) longzone += "abcdefghi.";
  longzone += "org";
  c.block_zone = longzone;
  EXPECT_NE(make_error(c).find("too long"), std::string::npos);
  c.domain_allow_zone = longzone;
  c.block_zone.clear();
  EXPECT_TRUE(Zones::make(c, nullptr));
  // Siblings are fine.
  c = base();
  c.allow_zone = "wl.example.org";
  c.domain_allow_zone = "xbl.example.org";
  EXPECT_TRUE(Zones::make(c, nullptr));
}

}  // namespace
}  // namespace backstop::dns
