// Unit tests for BATV prvs tags: Exim's known vectors, the mod-1000 day window and its wrap,
// both tag layouts, case rules, hostile and truncated input, and key rotation.
#include "batv/prvs.h"

#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"
#include "core/text.h"

namespace backstop::batv {
namespace {

// Exim 4.96 made prvs=37887a9d1f=user@example.org at this time with secret "secret", key 3.
constexpr int64_t kEximTime = 1795559388;
constexpr int64_t kEximDay = kEximTime / 86400;  // 20781, 2026-11-24
constexpr int64_t kSecondsPerDay = 86400;

KeyRing ring_of(std::initializer_list<std::pair<int, std::string>> keys) {
  KeyRing ring;
  for (const auto& [n, s] : keys) EXPECT_TRUE(ring.add(n, s));
  return ring;
}

Prvs make(KeyRing ring, int lifetime = kDefaultLifetimeDays) {
  auto p = Prvs::make(std::move(ring), lifetime);
  EXPECT_TRUE(p.has_value());
  return *p;
}

Prvs exim_like() {
  return make(ring_of({{3, "secret"}}));
}

core::FixedClock at_day(int64_t day, int64_t second_of_day = 43200) {
  return core::FixedClock(day * kSecondsPerDay + second_of_day);
}

TEST(Prvs, KnownVectorFromExim) {
  EXPECT_EQ((kEximTime / 86400 + 7) % 1000, 788);
  EXPECT_EQ(signature("secret", 3, 788, "user@example.org"), "7a9d1f");
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  EXPECT_EQ(prvs.sign("user@example.org", clock), "prvs=37887a9d1f=user@example.org");
  const Verification v = prvs.verify("prvs=37887a9d1f=user@example.org", clock);
  EXPECT_EQ(v.status, Status::kValid);
  EXPECT_EQ(v.address, "user@example.org");
  EXPECT_EQ(v.key, 3);
  EXPECT_TRUE(v.key_known);
  EXPECT_EQ(v.expiry_day, kEximDay + 7);
}

TEST(Prvs, MoreEximVectors) {
  const core::FixedClock clock(kEximTime);
  // Key 0, a secret with a space, and a mixed-case address, all made by Exim the same day.
  EXPECT_EQ(make(ring_of({{0, "secret"}})).sign("user@example.org", clock),
            "prvs=0788fd13b6=user@example.org");
  EXPECT_EQ(make(ring_of({{3, "sec ret"}})).sign("user@example.org", clock),
            "prvs=3788951e40=user@example.org");
  EXPECT_EQ(
      make(ring_of({{3, "sec ret"}})).verify("prvs=3788951e40=user@example.org", clock).status,
      Status::kValid);
  // Exim signs the domain as written; we accept that, and we sign the lower-cased domain,
  // which is what Exim makes from the lower-cased address.
  const Verification v = exim_like().verify("prvs=37882bcdfa=User.Name@Example.ORG", clock);
  EXPECT_EQ(v.status, Status::kValid);
  EXPECT_EQ(v.address, "User.Name@Example.ORG");
  EXPECT_EQ(exim_like().sign("User.Name@Example.ORG", clock),
            "prvs=3788a34433=User.Name@example.org");
}

TEST(Prvs, ExpiryBoundaryIsTheEndOfTheExpiryDay) {
  const Prvs prvs = exim_like();
  const std::string tag = *prvs.sign("user@example.org", at_day(kEximDay, 0));
  const int64_t last = kEximDay + 7;
  EXPECT_EQ(prvs.verify(tag, at_day(kEximDay, 0)).status, Status::kValid);
  EXPECT_EQ(prvs.verify(tag, at_day(last, 86399)).status, Status::kValid);
  const Verification v = prvs.verify(tag, at_day(last + 1, 0));
  EXPECT_EQ(v.status, Status::kExpired);
  EXPECT_EQ(v.expiry_day, last);
  EXPECT_EQ(v.address, "user@example.org");
}

TEST(Prvs, LifetimeOneDay) {
  const Prvs prvs = make(ring_of({{1, "k"}}), 1);
  const std::string tag = *prvs.sign("a@b.example", at_day(kEximDay));
  EXPECT_EQ(tag.substr(5, 4), "1782");  // key 1, day 20782 mod 1000
  EXPECT_EQ(prvs.verify(tag, at_day(kEximDay)).status, Status::kValid);
  EXPECT_EQ(prvs.verify(tag, at_day(kEximDay + 1, 86399)).status, Status::kValid);
  EXPECT_EQ(prvs.verify(tag, at_day(kEximDay + 2, 0)).status, Status::kExpired);
}

TEST(Prvs, WrapFrom999To000) {
  const int64_t d998 = 20998;  // a day whose number is 998 mod 1000
  const Prvs prvs = make(ring_of({{1, "k"}}), 1);
  const std::string tag = *prvs.sign("a@b.example", at_day(d998));
  EXPECT_EQ(tag.substr(5, 4), "1999");
  EXPECT_EQ(prvs.verify(tag, at_day(d998)).status, Status::kValid);
  EXPECT_EQ(prvs.verify(tag, at_day(d998 + 1)).status, Status::kValid);
  const Verification v = prvs.verify(tag, at_day(d998 + 2));  // day 000
  EXPECT_EQ(v.status, Status::kExpired);
  EXPECT_EQ(v.expiry_day, d998 + 1);

  // Made on day 995 with 7 days: DDD 002 is valid across the wrap, through day 002.
  const Prvs week = exim_like();
  const std::string t2 = *week.sign("a@b.example", at_day(d998 - 3));
  EXPECT_EQ(t2.substr(5, 4), "3002");
  for (int64_t d = d998 - 3; d <= d998 + 4; ++d)
    EXPECT_EQ(week.verify(t2, at_day(d)).status, Status::kValid) << d;
  EXPECT_EQ(week.verify(t2, at_day(d998 + 5)).status, Status::kExpired);
}

TEST(Prvs, StaleTagStaysExpiredAfterTheWrap) {
  // Exim's check (iexpire >= inow, special-cased only for iexpire < 7) would accept a tag that
  // expired on day 998 again on days 000-997 of the next cycle. Ours does not.
  const Prvs prvs = exim_like();
  const std::string tag = *prvs.sign("a@b.example", at_day(20991));  // DDD 998
  EXPECT_EQ(tag.substr(5, 4), "3998");
  for (int64_t d = 20999; d < 20999 + 900; ++d)
    ASSERT_EQ(prvs.verify(tag, at_day(d)).status, Status::kExpired) << d;
}

TEST(Prvs, WindowPropertyOverAWholeCycle) {
  for (int lifetime : {1, 7, 30, 500, kMaxLifetimeDays}) {
    const Prvs prvs = make(ring_of({{4, "k"}}), lifetime);
    for (int64_t made : {int64_t{20000}, int64_t{20500}, int64_t{20993}}) {
      const std::string tag = *prvs.sign("x@y.example", at_day(made));
      for (int64_t d = made; d < made + 1000; ++d) {
        const Verification v = prvs.verify(tag, at_day(d));
        const bool in_window = d <= made + lifetime;
        ASSERT_EQ(v.status, in_window ? Status::kValid : Status::kExpired)
            << "lifetime " << lifetime << " made " << made << " day " << d;
        ASSERT_EQ(v.expiry_day, made + lifetime);
      }
      // A day stamp repeats every 1000 days: the same tag is back in its window then.
      EXPECT_EQ(prvs.verify(tag, at_day(made + 1000)).status, Status::kValid);
    }
  }
}

TEST(Prvs, ExpiryDayRule) {
  EXPECT_EQ(expiry_day(788, 20781, 7), 20788);
  EXPECT_EQ(expiry_day(781, 20781, 7), 20781);  // expires today: still valid today
  EXPECT_EQ(expiry_day(789, 20781, 7), 19789);  // one day too far ahead: read as past
  EXPECT_EQ(expiry_day(780, 20781, 7), 20780);  // expired yesterday
  EXPECT_EQ(expiry_day(2, 20998, 7), 21002);    // across the wrap
  EXPECT_EQ(expiry_day(999, 21003, 7), 20999);  // expired before the wrap
  EXPECT_EQ(expiry_day(0, 0, 7), 0);
}

TEST(Prvs, OldFormAndBothLayouts) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  const Verification v = prvs.verify("prvs=user=37887a9d1f@example.org", clock);
  EXPECT_EQ(v.status, Status::kValid);
  EXPECT_EQ(v.address, "user@example.org");
  auto tag = parse_tag("prvs=user=37887a9d1f@example.org");
  ASSERT_TRUE(tag);
  EXPECT_TRUE(tag->old_form);
  EXPECT_EQ(tag->local, "user");

  // A local part that itself looks like a tag: both readings are tried.
  const std::string local = "3788000000";
  const std::string sig = signature("secret", 3, 788, local + "@example.org");
  const std::string old = "prvs=" + local + "=3788" + sig + "@example.org";
  const Verification w = prvs.verify(old, clock);
  EXPECT_EQ(w.status, Status::kValid);
  EXPECT_EQ(w.address, local + "@example.org");
}

TEST(Prvs, CaseInsensitivePrefixAndHex) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  for (const char* a : {"PRVS=37887a9d1f=user@example.org", "Prvs=37887A9D1F=user@example.org",
                        "prvs=37887A9d1F=user@example.org", "pRvS=user=37887A9D1F@example.org"})
    EXPECT_EQ(prvs.verify(a, clock).status, Status::kValid) << a;
}

TEST(Prvs, CaseOfTheAddress) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  // A relay that folds the domain's case does not break the tag...
  EXPECT_EQ(prvs.verify("prvs=37887a9d1f=user@EXAMPLE.org", clock).status, Status::kValid);
  EXPECT_EQ(prvs.verify("prvs=3788a34433=User.Name@EXAMPLE.ORG", clock).status, Status::kValid);
  // ...but the local part is signed as written.
  EXPECT_EQ(prvs.verify("prvs=37887a9d1f=User@example.org", clock).status, Status::kBadSignature);
}

TEST(Prvs, UnknownKeyIsABadSignature) {
  const core::FixedClock clock(kEximTime);
  const Verification v = exim_like().verify("prvs=57887a9d1f=user@example.org", clock);
  EXPECT_EQ(v.status, Status::kBadSignature);
  EXPECT_EQ(v.key, 5);
  EXPECT_FALSE(v.key_known);
  EXPECT_EQ(v.address, "user@example.org");
  EXPECT_EQ(v.expiry_day, -1);
}

TEST(Prvs, FlippedOrBadHex) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  const std::string good = "prvs=37887a9d1f=user@example.org";
  for (size_t i = 5; i < 15; ++i) {
    std::string bad = good;
    bad[i] = bad[i] == '0' ? '1' : '0';
    const Verification v = prvs.verify(bad, clock);
    EXPECT_EQ(v.status, Status::kBadSignature) << bad;
    EXPECT_EQ(v.key_known, i != 5) << bad;
  }
  EXPECT_EQ(prvs.verify("prvs=3788za9d1f=user@example.org", clock).status, Status::kMalformed);
  EXPECT_EQ(prvs.verify("prvs=3788-a9d1f=user@example.org", clock).status, Status::kMalformed);
  EXPECT_EQ(prvs.verify("prvs=a7887a9d1f=user@example.org", clock).status, Status::kMalformed);
}

TEST(Prvs, TruncatedAndMalformed) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  for (const char* a :
       {"prvs=", "prvs=37887a9d1f", "prvs=37887a9d1f=", "prvs=37887a9d1f=user",
        "prvs=37887a9d1f=user@", "prvs=37887a9d1f=@example.org", "prvs=37887a9d1=user@example.org",
        "prvs=37887a9d1ff=user@example.org", "prvs=37887a9d1fuser@example.org",
        "prvs=user=37887a9d1@example.org", "prvs==37887a9d1f@example.org", "prvs=@", "prvs=="})
    EXPECT_EQ(prvs.verify(a, clock).status, Status::kMalformed) << a;
  // Every prefix of a good tag is handled and none is valid.
  const std::string good = "prvs=37887a9d1f=user@example.org";
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_NE(prvs.verify(good.substr(0, n), clock).status, Status::kValid) << n;
  const Verification v = prvs.verify("prvs=3788", clock);
  EXPECT_EQ(v.address, "prvs=3788");
  EXPECT_EQ(v.key, -1);
}

TEST(Prvs, Untagged) {
  const core::FixedClock clock(kEximTime);
  for (const char* a : {"user@example.org", "", "prvs@example.org", "prv=37887a9d1f=u@x.org",
                        " prvs=37887a9d1f=user@example.org"}) {
    const Verification v = exim_like().verify(a, clock);
    EXPECT_EQ(v.status, Status::kUntagged) << a;
    EXPECT_EQ(v.address, a);
    EXPECT_EQ(v.key, -1);
  }
}

TEST(Prvs, OverlongInput) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  const std::string domain = "@example.org";
  // The longest bare address whose tagged form still fits.
  std::string local(kMaxAddressLength - 16 - domain.size(), 'a');
  const auto tagged = prvs.sign(local + domain, clock);
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->size(), kMaxAddressLength);
  EXPECT_EQ(prvs.verify(*tagged, clock).status, Status::kValid);
  EXPECT_FALSE(prvs.sign("a" + local + domain, clock));
  const std::string huge = "prvs=37887a9d1f=" + std::string(100000, 'u') + domain;
  EXPECT_EQ(prvs.verify(huge, clock).status, Status::kMalformed);
  EXPECT_EQ(strip_tag(huge), huge);
}

TEST(Prvs, RotationOldKeyVerifiesNewKeySigns) {
  const core::FixedClock clock(kEximTime);
  const Prvs old_ring = make(ring_of({{2, "old secret"}}));
  const std::string old_tag = *old_ring.sign("user@example.org", clock);
  EXPECT_EQ(old_tag.substr(5, 1), "2");

  const Prvs both = make(ring_of({{2, "old secret"}, {3, "new secret"}}));
  const std::string new_tag = *both.sign("user@example.org", clock);
  EXPECT_EQ(new_tag.substr(5, 1), "3");
  EXPECT_EQ(both.verify(old_tag, clock).status, Status::kValid);
  EXPECT_EQ(both.verify(new_tag, clock).status, Status::kValid);
  EXPECT_EQ(both.verify(old_tag, clock).key, 2);

  const Prvs retired = make(ring_of({{3, "new secret"}}));
  EXPECT_EQ(retired.verify(old_tag, clock).status, Status::kBadSignature);
  EXPECT_EQ(retired.verify(new_tag, clock).status, Status::kValid);

  KeyRing pinned = ring_of({{2, "old secret"}, {3, "new secret"}});
  ASSERT_TRUE(pinned.set_signing(2));
  EXPECT_EQ(make(std::move(pinned)).sign("user@example.org", clock), old_tag);
}

TEST(Prvs, SameKeyNumberDifferentSecret) {
  const core::FixedClock clock(kEximTime);
  const std::string tag = *exim_like().sign("user@example.org", clock);
  const Verification v = make(ring_of({{3, "other"}})).verify(tag, clock);
  EXPECT_EQ(v.status, Status::kBadSignature);
  EXPECT_TRUE(v.key_known);
}

TEST(Prvs, SignRejectsWhatIsNotAnAddress) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  for (const char* a :
       {"", "user", "@example.org", "user@", "us\ner@example.org", "user@exa\rmple.org", "<>"})
    EXPECT_FALSE(prvs.sign(a, clock)) << a;
  EXPECT_FALSE(Prvs::make(KeyRing{}, 7)->sign("user@example.org", clock));
}

TEST(Prvs, SignReplacesAnExistingTag) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = make(ring_of({{1, "one"}}));
  const std::string tagged = *prvs.sign("user@example.org", clock);
  EXPECT_EQ(prvs.sign("prvs=37887a9d1f=user@example.org", clock), tagged);
  EXPECT_EQ(prvs.sign("prvs=user=37887a9d1f@example.org", clock), tagged);
}

TEST(Prvs, LocalPartsThatNeedCare) {
  const core::FixedClock clock(kEximTime);
  const Prvs prvs = exim_like();
  for (const char* a : {"first.last+tag@mail.sub.example.org", "a=b@example.org",
                        "\"odd@local\"@example.org", "x@y"}) {
    const auto tagged = prvs.sign(a, clock);
    ASSERT_TRUE(tagged) << a;
    const Verification v = prvs.verify(*tagged, clock);
    EXPECT_EQ(v.status, Status::kValid) << *tagged;
    EXPECT_EQ(v.address, a);
    EXPECT_EQ(strip_tag(*tagged), a);
  }
}

TEST(Prvs, StripTag) {
  EXPECT_EQ(strip_tag("prvs=37887a9d1f=user@example.org"), "user@example.org");
  EXPECT_EQ(strip_tag("PRVS=37887A9D1F=user@example.org"), "user@example.org");
  EXPECT_EQ(strip_tag("prvs=user=37887a9d1f@example.org"), "user@example.org");
  EXPECT_EQ(strip_tag("prvs=99999999ff=User@Example.ORG"), "User@Example.ORG");
  EXPECT_EQ(strip_tag("user@example.org"), "user@example.org");
  EXPECT_EQ(strip_tag("prvs=bogus@example.org"), "prvs=bogus@example.org");
  EXPECT_EQ(strip_tag(""), "");
}

TEST(Prvs, LifetimeLimits) {
  for (int bad : {-1, 0, kMaxLifetimeDays + 1, 1000, 100000}) {
    std::string error;
    EXPECT_FALSE(Prvs::make(KeyRing{}, bad, &error)) << bad;
    EXPECT_NE(error.find("between 1 and 998"), std::string::npos) << error;
    EXPECT_TRUE(check_lifetime_days(bad));
  }
  for (int good : {1, 7, 365, kMaxLifetimeDays}) {
    EXPECT_TRUE(Prvs::make(KeyRing{}, good)) << good;
    EXPECT_FALSE(check_lifetime_days(good));
  }
}

TEST(Prvs, StatusNames) {
  EXPECT_EQ(to_string(Status::kValid), "valid");
  EXPECT_EQ(to_string(Status::kExpired), "expired");
  EXPECT_EQ(to_string(Status::kBadSignature), "bad-signature");
  EXPECT_EQ(to_string(Status::kUntagged), "untagged");
  EXPECT_EQ(to_string(Status::kMalformed), "malformed");
}

}  // namespace
}  // namespace backstop::batv
