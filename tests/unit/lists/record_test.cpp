// Unit tests for list entry records: round trips, percent-encoding, and rejection of malformed
// stored text.
#include "lists/record.h"

#include <gtest/gtest.h>

namespace backstop::lists {
namespace {

TEST(Record, EncodesAndDecodes) {
  ListRecord r;
  r.subject = *parse_cidr("192.0.2.0/24");
  r.reason = "backscatter";
  r.node = "mx1";
  r.added = 1700000000;
  r.expires = 1700086400;
  const std::string s = encode_record(r);
  EXPECT_EQ(s,
            "v=1 net=192.0.2.0/24 reason=backscatter node=mx1 added=1700000000 "
            "expires=1700086400");
  EXPECT_EQ(decode_record(s), r);
  EXPECT_EQ(r.subject_str(), "192.0.2.0/24");
  EXPECT_FALSE(r.expired(1700086399));
  EXPECT_TRUE(r.expired(1700086400));

  ListRecord d;
  d.subject = *parse_domain_pattern("!*.Out.Example.com");
  d.reason = "manual";
  d.node = "ops team";
  d.added = -5;
  d.expires = 0;
  d.note = "ticket 42: 100% sure\n=yes";
  const std::string ds = encode_record(d);
  EXPECT_EQ(ds,
            "v=1 domain=!*.out.example.com reason=manual node=ops%20team added=-5 expires=0 "
            "note=ticket%2042:%20100%25%20sure%0A=yes");
  EXPECT_EQ(decode_record(ds), d);
  EXPECT_FALSE(d.expired(INT64_MAX));
}

TEST(Record, ToleratesSpacingFieldOrderAndUnknownFields) {
  auto r =
      decode_record("  expires=0  node=n v=1 future=x reason=r%41 added=1 net=2001:db8::/32   ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "rA");
  EXPECT_EQ(std::get<Cidr>(r->subject).str(), "2001:db8::/32");
}

TEST(Record, RejectsMalformedText) {
  const char* bad[] = {
      "",
      "v=2 net=192.0.2.1 reason=r node=n added=1 expires=0",
      "v=1 net=192.0.2.1/24 reason=r node=n added=1 expires=0",
      "v=1 net=192.0.2.1 domain=x.com reason=r node=n added=1 expires=0",
      "v=1 domain=a..b reason=r node=n added=1 expires=0",
      "v=1 net=192.0.2.1 reason= node=n added=1 expires=0",
      "v=1 net=192.0.2.1 reason=r node=n added=1x expires=0",
      "v=1 net=192.0.2.1 reason=r node=n added=99999999999999999999 expires=0",
      "v=1 net=192.0.2.1 reason=r%4 node=n added=1 expires=0",
      "v=1 net=192.0.2.1 reason=r%zz node=n added=1 expires=0",
      "v=1 net=192.0.2.1 reason=r node=n added=1",
      "v=1 net=192.0.2.1 reason=r node=n added=1 expires=0 reason=s",
      "v=1 net=192.0.2.1 reason=r node=n added=1 expires=0 junk",
      "net=192.0.2.1 reason=r node=n added=1 expires=0",
  };
  for (const char* s : bad) {
    std::string error;
    EXPECT_FALSE(decode_record(s, &error)) << s;
    EXPECT_FALSE(error.empty()) << s;
  }
  std::string big = "v=1 net=192.0.2.1 reason=r node=n added=1 expires=0 note=";
  big += std::string(300, 'x');
  EXPECT_FALSE(decode_record(big));  // note longer than kMaxRecordField
  EXPECT_FALSE(decode_record(std::string(kMaxRecordText + 1, ' ')));
}

TEST(Record, LongFieldsAreCutWhenEncoding) {
  ListRecord r;
  r.subject = *parse_cidr("192.0.2.1");
  r.reason = "r";
  r.node = std::string(1000, 'n');
  auto back = decode_record(encode_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->node.size(), kMaxRecordField);
}

}  // namespace
}  // namespace backstop::lists
