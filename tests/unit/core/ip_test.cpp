// Unit tests of src/core/ip.h: parsing and printing IPv4/IPv6 literals, the RFC 6890
// special-purpose ranges that never name a client on the Internet, and finding IPs in text.
#include "core/ip.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::core {
namespace {

std::string canon(std::string_view text) {
  auto ip = parse_ip(text);
  return ip ? ip->str() : "<none>";
}

bool special(std::string_view text) {
  auto ip = parse_ip(text);
  EXPECT_TRUE(ip) << text;
  return ip && is_special_purpose(*ip);
}

std::string found(std::string_view text) {
  auto ip = find_ip(text);
  return ip ? ip->str() : "<none>";
}

TEST(ParseIp, Ipv4) {
  auto ip = parse_ip("62.141.37.200");
  ASSERT_TRUE(ip);
  EXPECT_FALSE(ip->v6);
  EXPECT_EQ(ip->bytes[0], 62);
  EXPECT_EQ(ip->bytes[3], 200);
  EXPECT_EQ(ip->str(), "62.141.37.200");
  EXPECT_EQ(canon(" 10.0.0.1 "), "10.0.0.1");
  EXPECT_EQ(canon("[192.0.2.1]"), "192.0.2.1");
}

TEST(ParseIp, Ipv6IsPrintedInCanonicalForm) {
  EXPECT_EQ(canon("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(canon("IPv6:2603:10a6:20b:3c4::18"), "2603:10a6:20b:3c4::18");
  EXPECT_EQ(canon("[IPv6:2001:db8::5]"), "2001:db8::5");
  EXPECT_EQ(canon("::1"), "::1");
  auto ip = parse_ip("2001:db8::1");
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->v6);
}

TEST(ParseIp, MappedIpv4ComesBackAsIpv4) {
  auto ip = parse_ip("::ffff:198.51.100.7");
  ASSERT_TRUE(ip);
  EXPECT_FALSE(ip->v6);
  EXPECT_EQ(ip->str(), "198.51.100.7");
  EXPECT_EQ(*ip, *parse_ip("198.51.100.7"));
}

TEST(ParseIp, RejectsNonAddresses) {
  for (std::string_view bad :
       {"", "   ", "256.1.1.1", "1.2.3", "1.2.3.4.5", "example.org", "1.2.3.4x", "2001:db8:::1",
        "[1.2.3.4", "unknown", "1:2:3:4:5:6:7:8:9"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
  EXPECT_FALSE(parse_ip(std::string(100, '1')));
}

TEST(SpecialPurpose, PrivateLoopbackAndLinkLocalV4) {
  for (std::string_view s :
       {"10.0.3.4", "127.0.0.1", "172.16.4.20", "172.31.255.255", "192.168.10.45", "169.254.1.1",
        "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3"})
    EXPECT_TRUE(special(s)) << s;
}

TEST(SpecialPurpose, DocumentationBenchmarkingMulticastReservedV4) {
  for (std::string_view s :
       {"192.0.2.10", "198.51.100.7", "203.0.113.9", "192.0.0.8", "198.18.0.1", "198.19.255.1",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255"})
    EXPECT_TRUE(special(s)) << s;
}

TEST(SpecialPurpose, PublicV4AtTheRangeEdges) {
  for (std::string_view s :
       {"8.8.8.8", "62.141.37.200", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "192.0.3.1", "192.169.0.1", "198.17.255.255", "198.20.0.1", "198.51.101.1", "203.0.114.1",
        "223.255.255.255", "11.0.0.1", "9.255.255.255", "126.255.255.255"})
    EXPECT_FALSE(special(s)) << s;
}

TEST(SpecialPurpose, Ipv6Ranges) {
  for (std::string_view s : {"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1",
                             "ff02::1", "2001:db8::1", "2001:db8:ffff::1"})
    EXPECT_TRUE(special(s)) << s;
  for (std::string_view s : {"2a00:1450:4001::1", "2603:10a6:20b:3c4::18", "2001:db9::1"})
    EXPECT_FALSE(special(s)) << s;
}

TEST(FindIp, InReceivedFieldForms) {
  EXPECT_EQ(found("from mx.example.org (mx.example.org [62.141.37.21]) by x"), "62.141.37.21");
  EXPECT_EQ(found("from unknown (HELO user-pc) (109.173.5.66) by mail"), "109.173.5.66");
  EXPECT_EQ(found("connect to mx.example.org[176.9.112.40]:25: Connection timed out"),
            "176.9.112.40");
  EXPECT_EQ(found("from [IPv6:2001:db8::5] (helo=x)"), "2001:db8::5");
  EXPECT_EQ(found("X-Originating-IP: [81.2.69.160]"), "81.2.69.160");
  EXPECT_EQ(found("85.12.1.1"), "85.12.1.1");
}

TEST(FindIp, SkipsVersionsIdsAndDottedNames) {
  EXPECT_EQ(found("by relay (8.15.2/8.15.2) id 42QDPdxW028814"), "<none>");
  EXPECT_EQ(found("id 15.20.7386.25; Mon, 18 Mar 2024"), "<none>");
  EXPECT_EQ(found("host1.2.3.4.example.org"), "<none>");
  EXPECT_EQ(found("cpe-73-42-190-5.example.net"), "<none>");
  EXPECT_EQ(found("status 5.1.1"), "<none>");
  EXPECT_EQ(found(""), "<none>");
}

TEST(FindIp, FirstOfSeveral) {
  EXPECT_EQ(found("version 8.15.2 then 10.1.2.3 and 62.141.37.200"), "10.1.2.3");
}

TEST(FindIp, LongRunsOfIpCharactersAreBounded) {
  std::string junk(200000, '1');
  junk += ".2.3.4";
  EXPECT_EQ(found(junk), "<none>");
  std::string colons(100000, ':');
  EXPECT_EQ(found(colons), "<none>");
}

}  // namespace
}  // namespace backstop::core
