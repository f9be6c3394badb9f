// Unit tests for the DNS answer path: every header flag and section of the answers for listed,
// unlisted, partial and foreign names in the three zones; RFC 5782 test entries; IPv6 nibble
// names; SOA/NS at the apex with name compression; ANY; EDNS(0) and BADVERS; truncation;
// 0x20 case echo; malformed and hostile queries and the name limits.
#include "dns/answer.h"

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "core/text.h"
#include "dns/dns_test_util.h"

namespace backstop::dns {
namespace {

using testing::FakeZoneData;
using testing::QueryBuilder;
using testing::Response;

constexpr int64_t kNow = 1795559388;  // 2026-11-24

ZonesConfig test_config() {
  ZonesConfig c;
  c.block_zone = "bl.example.org";
  c.allow_zone = "wl.example.org";
  c.domain_allow_zone = "dwl.example.org";
  c.ns_hosts = {"ns1.example.org", "ns2.example.net"};
  c.hostmaster = "hostmaster@example.org";
  c.serial = 2026112401;
  c.refresh = 7200;
  c.retry = 900;
  c.expire = 1209600;
  c.minimum = 60;
  c.ttl = 300;
  c.soa_ttl = 3600;
  c.udp_size = 1232;
  return c;
}

std::string v6_name(const std::string& ip_text, const std::string& zone) {
  auto ip = core::parse_ip(ip_text);
  EXPECT_TRUE(ip);
  std::string out;
  static const char* kHex = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out += kHex[ip->bytes[i] & 0x0F];
    out += '.';
    out += kHex[ip->bytes[i] >> 4];
    out += '.';
  }
  return out + zone;
}

// The nibble name of an IPv4-mapped address (parse_ip folds those to IPv4).
std::string mapped_name(uint8_t a, uint8_t b, uint8_t c, uint8_t d, const std::string& zone) {
  std::string out;
  static const char* kHex = "0123456789abcdef";
  const uint8_t bytes[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
  for (int i = 15; i >= 0; --i) {
    out += std::string(1, kHex[bytes[i] & 0x0F]) + "." + kHex[bytes[i] >> 4] + ".";
  }
  return out + zone;
}

// The TXT strings of a record (none, and a failure, when malformed).
std::vector<std::string> texts(const testing::Rr& rr) {
  auto s = testing::txt_strings(rr);
  EXPECT_TRUE(s) << "malformed TXT";
  return s ? *s : std::vector<std::string>{};
}

class AnswerTest : public ::testing::Test {
 protected:
  AnswerTest() { rebuild(); }
  void rebuild() {
    std::string error;
    auto z = Zones::make(config, &error);
    ASSERT_TRUE(z) << error;
    zones = std::make_unique<Zones>(*z);
  }

  Response ask(const QueryBuilder& qb, bool tcp = false, size_t out_size = 65535) {
    return ask_raw(qb.build(), tcp, out_size);
  }
  Response ask_raw(const std::vector<uint8_t>& q, bool tcp = false, size_t out_size = 65535) {
    std::vector<uint8_t> out(out_size);
    last = answer(q, out, tcp, data, *zones, kNow);
    EXPECT_GT(last.size, 0u);
    EXPECT_LE(last.size, out_size);
    out.resize(last.size);
    auto r = testing::parse_response(out);
    EXPECT_TRUE(r) << "unparseable response";
    return r ? *r : Response{};
  }
  QueryBuilder q(const std::string& name, uint16_t type = rrtype::kA) {
    QueryBuilder b;
    b.qname = name;
    b.qtype = type;
    return b;
  }
  // Header checks shared by every authoritative answer.
  void expect_header(const Response& r, uint8_t rcode, bool aa = true) {
    EXPECT_EQ(r.id, 0xBEEF);
    EXPECT_TRUE(r.qr);
    EXPECT_EQ(r.opcode, 0);
    EXPECT_EQ(r.aa, aa);
    EXPECT_FALSE(r.tc);
    EXPECT_TRUE(r.rd);   // copied
    EXPECT_FALSE(r.ra);  // no recursion
    EXPECT_FALSE(r.z);
    EXPECT_FALSE(r.ad);
    EXPECT_EQ(r.rcode, rcode);
    EXPECT_EQ(r.qdcount, 1);
  }
  // A negative answer: no answer records, the zone's SOA in authority with the negative TTL.
  void expect_negative(const Response& r, uint8_t rcode, const std::string& zone) {
    expect_header(r, rcode);
    EXPECT_EQ(r.ancount, 0);
    ASSERT_EQ(r.nscount, 1);
    EXPECT_EQ(r.arcount, 0);
    const auto& soa = r.ns[0];
    EXPECT_EQ(core::to_lower(soa.name), zone);
    EXPECT_EQ(soa.type, rrtype::kSoa);
    EXPECT_EQ(soa.cls, 1);
    EXPECT_EQ(soa.ttl, 60u);                    // min(minimum 60, soa_ttl 3600)
    EXPECT_EQ(soa.owner_raw & 0xC000, 0xC000);  // a pointer into the question
    auto s = testing::parse_soa(r, soa);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->mname, "ns1.example.org");
    EXPECT_EQ(s->rname, "hostmaster.example.org");
    EXPECT_EQ(s->serial, 2026112401u);
    EXPECT_EQ(s->refresh, 7200u);
    EXPECT_EQ(s->retry, 900u);
    EXPECT_EQ(s->expire, 1209600u);
    EXPECT_EQ(s->minimum, 60u);
  }
  void expect_a(const Response& r, uint8_t last_octet, uint32_t ttl = 300) {
    expect_header(r, 0);
    ASSERT_EQ(r.ancount, 1);
    EXPECT_EQ(r.nscount, 0);
    EXPECT_EQ(r.arcount, 0);
    const auto& a = r.an[0];
    EXPECT_EQ(a.owner_raw, 0xC00C);  // compressed to the question name
    EXPECT_EQ(a.type, rrtype::kA);
    EXPECT_EQ(a.cls, 1);
    EXPECT_EQ(a.ttl, ttl);
    EXPECT_EQ(a.rdata, (std::vector<uint8_t>{127, 0, 0, last_octet}));
  }

  ZonesConfig config = test_config();
  std::unique_ptr<Zones> zones;
  FakeZoneData data;
  AnswerResult last;
};

// --- the block zone ----------------------------------------------------------------------

TEST_F(AnswerTest, ListedIpv4AnswersAWithTheCode) {
  data.blocked_ips["192.0.2.99"] = {5, "backscatter-source", 0};
  auto qb = q("99.2.0.192.bl.example.org");
  auto r = ask(qb);
  expect_a(r, 5);
  const auto query = qb.build();
  EXPECT_EQ(r.question, std::vector<uint8_t>(query.begin() + 12, query.end()));
  EXPECT_EQ(data.asked, (std::vector<std::string>{"b:192.0.2.99/4"}));
  EXPECT_EQ(data.last_text_buf, 0u);  // an A query needs no text
  EXPECT_EQ(last.rcode, Rcode::kNoError);
  EXPECT_FALSE(last.nodata);
  EXPECT_FALSE(last.truncated);
}

TEST_F(AnswerTest, CodesBelowTwoAnswerTwo) {
  data.blocked_ips["192.0.2.1"] = {0, "x", 0};
  data.blocked_ips["192.0.2.2"] = {1, "x", 0};
  expect_a(ask(q("1.2.0.192.bl.example.org")), 2);
  expect_a(ask(q("2.2.0.192.bl.example.org")), 2);
}

TEST_F(AnswerTest, ListedIpv4AnswersTxt) {
  data.blocked_ips["192.0.2.99"] = {5, "backscatter-source, expires 2026-11-25T10:00:00Z", 0};
  auto r = ask(q("99.2.0.192.bl.example.org", rrtype::kTxt));
  expect_header(r, 0);
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(r.an[0].type, rrtype::kTxt);
  EXPECT_EQ(r.an[0].owner_raw, 0xC00C);
  EXPECT_EQ(r.an[0].ttl, 300u);
  EXPECT_EQ(texts(r.an[0]),
            (std::vector<std::string>{"backscatter-source, expires 2026-11-25T10:00:00Z"}));
  EXPECT_EQ(data.last_text_buf, kMaxTxtText);
}

TEST_F(AnswerTest, TxtTextWrittenIntoTheCallersBuffer) {
  data.blocked_ips["192.0.2.99"] = {5, "built in the buffer", 0, true};
  auto r = ask(q("99.2.0.192.bl.example.org", rrtype::kTxt));
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(texts(r.an[0]), (std::vector<std::string>{"built in the buffer"}));
}

TEST_F(AnswerTest, LongTxtIsSplitInto255OctetStrings) {
  const std::string text(600, 'x');
  data.blocked_ips["192.0.2.99"] = {5, text, 0};
  auto r = ask(q("99.2.0.192.bl.example.org", rrtype::kTxt), true);
  ASSERT_EQ(r.ancount, 1);
  auto s = texts(r.an[0]);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].size(), 255u);
  EXPECT_EQ(s[1].size(), 255u);
  EXPECT_EQ(s[2].size(), 90u);
  EXPECT_EQ(r.an[0].rdata.size(), 603u);
}

TEST_F(AnswerTest, TxtOfExactly255AndEmptyText) {
  data.blocked_ips["192.0.2.1"] = {5, std::string(255, 'y'), 0};
  data.blocked_ips["192.0.2.2"] = {5, "", 0};
  auto r = ask(q("1.2.0.192.bl.example.org", rrtype::kTxt));
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(texts(r.an[0]), (std::vector<std::string>{std::string(255, 'y')}));
  r = ask(q("2.2.0.192.bl.example.org", rrtype::kTxt));
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(r.an[0].rdata, (std::vector<uint8_t>{0}));  // one empty string
}

TEST_F(AnswerTest, OverlongTxtIsCut) {
  data.blocked_ips["192.0.2.99"] = {5, std::string(5000, 'z'), 0};
  auto r = ask(q("99.2.0.192.bl.example.org", rrtype::kTxt), true);
  ASSERT_EQ(r.ancount, 1);
  size_t total = 0;
  for (const auto& s : texts(r.an[0])) total += s.size();
  EXPECT_EQ(total, kMaxTxtText);
}

TEST_F(AnswerTest, TtlNeverOutlivesTheListing) {
  data.blocked_ips["192.0.2.1"] = {5, "x", kNow + 100};
  data.blocked_ips["192.0.2.2"] = {5, "x", kNow + 100000};
  data.blocked_ips["192.0.2.3"] = {5, "x", kNow - 5};
  expect_a(ask(q("1.2.0.192.bl.example.org")), 5, 100);
  expect_a(ask(q("2.2.0.192.bl.example.org")), 5, 300);
  expect_a(ask(q("3.2.0.192.bl.example.org")), 5, 0);
}

TEST_F(AnswerTest, UnlistedIsNxdomainWithSoa) {
  auto r = ask(q("1.2.0.192.bl.example.org"));
  expect_negative(r, 3, "bl.example.org");
  // The SOA owner points at "bl" inside the question: 12 + "1.2.0.192." (2+2+2+4 octets).
  EXPECT_EQ(r.ns[0].owner_raw, 0xC000 | (12 + 10));
  EXPECT_EQ(last.rcode, Rcode::kNxDomain);
}

TEST_F(AnswerTest, ListedNameOtherTypeIsNodata) {
  data.blocked_ips["192.0.2.99"] = {5, "x", 0};
  for (uint16_t t : {rrtype::kAaaa, uint16_t{15}, rrtype::kNs, rrtype::kSoa, uint16_t{99}}) {
    auto r = ask(q("99.2.0.192.bl.example.org", t));
    expect_negative(r, 0, "bl.example.org");
    EXPECT_TRUE(last.nodata);
  }
}

TEST_F(AnswerTest, PartialNamesAreEmptyNonTerminals) {
  for (const char* name : {"127.bl.example.org", "0.127.bl.example.org", "0.0.127.bl.example.org",
                           "a.b.c.d.bl.example.org", "0.0.0.0.0.bl.example.org",
                           "1.2.3.4.5.bl.example.org"}) {  // 5 nibbles: part of an IPv6 name
    SCOPED_TRACE(name);
    auto r = ask(q(name));
    expect_negative(r, 0, "bl.example.org");
    EXPECT_TRUE(last.nodata) << name;
  }
  EXPECT_TRUE(data.asked.empty());
}

TEST_F(AnswerTest, NamesThatCannotBeAddressesAreNxdomain) {
  for (const char* name :
       {"x.bl.example.org", "256.0.0.1.bl.example.org", "01.0.0.127.bl.example.org",
        "1.2.3.4.55.bl.example.org", "-1.0.0.127.bl.example.org", "1.2.3.1000.bl.example.org",
        "www.1.2.3.4.bl.example.org", "00.0.0.1.bl.example.org", "1.2.3.x.bl.example.org"}) {
    SCOPED_TRACE(name);
    auto r = ask(q(name));
    expect_negative(r, 3, "bl.example.org");
  }
  EXPECT_TRUE(data.asked.empty());
}

TEST_F(AnswerTest, Rfc5782TestEntries) {
  data.blocked_ips["127.0.0.1"] = {9, "must never be asked", 0};
  auto r = ask(q("2.0.0.127.bl.example.org"));
  expect_a(r, 2);
  r = ask(q("2.0.0.127.bl.example.org", rrtype::kTxt));
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(texts(r.an[0]), (std::vector<std::string>{"RFC 5782 test entry"}));
  r = ask(q("1.0.0.127.bl.example.org"));
  expect_negative(r, 3, "bl.example.org");
  // The IPv6 form ::FFFF:7F00:2 is listed, ::FFFF:7F00:1 is not.
  expect_a(ask(q(mapped_name(127, 0, 0, 2, "bl.example.org"))), 2);
  expect_negative(ask(q(mapped_name(127, 0, 0, 1, "bl.example.org"))), 3, "bl.example.org");
  EXPECT_TRUE(data.asked.empty());
}

TEST_F(AnswerTest, Ipv6NibbleNames) {
  data.blocked_ips["2001:db8::1"] = {3, "v6", 0};
  const std::string name = v6_name("2001:db8::1", "bl.example.org");
  EXPECT_EQ(name.substr(0, 8), "1.0.0.0.");
  expect_a(ask(q(name)), 3);
  EXPECT_EQ(data.asked.back(), "b:2001:db8::1/6");
  // Upper-case nibbles are the same name.
  std::string upper = v6_name("2001:db8::abcd", "bl.example.org");
  for (size_t i = 0; i < 64; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  expect_negative(ask(q(upper)), 3, "bl.example.org");
  EXPECT_EQ(data.asked.back(), "b:2001:db8::abcd/6");
  // 31 nibbles: an empty non-terminal; 33 labels: nothing.
  expect_negative(ask(q(name.substr(2))), 0, "bl.example.org");
  expect_negative(ask(q("0." + name)), 3, "bl.example.org");
  // A two-character label is not a nibble.
  std::string bad = name;
  bad.replace(0, 1, "10");
  expect_negative(ask(q(bad)), 3, "bl.example.org");
}

TEST_F(AnswerTest, Ipv4MappedNibbleNamesAskAsIpv4) {
  data.blocked_ips["192.0.2.7"] = {4, "mapped", 0};
  expect_a(ask(q(mapped_name(192, 0, 2, 7, "bl.example.org"))), 4);
  EXPECT_EQ(data.asked.back(), "b:192.0.2.7/4");
}

TEST_F(AnswerTest, AnyIsOneRecord) {
  data.blocked_ips["192.0.2.99"] = {5, "x", 0};
  auto r = ask(q("99.2.0.192.bl.example.org", rrtype::kAny));
  expect_a(r, 5);  // the A record alone, not A + TXT (RFC 8482)
  r = ask(q("bl.example.org", rrtype::kAny));
  expect_header(r, 0);
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(r.an[0].type, rrtype::kSoa);
  expect_negative(ask(q("1.2.0.192.bl.example.org", rrtype::kAny)), 3, "bl.example.org");
}

// --- the apex ----------------------------------------------------------------------------

TEST_F(AnswerTest, SoaAtTheApex) {
  auto r = ask(q("bl.example.org", rrtype::kSoa));
  expect_header(r, 0);
  ASSERT_EQ(r.ancount, 1);
  EXPECT_EQ(r.nscount, 0);
  const auto& soa = r.an[0];
  EXPECT_EQ(soa.owner_raw, 0xC00C);
  EXPECT_EQ(soa.type, rrtype::kSoa);
  EXPECT_EQ(soa.ttl, 3600u);
  auto s = testing::parse_soa(r, soa);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->mname, "ns1.example.org");
  EXPECT_EQ(s->rname, "hostmaster.example.org");
  EXPECT_EQ(s->serial, 2026112401u);
  EXPECT_EQ(s->minimum, 60u);
  // Compression: MNAME is "ns1" + a pointer to "example.org" inside the question (offset 15),
  // RNAME "hostmaster" + the same pointer: 4+2 + 11+2 octets of names.
  EXPECT_EQ(soa.rdata.size(), 6u + 13u + 20u);
  EXPECT_EQ(soa.rdata[4], 0xC0);
  EXPECT_EQ(soa.rdata[5], 12 + 3);
}

TEST_F(AnswerTest, NsAtTheApex) {
  auto r = ask(q("bl.example.org", rrtype::kNs));
  expect_header(r, 0);
  ASSERT_EQ(r.ancount, 2);
  EXPECT_EQ(r.nscount, 0);
  EXPECT_EQ(r.arcount, 0);  // no glue: the name servers are not in the zone
  size_t pos0 = r.an[0].rdata_offset, pos1 = r.an[1].rdata_offset;
  EXPECT_EQ(*testing::read_name(r.bytes, pos0), "ns1.example.org");
  EXPECT_EQ(*testing::read_name(r.bytes, pos1), "ns2.example.net");
  for (const auto& rr : r.an) {
    EXPECT_EQ(rr.type, rrtype::kNs);
    EXPECT_EQ(rr.ttl, 3600u);
    EXPECT_EQ(rr.owner_raw, 0xC00C);
  }
  EXPECT_EQ(r.an[0].rdata.size(), 6u);   // "ns1" + pointer
  EXPECT_EQ(r.an[1].rdata.size(), 17u);  // shares only the root with the zone: written out
}

TEST_F(AnswerTest, NameServerInsideTheZoneIsCompressedToTheApex) {
  config.ns_hosts = {"ns.bl.example.org"};
  config.hostmaster = "bl.example.org";
  rebuild();
  auto r = ask(q("bl.example.org", rrtype::kSoa));
  ASSERT_EQ(r.ancount, 1);
  auto s = testing::parse_soa(r, r.an[0]);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->mname, "ns.bl.example.org");
  EXPECT_EQ(s->rname, "bl.example.org");
  EXPECT_EQ(r.an[0].rdata.size(), 5u + 2u + 20u);  // "ns"+ptr, ptr
}

TEST_F(AnswerTest, OtherTypesAtTheApexAreNodata) {
  for (uint16_t t : {rrtype::kA, rrtype::kTxt, rrtype::kAaaa}) {
    auto r = ask(q("bl.example.org", t));
    expect_negative(r, 0, "bl.example.org");
    EXPECT_EQ(r.ns[0].owner_raw, 0xC00C);  // the apex is the whole question
  }
}

// --- the allow zones ---------------------------------------------------------------------

TEST_F(AnswerTest, AllowZoneAnswers127002) {
  data.allowed_ips.insert("198.51.100.20");
  data.allowed_ips.insert("2001:db8::25");
  expect_a(ask(q("20.100.51.198.wl.example.org")), 2);
  expect_a(ask(q(v6_name("2001:db8::25", "wl.example.org"))), 2);
  expect_negative(ask(q("20.100.51.198.wl.example.org", rrtype::kTxt)), 0, "wl.example.org");
  expect_negative(ask(q("21.100.51.198.wl.example.org")), 3, "wl.example.org");
  expect_a(ask(q("2.0.0.127.wl.example.org")), 2);
  data.allowed_ips.insert("127.0.0.1");
  expect_negative(ask(q("1.0.0.127.wl.example.org")), 3, "wl.example.org");
  EXPECT_EQ(data.asked, (std::vector<std::string>{"a:198.51.100.20/4", "a:2001:db8::25/6",
                                                  "a:198.51.100.20/4", "a:198.51.100.21/4"}));
}

TEST_F(AnswerTest, DomainAllowZone) {
  data.allowed_domains.insert("mail.example.com");
  expect_a(ask(q("Mail.EXAMPLE.com.dwl.example.org")), 2);
  EXPECT_EQ(data.asked.back(), "d:mail.example.com");
  expect_negative(ask(q("other.example.com.dwl.example.org")), 3, "dwl.example.org");
  expect_negative(ask(q("mail.example.com.dwl.example.org", 15)), 0, "dwl.example.org");
  // RFC 5782 5: TEST listed, INVALID not, neither asked.
  data.asked.clear();
  data.allowed_domains.insert("invalid");
  expect_a(ask(q("TEST.dwl.example.org")), 2);
  expect_negative(ask(q("invalid.dwl.example.org")), 3, "dwl.example.org");
  // Labels with anything but letters, digits, '-' and '_' are never asked about.
  expect_negative(ask(q("a*b.example.com.dwl.example.org")), 3, "dwl.example.org");
  expect_negative(ask(q("a b.example.com.dwl.example.org")), 3, "dwl.example.org");
  EXPECT_TRUE(data.asked.empty());
  data.allowed_domains.insert("_x-1.example.com");
  expect_a(ask(q("_X-1.example.com.dwl.example.org")), 2);
}

// --- outside the zones, other opcodes, malformed queries ---------------------------------

TEST_F(AnswerTest, NamesOutsideTheZonesAreRefused) {
  for (const char* name : {"example.com", "example.org", "org", "xbl.example.org",
                           "2.0.0.127.bl.example.org.evil.com", ""}) {
    auto qb = q(name);
    auto r = ask(qb);
    expect_header(r, 5, false);
    EXPECT_EQ(r.ancount, 0);
    EXPECT_EQ(r.nscount, 0);
    EXPECT_EQ(r.arcount, 0);
    const auto query = qb.build();
    EXPECT_EQ(r.question, std::vector<uint8_t>(query.begin() + 12, query.end()));
    EXPECT_EQ(last.rcode, Rcode::kRefused);
  }
}

TEST_F(AnswerTest, OtherClassesAndZoneTransfersAreRefused) {
  auto qb = q("2.0.0.127.bl.example.org");
  qb.qclass = 3;  // CHAOS
  expect_header(ask(qb), 5, false);
  qb.qclass = 255;  // ANY class is IN here
  expect_a(ask(qb), 2);
  expect_header(ask(q("bl.example.org", rrtype::kAxfr)), 5, false);
  expect_header(ask(q("bl.example.org", rrtype::kIxfr)), 5, false);
}

TEST_F(AnswerTest, QuestionCaseIsEchoedExactly) {
  data.blocked_ips["192.0.2.99"] = {5, "x", 0};
  auto qb = q("99.2.0.192.bL.ExAmPlE.oRg");
  auto r = ask(qb);
  expect_a(r, 5);
  const auto query = qb.build();
  EXPECT_EQ(r.question, std::vector<uint8_t>(query.begin() + 12, query.end()));
  EXPECT_EQ(r.an[0].name, "99.2.0.192.bL.ExAmPlE.oRg");
  config.block_zone = "BL.Example.ORG.";  // config case and trailing dot do not matter either
  rebuild();
  expect_a(ask(qb), 5);
}

TEST_F(AnswerTest, FlagsCdCopiedAdAndRaNeverSet) {
  auto qb = q("2.0.0.127.bl.example.org");
  qb.flags2 = 0x00;                // no RD
  qb.flags3 = 0x10 | 0x20 | 0x80;  // CD, AD and RA from a confused client
  auto r = ask(qb);
  EXPECT_FALSE(r.rd);
  EXPECT_TRUE(r.cd);
  EXPECT_FALSE(r.ad);
  EXPECT_FALSE(r.ra);
  EXPECT_EQ(r.rcode, 0);
}

TEST_F(AnswerTest, OtherOpcodesAreNotImplemented) {
  for (uint8_t opcode : {1, 2, 4, 5, 15}) {
    auto qb = q("2.0.0.127.bl.example.org");
    qb.flags2 = static_cast<uint8_t>(opcode << 3 | 1);
    auto r = ask(qb);
    EXPECT_EQ(r.rcode, 4);
    EXPECT_EQ(r.opcode, opcode);
    EXPECT_TRUE(r.qr);
    EXPECT_TRUE(r.rd);
    EXPECT_FALSE(r.aa);
    EXPECT_EQ(r.id, 0xBEEF);
    EXPECT_EQ(r.qdcount + r.ancount + r.nscount + r.arcount, 0);
    EXPECT_EQ(last.rcode, Rcode::kNotImp);
  }
}

TEST_F(AnswerTest, ResponsesAndRuntsGetNothing) {
  auto qb = q("2.0.0.127.bl.example.org");
  qb.flags2 = 0x81;  // QR
  auto m = qb.build();
  std::vector<uint8_t> out(512);
  EXPECT_EQ(answer(m, out, false, data, *zones, kNow).size, 0u);
  m = q("x").build();
  for (size_t n = 0; n < 12; ++n)
    EXPECT_EQ(answer(std::span(m.data(), n), out, false, data, *zones, kNow).size, 0u);
  EXPECT_EQ(answer(m, std::span(out.data(), 11), false, data, *zones, kNow).size, 0u);
}

void expect_formerr(AnswerTest* t, const Response& r) {
  EXPECT_EQ(r.rcode, 1);
  EXPECT_TRUE(r.qr);
  EXPECT_EQ(r.id, 0xBEEF);
  EXPECT_EQ(r.qdcount + r.ancount + r.nscount + r.arcount, 0);
}

TEST_F(AnswerTest, QuestionCountMustBeOne) {
  for (uint16_t n : {0, 2, 65535}) {
    auto qb = q("2.0.0.127.bl.example.org");
    qb.qdcount = n;
    expect_formerr(this, ask(qb));
    EXPECT_EQ(last.rcode, Rcode::kFormErr);
  }
}

TEST_F(AnswerTest, TruncatedQuestionsAreFormerr) {
  const auto m = q("2.0.0.127.bl.example.org").build();
  for (size_t n = 12; n < m.size(); ++n)
    expect_formerr(this,
                   ask_raw(std::vector<uint8_t>(m.begin(), m.begin() + static_cast<long>(n))));
}

TEST_F(AnswerTest, CompressionAndExtendedLabelsInTheQuestionAreFormerr) {
  QueryBuilder qb;
  qb.raw_qname = {1, 'a', 0xC0, 12};  // a pointer back into the header
  expect_formerr(this, ask(qb));
  qb.raw_qname = {0xC0, 12};  // a pointer to itself
  expect_formerr(this, ask(qb));
  qb.raw_qname = {0x41, 'a', 0};  // extended label type 01
  expect_formerr(this, ask(qb));
  qb.raw_qname = {0x80, 0};
  expect_formerr(this, ask(qb));
}

TEST_F(AnswerTest, NameLimits) {
  // 63-octet labels are fine, 64 are not; 255 octets in all are fine, 256 are not.
  const std::string l63(63, 'a');
  auto r = ask(q(l63 + ".bl.example.org"));
  expect_negative(r, 3, "bl.example.org");
  expect_formerr(this, ask(q(std::string(64, 'a') + ".bl.example.org")));
  // 3 * 64 + 16 ("bl.example.org" is 16 octets) + "x" labels to reach exactly 255.
  std::string name = l63 + "." + l63 + "." + l63 + ".bl.example.org";
  ASSERT_EQ(testing::wire_name(name).size(), 208u);
  std::string fill(45, 'b');  // 46 octets more: 254
  std::string n254 = fill + "." + name;
  ASSERT_EQ(testing::wire_name(n254).size(), 254u);
  std::string n255 = std::string(46, 'b') + "." + name;
  ASSERT_EQ(testing::wire_name(n255).size(), 255u);
  expect_negative(ask(q(n255)), 3, "bl.example.org");
  std::string n256 = std::string(47, 'b') + "." + name;
  ASSERT_EQ(testing::wire_name(n256).size(), 256u);
  expect_formerr(this, ask(q(n256)));
  // 127 one-octet labels (255 octets) are fine, 128 are not.
  std::string many;
  for (int i = 0; i < 127; ++i) many += "a.";
  many.pop_back();
  ASSERT_EQ(testing::wire_name(many).size(), 255u);
  expect_header(ask(q(many)), 5, false);
  expect_formerr(this, ask(q("a." + many)));
}

TEST_F(AnswerTest, MalformedAdditionalSectionIsFormerr) {
  auto qb = q("2.0.0.127.bl.example.org");
  qb.edns = true;
  auto m = qb.build();
  for (size_t cut = 1; cut < 11; ++cut)
    expect_formerr(this,
                   ask_raw(std::vector<uint8_t>(m.begin(), m.end() - static_cast<long>(cut))));
  // Two OPT records.
  auto two = m;
  two[11] = 2;
  two.insert(two.end(), m.end() - 11, m.end());
  expect_formerr(this, ask_raw(two));
  // An OPT record not owned by the root.
  auto owned = m;
  owned[11] = 1;
  owned.resize(m.size() - 11);
  const uint8_t opt[] = {1, 'x', 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0};
  owned.insert(owned.end(), std::begin(opt), std::end(opt));
  expect_formerr(this, ask_raw(owned));
  // An answer-count claim with nothing behind it.
  auto claims = q("2.0.0.127.bl.example.org").build();
  claims[7] = 1;
  expect_formerr(this, ask_raw(claims));
}

TEST_F(AnswerTest, OtherRecordsInTheQueryAreSkipped) {
  // A query with an authority record (compressed owner) and an unknown additional record
  // before the OPT: still answered, OPT found.
  auto m = q("2.0.0.127.bl.example.org").build();
  m[9] = 1;   // NSCOUNT
  m[11] = 2;  // ARCOUNT
  const uint8_t ns_rr[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4};
  const uint8_t ar_rr[] = {0, 0, 99, 0, 1, 0, 0, 0, 0, 0, 2, 'h', 'i'};
  const uint8_t opt[] = {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0};
  m.insert(m.end(), std::begin(ns_rr), std::end(ns_rr));
  m.insert(m.end(), std::begin(ar_rr), std::end(ar_rr));
  m.insert(m.end(), std::begin(opt), std::end(opt));
  auto r = ask_raw(m);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.ancount, 1);
  ASSERT_NE(r.opt(), nullptr);
}

// --- EDNS(0) and truncation ----------------------------------------------------------------

TEST_F(AnswerTest, EdnsQueryGetsAnOpt) {
  auto qb = q("2.0.0.127.bl.example.org");
  qb.edns = true;
  qb.edns_size = 4096;
  qb.edns_do = true;
  auto r = ask(qb);
  EXPECT_EQ(r.rcode, 0);
  ASSERT_EQ(r.ancount, 1);
  ASSERT_EQ(r.arcount, 1);
  const auto* opt = r.opt();
  ASSERT_NE(opt, nullptr);
  EXPECT_EQ(opt->name, "");
  EXPECT_EQ(opt->cls, 1232);         // our UDP payload size
  EXPECT_EQ(opt->ttl, 0x00008000u);  // extended rcode 0, version 0, DO copied
  EXPECT_TRUE(opt->rdata.empty());
  qb.edns_do = false;
  EXPECT_EQ(ask(qb).opt()->ttl, 0u);
  // A negative answer carries the OPT after the SOA.
  qb.qname = "1.0.0.127.bl.example.org";
  r = ask(qb);
  EXPECT_EQ(r.rcode, 3);
  EXPECT_EQ(r.nscount, 1);
  EXPECT_EQ(r.arcount, 1);
  ASSERT_NE(r.opt(), nullptr);
  // So does REFUSED.
  qb.qname = "example.com";
  r = ask(qb);
  EXPECT_EQ(r.rcode, 5);
  ASSERT_NE(r.opt(), nullptr);
}

TEST_F(AnswerTest, EdnsVersionAboveZeroIsBadvers) {
  auto qb = q("2.0.0.127.bl.example.org");
  qb.edns = true;
  qb.edns_version = 1;
  auto r = ask(qb);
  EXPECT_EQ(r.rcode, 0);  // the low four bits of 16
  EXPECT_FALSE(r.aa);
  EXPECT_EQ(r.ancount, 0);
  EXPECT_EQ(r.nscount, 0);
  ASSERT_EQ(r.arcount, 1);
  EXPECT_EQ(r.opt()->ttl >> 24, 1u);           // the high eight bits: 16 >> 4
  EXPECT_EQ((r.opt()->ttl >> 16) & 0xFF, 0u);  // we speak version 0
  EXPECT_EQ(last.rcode, Rcode::kBadVers);
}

TEST_F(AnswerTest, UdpAnswerTooBigIsTruncated) {
  data.blocked_ips["192.0.2.99"] = {5, std::string(kMaxTxtText, 't'), 0};
  auto qb = q("99.2.0.192.bl.example.org", rrtype::kTxt);
  // Plain UDP: 512 octets; the TXT does not fit.
  auto r = ask(qb);
  EXPECT_TRUE(r.tc);
  EXPECT_TRUE(r.aa);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.qdcount, 1);
  EXPECT_EQ(r.ancount + r.nscount + r.arcount, 0);
  EXPECT_TRUE(last.truncated);
  EXPECT_FALSE(last.nodata);
  // EDNS with 4096 (we cap at 1232): it fits.
  qb.edns = true;
  qb.edns_size = 4096;
  r = ask(qb);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.ancount, 1);
  EXPECT_LE(r.bytes.size(), 1232u);
  // EDNS with a size below 512 counts as 512; truncated, OPT kept.
  qb.edns_size = 100;
  r = ask(qb);
  EXPECT_TRUE(r.tc);
  EXPECT_EQ(r.arcount, 1);
  EXPECT_EQ(r.ancount, 0);
  // TCP: no 512 limit.
  qb.edns = false;
  r = ask(qb, true);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.ancount, 1);
  EXPECT_GT(r.bytes.size(), 1024u);
}

TEST_F(AnswerTest, ExactFitIsNotTruncated) {
  data.blocked_ips["192.0.2.99"] = {5, std::string(300, 't'), 0};
  auto qb = q("99.2.0.192.bl.example.org", rrtype::kTxt);
  auto full = ask(qb, true);
  const size_t need = full.bytes.size();
  auto r = ask(qb, false, need);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.bytes, full.bytes);
  r = ask(qb, false, need - 1);
  EXPECT_TRUE(r.tc);
}

TEST_F(AnswerTest, TinyOutputBufferGetsAHeader) {
  auto r = ask(q("2.0.0.127.bl.example.org"), false, 20);
  EXPECT_TRUE(r.tc);
  EXPECT_EQ(r.qdcount, 0);
  EXPECT_EQ(r.bytes.size(), 12u);
}

TEST_F(AnswerTest, OnlyConfiguredZonesAreServed) {
  config.allow_zone.clear();
  config.domain_allow_zone.clear();
  rebuild();
  data.allowed_ips.insert("198.51.100.20");
  expect_header(ask(q("20.100.51.198.wl.example.org")), 5, false);
  expect_header(ask(q("wl.example.org", rrtype::kSoa)), 5, false);
  EXPECT_TRUE(data.asked.empty());
}

}  // namespace
}  // namespace backstop::dns
