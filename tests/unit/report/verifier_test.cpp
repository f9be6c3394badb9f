// Unit tests for the report verifier: acceptance, every drop cause and its counter, tampering
// with every byte, key rotation, the edges of the time window, and the replay cache's bound.
#include "report/verifier.h"

#include <gtest/gtest.h>

#include <limits>

namespace backstop::report {
namespace {

constexpr int64_t kNow = 1700000000;
const std::string kOld = "old secret 0123456789";
const std::string kNew = "new secret 9876543210";

ReportKeys keys(std::initializer_list<std::pair<const char*, std::string>> list) {
  ReportKeys k;
  for (const auto& [id, secret] : list) EXPECT_TRUE(k.add(id, secret));
  return k;
}

Report report(int64_t ts, uint8_t nonce_byte, const char* key_id = "new") {
  Report r;
  r.key_id = key_id;
  r.node = "mx2";
  r.timestamp = ts;
  r.nonce.fill(nonce_byte);
  r.entries = {ReportEntry{*core::parse_ip("198.51.100.7"), 32, "backscatter"},
               ReportEntry{*core::parse_ip("2001:db8:1::"), 48, "storm"}};
  return r;
}

std::string packet(const Report& r, const std::string& secret) {
  return *encode_report(r, secret);
}

TEST(Verifier, AcceptsAndCounts) {
  Verifier v(keys({{"new", kNew}}));
  Report out;
  const Report r = report(kNow, 1);
  EXPECT_EQ(v.verify(packet(r, kNew), kNow, &out), Verdict::kAccepted);
  EXPECT_EQ(out, r);
  EXPECT_EQ(v.stats().accepted, 1u);
  EXPECT_EQ(v.stats().dropped(), 0u);
  EXPECT_EQ(v.replay_cache().size(), 1u);
}

TEST(Verifier, EveryDropCause) {
  Verifier v(keys({{"new", kNew}}));
  EXPECT_EQ(v.verify("", kNow), Verdict::kMalformed);
  EXPECT_EQ(v.verify("garbage that is long enough to be looked at, but is not a report.", kNow),
            Verdict::kMalformed);
  EXPECT_EQ(v.verify(packet(report(kNow, 1, "gone"), kNew), kNow), Verdict::kUnknownKey);
  EXPECT_EQ(v.verify(packet(report(kNow, 2), kOld), kNow), Verdict::kBadMac);
  EXPECT_EQ(v.verify(packet(report(kNow - 301, 3), kNew), kNow), Verdict::kStale);
  EXPECT_EQ(v.verify(packet(report(kNow + 301, 4), kNew), kNow), Verdict::kStale);
  const std::string p = packet(report(kNow, 5), kNew);
  EXPECT_EQ(v.verify(p, kNow), Verdict::kAccepted);
  EXPECT_EQ(v.verify(p, kNow + 10), Verdict::kReplay);
  // Another packet with the same nonce (same sender, different content) is a replay too.
  Report other = report(kNow + 1, 5);
  other.entries.pop_back();
  EXPECT_EQ(v.verify(packet(other, kNew), kNow + 10), Verdict::kReplay);
  const VerifierStats& s = v.stats();
  EXPECT_EQ(s.malformed, 2u);
  EXPECT_EQ(s.unknown_key, 1u);
  EXPECT_EQ(s.bad_mac, 1u);
  EXPECT_EQ(s.stale, 2u);
  EXPECT_EQ(s.replay, 2u);
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_EQ(s.dropped(), 8u);
  EXPECT_STREQ(to_string(Verdict::kUnknownKey), "unknown_key");
  EXPECT_STREQ(to_string(Verdict::kBadMac), "bad_mac");
}

TEST(Verifier, TamperingWithAnyByteIsRejected) {
  const std::string good = packet(report(kNow, 7), kNew);
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      Verifier v(keys({{"new", kNew}, {"nex", kOld}}));
      std::string p = good;
      p[i] = static_cast<char>(p[i] ^ flip);
      const Verdict verdict = v.verify(p, kNow);
      EXPECT_TRUE(verdict == Verdict::kBadMac || verdict == Verdict::kMalformed ||
                  verdict == Verdict::kUnknownKey)
          << "byte " << i << " flip " << int(flip) << ": " << to_string(verdict);
      // The key id is the only place where a flip can name another key.
      if (verdict == Verdict::kUnknownKey) {
        EXPECT_TRUE(i >= 5 && i < 8) << i;
      }
    }
  }
  // Dropping or adding bytes anywhere is never accepted either.
  Verifier v(keys({{"new", kNew}}));
  for (size_t i = 0; i < good.size(); ++i) {
    std::string shorter = good;
    shorter.erase(i, 1);
    EXPECT_NE(v.verify(shorter, kNow), Verdict::kAccepted) << i;
    std::string longer = good;
    longer.insert(i, 1, '\0');
    EXPECT_NE(v.verify(longer, kNow), Verdict::kAccepted) << i;
  }
  EXPECT_EQ(v.stats().accepted, 0u);
}

TEST(Verifier, KeyRotation) {
  // During a rotation receivers hold both keys; senders sign with the first key listed.
  auto both = keys({{"new", kNew}, {"old", kOld}});
  ReportKey signing = *both.signing();
  EXPECT_EQ(signing.id, "new");
  Verifier v(both);
  EXPECT_EQ(v.verify(packet(report(kNow, 1, "old"), kOld), kNow), Verdict::kAccepted);
  EXPECT_EQ(v.verify(packet(report(kNow, 2, "new"), kNew), kNow), Verdict::kAccepted);
  // A report signed with one key but naming the other fails the MAC.
  EXPECT_EQ(v.verify(packet(report(kNow, 3, "old"), kNew), kNow), Verdict::kBadMac);
  // After the old key is retired, it is unknown; the replay cache survives the reload.
  const std::string seen = packet(report(kNow, 2, "new"), kNew);
  v.set_keys(keys({{"new", kNew}}));
  EXPECT_EQ(v.verify(packet(report(kNow, 4, "old"), kOld), kNow), Verdict::kUnknownKey);
  EXPECT_EQ(v.verify(seen, kNow), Verdict::kReplay);
}

TEST(Verifier, WindowEdges) {
  VerifierOptions o;
  o.window_seconds = 60;
  Verifier v(keys({{"new", kNew}}), o);
  EXPECT_EQ(v.verify(packet(report(kNow - 60, 1), kNew), kNow), Verdict::kAccepted);
  EXPECT_EQ(v.verify(packet(report(kNow + 60, 2), kNew), kNow), Verdict::kAccepted);
  EXPECT_EQ(v.verify(packet(report(kNow - 61, 3), kNew), kNow), Verdict::kStale);
  EXPECT_EQ(v.verify(packet(report(kNow + 61, 4), kNew), kNow), Verdict::kStale);
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(v.verify(packet(report(kMin, 5), kNew), kMax), Verdict::kStale);
  EXPECT_EQ(v.verify(packet(report(kMax, 6), kNew), kMin), Verdict::kStale);
  EXPECT_EQ(v.verify(packet(report(kMin, 7), kNew), kMin), Verdict::kAccepted);
  EXPECT_EQ(v.verify(packet(report(kMax, 8), kNew), kMax), Verdict::kAccepted);
  // A replayed packet stays refused for as long as it is inside the window, and is stale after.
  const std::string p = packet(report(kNow, 9), kNew);
  EXPECT_EQ(v.verify(p, kNow), Verdict::kAccepted);
  EXPECT_EQ(v.verify(p, kNow + 60), Verdict::kReplay);
  EXPECT_EQ(v.verify(p, kNow + 61), Verdict::kStale);
  Verifier zero(keys({{"new", kNew}}), VerifierOptions{0, 10});
  EXPECT_EQ(zero.verify(packet(report(kNow, 1), kNew), kNow), Verdict::kAccepted);
  EXPECT_EQ(zero.verify(packet(report(kNow, 2), kNew), kNow + 1), Verdict::kStale);
}

TEST(Verifier, ReplayCacheForgetsByTime) {
  Verifier v(keys({{"new", kNew}}));
  for (uint8_t i = 0; i < 100; ++i)
    ASSERT_EQ(v.verify(packet(report(kNow + i, i), kNew), kNow + i), Verdict::kAccepted);
  EXPECT_EQ(v.replay_cache().size(), 100u);
  // At kNow + 309 the timestamps kNow .. kNow + 8 are outside the window and forgotten.
  EXPECT_EQ(v.verify(packet(report(kNow + 309, 200), kNew), kNow + 309), Verdict::kAccepted);
  EXPECT_EQ(v.replay_cache().size(), 92u);
}

TEST(Verifier, ReplayCacheBound) {
  VerifierOptions o;
  o.max_nonces = 8;
  Verifier v(keys({{"new", kNew}}), o);
  std::vector<std::string> sent;
  for (uint8_t i = 0; i < 20; ++i) {
    sent.push_back(packet(report(kNow + i, i), kNew));
    ASSERT_EQ(v.verify(sent.back(), kNow + 20), Verdict::kAccepted) << int(i);
    EXPECT_LE(v.replay_cache().size(), 8u);
  }
  EXPECT_EQ(v.replay_cache().size(), 8u);
  // Every packet is still refused: the remembered ones by nonce, the forgotten ones because
  // they are not newer than the floor the cache raised when it forgot them.
  EXPECT_EQ(v.replay_cache().floor(), kNow + 11);
  for (const std::string& p : sent) EXPECT_EQ(v.verify(p, kNow + 20), Verdict::kReplay);
  // A fresh report newer than the floor is accepted; one as old as the floor is refused.
  EXPECT_EQ(v.verify(packet(report(kNow + 12, 100), kNew), kNow + 20), Verdict::kAccepted);
  EXPECT_EQ(v.verify(packet(report(kNow + 11, 101), kNew), kNow + 20), Verdict::kReplay);
}

}  // namespace
}  // namespace backstop::report
