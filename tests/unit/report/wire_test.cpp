// Unit tests for the report wire format: the exact bytes of a packet, round trips, limits,
// splitting into several packets, and decoding of truncated and malformed packets.
#include "report/wire.h"

#include <gtest/gtest.h>

#include "core/hmac.h"

namespace backstop::report {
namespace {

ReportEntry entry(const char* ip, int prefix, const char* reason) {
  return ReportEntry{*core::parse_ip(ip), prefix, reason};
}

Report sample() {
  Report r;
  r.key_id = "k1";
  r.node = "mx1";
  r.timestamp = 0x0102030405060708;
  for (int i = 0; i < 16; ++i) r.nonce[i] = uint8_t(0xa0 + i);
  r.entries = {entry("192.0.2.1", 32, "backscatter"), entry("2001:db8::", 32, "storm")};
  return r;
}

const std::string kSecret = "0123456789abcdef-secret";

TEST(Wire, ExactBytes) {
  auto p = encode_report(sample(), kSecret);
  ASSERT_TRUE(p);
  std::string want = "BSR\x01\x02k1\x03mx1";
  want += std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  for (int i = 0; i < 16; ++i) want += char(0xa0 + i);
  want += '\x02';
  want += std::string("\x04\x20\xc0\x00\x02\x01\x0b", 7) + "backscatter";
  want += std::string("\x06\x20\x20\x01\x0d\xb8", 6) + std::string(12, '\0') + "\x05storm";
  const auto mac = core::hmac_sha256(kSecret, want);
  want.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  EXPECT_EQ(*p, want);
  EXPECT_EQ(p->size(), packet_size(sample()));
}

TEST(Wire, RoundTrip) {
  auto r = sample();
  r.timestamp = -1;  // negative times survive the unsigned encoding
  r.entries.push_back(entry("0.0.0.0", 0, "a"));
  r.entries.push_back(entry("::", 0, "b"));
  r.entries.push_back(entry("2001:db8::1", 128, "c.d_e-F"));
  auto p = encode_report(r, kSecret);
  ASSERT_TRUE(p);
  auto d = decode_report(*p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->report, r);
  EXPECT_EQ(d->signed_bytes.size() + kMacSize, p->size());
}

TEST(Wire, EncodeRejectsInvalidFields) {
  auto bad = [](auto mutate, const char* message) {
    Report r = sample();
    mutate(r);
    std::string error;
    EXPECT_FALSE(encode_report(r, kSecret, &error)) << message;
    EXPECT_EQ(error, message);
  };
  bad([](Report& r) { r.key_id = ""; }, "key id is not a token of at most 32 bytes");
  bad([](Report& r) { r.key_id = std::string(33, 'k'); },
      "key id is not a token of at most 32 bytes");
  bad([](Report& r) { r.node = "mx 1"; }, "node id is not a token of at most 64 bytes");
  bad([](Report& r) { r.entries.clear(); }, "no entries");
  bad([](Report& r) { r.entries[0].prefix = 33; }, "prefix length out of range");
  bad([](Report& r) { r.entries[1].prefix = -1; }, "prefix length out of range");
  bad([](Report& r) { r.entries[0].prefix = 24; }, "host bits set below the prefix length");
  bad([](Report& r) { r.entries[0].reason = std::string(33, 'r'); },
      "reason is not a token of at most 32 bytes");
  bad([](Report& r) { r.entries.assign(256, entry("192.0.2.1", 32, "x")); },
      "more than 255 entries");
  bad([](Report& r) { r.entries.assign(60, entry("2001:db8::1", 128, "abcdefghij")); },
      "packet larger than 1232 bytes");
}

TEST(Wire, SplitsIntoPacketsThatFit) {
  std::vector<ReportEntry> entries;
  for (int i = 0; i < 1000; ++i) {
    core::IpAddress a = *core::parse_ip("2001:db8::");
    a.bytes[14] = uint8_t(i >> 8);
    a.bytes[15] = uint8_t(i);
    entries.push_back(ReportEntry{a, 128, "unknown_user_reject"});
  }
  int counter = 0;
  NonceSource nonces = [&]() -> std::optional<Nonce> {
    Nonce n{};
    n[0] = uint8_t(++counter);
    return n;
  };
  ReportKey key{"k", kSecret};
  std::string error;
  auto packets = encode_reports(key, "node-7", 1700000000, entries, nonces, &error);
  ASSERT_FALSE(packets.empty()) << error;
  // header 31+1+6, MAC 32, entries 19+19 = 38 bytes: (1232-70)/38 = 30 per packet
  EXPECT_EQ(packets.size(), 34u);
  size_t total = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_LE(packets[i].size(), kMaxPacket);
    auto d = decode_report(packets[i]);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->report.nonce[0], i + 1);
    EXPECT_EQ(d->report.node, "node-7");
    for (const auto& e : d->report.entries) EXPECT_EQ(e, entries[total++]);
  }
  EXPECT_EQ(total, entries.size());
  EXPECT_EQ(packets[0].size(), 70u + 30 * 38);

  // Small IPv4 entries (8 bytes): (1232 - 65) / 8 = 145 a packet. The 255-entry limit of the
  // count byte is never reached within 1232 bytes.
  std::vector<ReportEntry> v4(300, entry("192.0.2.1", 32, "b"));
  packets = encode_reports(key, "n", 1, v4, nonces);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(decode_report(packets[0])->report.entries.size(), 145u);
  EXPECT_EQ(decode_report(packets[1])->report.entries.size(), 145u);
  EXPECT_EQ(decode_report(packets[2])->report.entries.size(), 10u);
  EXPECT_EQ(packets[0].size(), 65u + 145 * 8);

  EXPECT_TRUE(encode_reports(key, "n", 1, {}, nonces, &error).empty());
  EXPECT_EQ(error, "no entries");
  EXPECT_TRUE(encode_reports(
                  key, "n", 1, v4, [] { return std::optional<Nonce>{}; }, &error)
                  .empty());
  EXPECT_EQ(error, "no random nonce available");
  v4[299].prefix = 8;
  EXPECT_TRUE(encode_reports(key, "n", 1, v4, nonces, &error).empty());
  EXPECT_EQ(error, "host bits set below the prefix length");
}

TEST(Wire, RandomNoncesDiffer) {
  auto a = random_nonce(), b = random_nonce();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  auto packets = encode_reports(ReportKey{"k", kSecret}, "n", 1,
                                {entry("192.0.2.1", 32, "x")});  // default nonce source
  ASSERT_EQ(packets.size(), 1u);
}

TEST(Wire, DecodeRejectsMalformed) {
  const std::string good = *encode_report(sample(), kSecret);
  EXPECT_TRUE(decode_report(good));
  // Every truncation is malformed.
  for (size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_report(good.substr(0, n))) << n;
  // Bytes added between the entries and the MAC.
  std::string extra = good;
  extra.insert(good.size() - kMacSize, "x");
  std::string error;
  EXPECT_FALSE(decode_report(extra, &error));
  EXPECT_EQ(error, "bytes after the last entry");
  auto with = [&](size_t pos, char c) {
    std::string p = good;
    p[pos] = c;
    std::string e;
    EXPECT_FALSE(decode_report(p, &e)) << pos;
    return e;
  };
  EXPECT_EQ(with(0, 'X'), "bad magic");
  EXPECT_EQ(with(3, 2), "unknown version");
  // Offsets: key id length 4, node length 7, timestamp 11, nonce 19, count 35, then the first
  // entry: family 36, prefix 37, address 38-41, reason length 42.
  EXPECT_EQ(with(4, 0), "bad key id");
  EXPECT_EQ(with(4, 3), "bad key id");    // takes in the node length byte: not a token
  EXPECT_EQ(with(4, 100), "bad key id");  // runs past the end
  EXPECT_EQ(with(5, ' '), "bad key id");
  EXPECT_EQ(with(7, 0), "bad node id");
  EXPECT_EQ(with(8, '/'), "bad node id");
  EXPECT_EQ(with(35, 0), "no entries");
  EXPECT_EQ(with(35, 3), "bad family");  // a third entry starts where the MAC is
  EXPECT_EQ(with(36, 5), "bad family");
  EXPECT_EQ(with(37, 33), "prefix length out of range");
  EXPECT_EQ(with(37, 24), "host bits set below the prefix length");
  EXPECT_EQ(with(42, 100), "truncated reason");
  EXPECT_EQ(with(42, 0), "reason is not a token of at most 32 bytes");
  EXPECT_FALSE(decode_report(std::string(kMaxPacket + 1, 'B')));
  EXPECT_FALSE(decode_report(""));
}

}  // namespace
}  // namespace backstop::report
