// Unit tests for the pools and session plans: what each class sends (envelope, marker fields,
// dot-stuffing), legitimate bounces with a BATV tag that verifies with the key and with our
// relay's hop verified, and what is left out of the pools and why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "batv/prvs.h"
#include "core/clock.h"
#include "core/text.h"
#include "drill/planner.h"
#include "drill/pools.h"

namespace backstop::drill {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace fs = std::filesystem;

constexpr int64_t kNow = 1795559388;  // 2026-11-24

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fixture(const std::string& rel) {
  return read(fs::path(BACKSTOP_FIXTURES) / rel);
}

batv::Prvs test_prvs() {
  batv::KeyRing ring;
  EXPECT_TRUE(ring.add(1, "drill-unit-secret"));
  return *batv::Prvs::make(ring, 7);
}

WorkloadConfig config(bool with_key, bool with_relay) {
  WorkloadConfig cfg;
  cfg.domain = "example.org";
  cfg.recipients = {{"alice", "example.org"}, {"bob", "example.org"}};
  if (with_key) cfg.prvs = test_prvs();
  if (with_relay) cfg.relay = Relay{"out.example.org", *core::parse_ip("198.51.100.77")};
  cfg.now = kNow;
  cfg.token = "t0k3n";
  return cfg;
}

class PoolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    classifier_ = classify::Classifier::create();
    ASSERT_TRUE(classifier_);
  }
  Workload build(bool with_key, bool with_relay) {
    PoolBuilder b(*classifier_, config(with_key, with_relay));
    b.add(fixture("bounce/postfix_dsn_user_unknown.eml"), "");
    b.add(fixture("bounce/exim_failed.eml"), "");
    b.add(fixture("autoreply/rfc3834_auto_replied.eml"), "");
    b.add(fixture("none/personal_ham.eml"), "");
    return std::move(b).finish();
  }
  std::unique_ptr<classify::Classifier> classifier_;
};

TEST_F(PoolsTest, SortsByClassifierWithoutLabels) {
  Workload w = build(true, true);
  EXPECT_EQ(w.counts.read, 4u);
  EXPECT_EQ(w.counts.backscatter, 3u);
  EXPECT_EQ(w.counts.bounces, 2u);
  EXPECT_EQ(w.counts.legit, 1u);
  EXPECT_EQ(w.counts.spam, 1u);
  EXPECT_GE(w.counts.relay_bounces, 1u);
  EXPECT_FALSE(w.check(default_mix()));
}

TEST_F(PoolsTest, LabelsDecideAndUnusedLabelsAreCounted) {
  PoolBuilder b(*classifier_, config(false, false));
  b.add(fixture("none/personal_ham.eml"), "spam");
  b.add(fixture("feedback-report/arf_abuse.eml"), "feedback-report");
  b.add("no header at all\n", "ham");
  b.add(std::string(kMaxPoolMessageBytes + 1, 'x'), "bounce");
  Workload w = std::move(b).finish();
  EXPECT_EQ(w.counts.spam, 1u);
  EXPECT_EQ(w.counts.legit, 0u);
  EXPECT_EQ(w.counts.other, 1u);
  EXPECT_EQ(w.counts.unreadable, 1u);
  EXPECT_EQ(w.counts.too_large, 1u);
  EXPECT_THAT(*w.check(default_mix()), HasSubstr("backscatter"));
}

TEST_F(PoolsTest, HamThatLooksLikeABounceAndBouncesNamingOurRelayAreLeftOut) {
  WorkloadConfig cfg = config(false, true);
  cfg.relay->ip = *core::parse_ip("62.141.37.200");  // the fixture's quoted entry hop
  PoolBuilder b(*classifier_, cfg);
  b.add(fixture("bounce/postfix_dsn_user_unknown.eml"), "bounce");
  b.add(fixture("bounce/postfix_dsn_user_unknown.eml"), "ham");
  Workload w = std::move(b).finish();
  EXPECT_EQ(w.counts.quotes_relay, 1u);
  EXPECT_EQ(w.counts.ham_not_clean, 1u);
  EXPECT_TRUE(w.backscatter.empty());
  EXPECT_TRUE(w.legit.empty());
}

TEST_F(PoolsTest, LegitBouncesNeedAKeyOrARelay) {
  Workload w = build(false, false);
  auto why = w.check(default_mix());
  ASSERT_TRUE(why);
  EXPECT_THAT(*why, HasSubstr("--batv-key-file"));
  EXPECT_THAT(*why, HasSubstr("--relay"));
  std::string error;
  EXPECT_FALSE(w.check(*parse_mix("backscatter=9,legit=1,probes=1,unknown=1", &error)));
}

TEST_F(PoolsTest, SyntheticRelayBouncesWhenTheCorpusHasNone) {
  PoolBuilder b(*classifier_, config(false, true));
  b.add(fixture("autoreply/rfc3834_auto_replied.eml"), "");
  Workload w = std::move(b).finish();
  EXPECT_EQ(w.counts.relay_bounces, 0u);
  EXPECT_EQ(w.counts.relay_synthetic, 3u);
  EXPECT_EQ(w.relay_bounces.size(), 3u);
}

// Plays n sessions and returns the plans of one class.
std::vector<SessionPlan> plans_of(const Workload& w, const Mix& mix, MsgClass cls, int n) {
  Planner p(w, mix, 7, 0);
  std::vector<SessionPlan> out;
  for (int i = 0; i < n; ++i) {
    SessionPlan s = p.next();
    if (s.cls == cls) out.push_back(std::move(s));
  }
  return out;
}

TEST_F(PoolsTest, LegitBouncesCarryAValidBatvTagOrOurRelayHop) {
  Workload w = build(true, true);
  auto plans = plans_of(w, default_mix(), MsgClass::kLegitBounce, 1000);
  ASSERT_EQ(plans.size(), 10u);
  batv::Prvs prvs = test_prvs();
  core::FixedClock clock(kNow);
  core::FixedClock week_later(kNow + 7 * 86400);
  std::set<std::string_view> variants;
  for (const auto& p : plans) {
    variants.insert(p.variant);
    EXPECT_TRUE(p.mail_from.empty());
    EXPECT_TRUE(p.data);
    auto c = classifier_->classify(p.payload);
    EXPECT_EQ(c.cls, classify::Class::kBounce);
    if (p.variant == "batv") {
      batv::Verification v = prvs.verify(p.rcpt, clock);
      EXPECT_EQ(v.status, batv::Status::kValid) << p.rcpt;
      EXPECT_EQ(prvs.verify(p.rcpt, week_later).status, batv::Status::kValid);
      EXPECT_TRUE(v.address == "alice@example.org" || v.address == "bob@example.org");
      // The bounce is addressed to the tag; the quoted original names the bare address.
      EXPECT_THAT(p.payload, HasSubstr("To: " + p.rcpt + "\r\n"));
      EXPECT_THAT(c.original.from, HasSubstr(v.address));
    } else {
      ASSERT_EQ(p.variant, "relay");
      EXPECT_FALSE(batv::has_prvs_prefix(p.rcpt));
      ASSERT_FALSE(c.original.received.empty());
      EXPECT_EQ(c.original.received[0].from_ip, "198.51.100.77");
    }
  }
  EXPECT_EQ(variants, (std::set<std::string_view>{"batv", "relay"}));
}

TEST_F(PoolsTest, AWrongKeyDoesNotMakeTheTag) {
  Workload w = build(true, false);
  auto plans = plans_of(w, default_mix(), MsgClass::kLegitBounce, 300);
  ASSERT_FALSE(plans.empty());
  batv::KeyRing other;
  other.add(1, "someone else's secret");
  auto prvs = batv::Prvs::make(other, 7);
  core::FixedClock clock(kNow);
  for (const auto& p : plans)
    EXPECT_EQ(prvs->verify(p.rcpt, clock).status, batv::Status::kBadSignature);
}

TEST_F(PoolsTest, BackscatterGoesToForgedAndRealLocalPartsFromTheNullSender) {
  Workload w = build(true, true);
  auto plans = plans_of(w, default_mix(), MsgClass::kBackscatter, 2000);
  ASSERT_EQ(plans.size(), 1800u);
  size_t real = 0;
  for (const auto& p : plans) {
    EXPECT_TRUE(p.mail_from.empty());
    EXPECT_TRUE(core::iends_with(p.rcpt, "@example.org"));
    bool is_real = p.rcpt == "alice@example.org" || p.rcpt == "bob@example.org";
    EXPECT_EQ(is_real, p.variant == "real") << p.rcpt;
    real += is_real;
    EXPECT_THAT(p.payload, StartsWith("X-Drill-Class: backscatter\r\nX-Drill-Id: t0k3n."));
    EXPECT_THAT(p.payload, HasSubstr("To: "));
    EXPECT_THAT(p.payload.substr(0, p.payload.find("\r\n\r\n")), HasSubstr(p.rcpt));
    EXPECT_TRUE(p.payload.ends_with("\r\n.\r\n"));
    EXPECT_THAT(p.payload, Not(HasSubstr("\r\n.\r\n.")));
  }
  // About a quarter to the real recipients (Planner::kRealShare).
  EXPECT_GT(real, 350u);
  EXPECT_LT(real, 550u);
}

TEST_F(PoolsTest, ProbesLegitAndUnknown) {
  Workload w = build(true, true);
  Planner planner(w, default_mix(), 11, 3);
  std::set<uint64_t> ids;
  std::set<std::string_view> probe_kinds;
  for (int i = 0; i < 500; ++i) {
    SessionPlan p = planner.next();
    EXPECT_TRUE(ids.insert(p.id).second);
    EXPECT_EQ(p.id >> 40, 3u);
    EXPECT_FALSE(p.helo.empty());
    if (p.cls == MsgClass::kProbe) {
      probe_kinds.insert(p.variant);
      EXPECT_FALSE(p.data);
      EXPECT_TRUE(p.mail_from.empty());
      EXPECT_TRUE(p.payload.empty());
      EXPECT_EQ(batv::strip_tag(p.rcpt) == "alice@example.org" ||
                    batv::strip_tag(p.rcpt) == "bob@example.org",
                true);
    } else if (p.cls == MsgClass::kLegit) {
      EXPECT_FALSE(p.mail_from.empty());
      EXPECT_FALSE(core::iends_with(p.mail_from, "@example.org"));
      EXPECT_TRUE(p.rcpt == "alice@example.org" || p.rcpt == "bob@example.org");
      EXPECT_THAT(p.payload, StartsWith("X-Drill-Class: legit\r\n"));
    } else if (p.cls == MsgClass::kUnknown) {
      EXPECT_FALSE(p.mail_from.empty());
      EXPECT_NE(p.rcpt, "alice@example.org");
      EXPECT_NE(p.rcpt, "bob@example.org");
    }
  }
  EXPECT_EQ(probe_kinds, (std::set<std::string_view>{"plain", "tagged"}));
}

TEST(DrillId, RoundTripAndForeignIds) {
  std::string h = drill_headers(MsgClass::kLegit, "abc", 0x3000000002a);
  EXPECT_EQ(h, "X-Drill-Class: legit\r\nX-Drill-Id: abc.3000000002a\r\n");
  EXPECT_EQ(parse_drill_id(" abc.3000000002a ", "abc"), 0x3000000002aull);
  EXPECT_FALSE(parse_drill_id("abd.2a", "abc"));
  EXPECT_FALSE(parse_drill_id("abc.", "abc"));
  EXPECT_FALSE(parse_drill_id("abc.xyz", "abc"));
  EXPECT_FALSE(parse_drill_id("abc.11112222333344445", "abc"));
}

TEST(Labels, ParsesRowsAndSkipsTheHeader) {
  auto rows = parse_labels("path\tclass\trecipients\na/b.eml\tbounce\tx@y\nc.eml\tham\n\nbad\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].path, "a/b.eml");
  EXPECT_EQ(rows[0].label, "bounce");
  EXPECT_EQ(rows[1].label, "ham");
  EXPECT_TRUE(is_backscatter_label("challenge-response"));
  EXPECT_FALSE(is_used_label("bounce-body-fragment"));
}

}  // namespace
}  // namespace backstop::drill
