// The resolver's response reader: records of the asked type, TTLs (positive and RFC 2308
// negative), compression pointers, and every malformed shape refused.
#include "dns/response.h"

#include <gtest/gtest.h>

#include "dns/response_builder.h"

namespace backstop::dns {
namespace {

using testing::a_rr;
using testing::build_response;
using testing::ptr_rr;
using testing::Record;
using testing::soa_rr;

std::optional<ResponseRecords> parse(const std::vector<uint8_t>& m, RecordType t) {
  return parse_response(std::span<const uint8_t>(m.data(), m.size()), t);
}

TEST(DnsResponse, PtrNamesLowerCasedWithTheSmallestTtl) {
  auto m = build_response(1, "5.0.0.127.in-addr.arpa", 12, 0,
                          {ptr_rr("", "MX.Good.Example", 600), ptr_rr("", "other.example.", 120)});
  auto r = parse(m, RecordType::kPtr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rcode, 0);
  ASSERT_EQ(r->names.size(), 2u);
  EXPECT_EQ(r->names[0], "mx.good.example");
  EXPECT_EQ(r->names[1], "other.example");
  EXPECT_EQ(r->ttl, 120u);
}

TEST(DnsResponse, AddressesOfTheAskedTypeOnlyAndCnameTtlCounts) {
  Record cname{"mx.good.example", 5, 30, testing::wire_name("real.good.example")};
  auto m =
      build_response(2, "mx.good.example", 1, 0,
                     {cname, a_rr("real.good.example", {127, 0, 0, 5}, 3600),
                      a_rr("real.good.example", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
                      a_rr("real.good.example", {127, 0, 0, 6}, 900)});
  auto r = parse(m, RecordType::kA);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->addresses.size(), 2u);
  EXPECT_EQ(r->addresses[0].str(), "127.0.0.5");
  EXPECT_EQ(r->addresses[1].str(), "127.0.0.6");
  EXPECT_EQ(r->ttl, 30u);  // the CNAME's
  auto v6 = parse(m, RecordType::kAaaa);
  ASSERT_TRUE(v6);
  ASSERT_EQ(v6->addresses.size(), 1u);
  EXPECT_EQ(v6->addresses[0].str(), "::1");
}

TEST(DnsResponse, NegativeAnswersLiveTheSoaMinimum) {
  auto nx =
      build_response(3, "9.0.0.127.in-addr.arpa", 12, 3, {}, {soa_rr("in-addr.arpa", 3600, 300)});
  auto r = parse(nx, RecordType::kPtr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rcode, 3);
  EXPECT_TRUE(r->names.empty());
  EXPECT_EQ(r->ttl, 300u);
  auto nodata = build_response(4, "x.example", 1, 0, {}, {soa_rr("example", 120, 900)});
  EXPECT_EQ(parse(nodata, RecordType::kA)->ttl, 120u);
  // Without an SOA the lifetime is unknown.
  auto bare = build_response(5, "x.example", 1, 3, {});
  EXPECT_FALSE(parse(bare, RecordType::kA)->ttl);
}

TEST(DnsResponse, TtlWithTheTopBitIsZeroAndOtherClassesAreSkipped) {
  Record chaos = a_rr("", {127, 0, 0, 9});
  chaos.rclass = 3;
  auto m = build_response(6, "x.example", 1, 0, {a_rr("", {127, 0, 0, 1}, 0x80000001u), chaos});
  auto r = parse(m, RecordType::kA);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->addresses.size(), 1u);
  EXPECT_EQ(r->ttl, 0u);
}

TEST(DnsResponse, RecordsBeyondTheLimitAreDropped) {
  std::vector<Record> many;
  for (int i = 0; i < 100; ++i) many.push_back(ptr_rr("", "h" + std::to_string(i) + ".example"));
  auto r = parse(build_response(7, "1.0.0.127.in-addr.arpa", 12, 0, many), RecordType::kPtr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->names.size(), kMaxResponseRecords);
}

TEST(DnsResponse, MalformedMessagesAreRefused) {
  auto good = build_response(8, "x.example", 1, 0, {a_rr("", {127, 0, 0, 1})});
  ASSERT_TRUE(parse(good, RecordType::kA));
  // Every truncation.
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    EXPECT_FALSE(parse(cut, RecordType::kA)) << n;
  }
  // A query, not a response.
  auto q = good;
  q[2] &= 0x7F;
  EXPECT_FALSE(parse(q, RecordType::kA));
  // An A record of 5 bytes.
  auto bad_len = build_response(9, "x.example", 1, 0, {a_rr("", {127, 0, 0, 1, 7})});
  EXPECT_FALSE(parse(bad_len, RecordType::kA));
  // A compression pointer pointing forward, and one pointing at itself.
  for (uint8_t target : {uint8_t(200), uint8_t(0)}) {
    auto loop = good;
    const size_t owner = 12 + testing::wire_name("x.example").size() + 4;
    ASSERT_EQ(loop[owner], 0xC0);
    loop[owner + 1] = target ? target : static_cast<uint8_t>(owner);
    EXPECT_FALSE(parse(loop, RecordType::kA));
  }
  // A PTR whose name runs past its rdata.
  Record ptr = ptr_rr("", "a.example");
  ptr.rdata.pop_back();
  ptr.rdata.push_back(1);
  EXPECT_FALSE(parse(build_response(10, "1.in-addr.arpa", 12, 0, {ptr}), RecordType::kPtr));
}

}  // namespace
}  // namespace backstop::dns
