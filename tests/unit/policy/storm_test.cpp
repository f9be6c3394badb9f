// Storm detector edges: thresholds, the sliding window, per-recipient storms, quiet period.
#include "policy/storm.h"

#include <gtest/gtest.h>

namespace backstop::policy {
namespace {

config::StormConfig cfg() {
  config::StormConfig c;
  c.window = std::chrono::seconds(60);
  c.domain_backscatter = 5;
  c.domain_unknown_users = 4;
  c.recipient_backscatter = 3;
  c.quiet_period = std::chrono::seconds(100);
  return c;
}

TEST(Storm, StartsAtTheDomainThreshold) {
  StormDetector d(cfg());
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(d.record(StormKind::kBackscatter, "example.org", "", 1000 + i));
  auto c = d.record(StormKind::kBackscatter, "example.org", "", 1004);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->started);
  EXPECT_EQ(c->scope, "example.org");
  EXPECT_TRUE(d.in_storm("example.org", "a@example.org", 1005));
  EXPECT_FALSE(d.in_storm("example.net", "a@example.net", 1005));
}

TEST(Storm, OldEventsLeaveTheWindow) {
  StormDetector d(cfg());
  for (int i = 0; i < 4; ++i) d.record(StormKind::kBackscatter, "example.org", "", 1000);
  // Two minutes later the old four no longer count.
  EXPECT_FALSE(d.record(StormKind::kBackscatter, "example.org", "", 1120));
  EXPECT_FALSE(d.in_storm("example.org", "", 1120));
}

TEST(Storm, UnknownUsersAndRecipientsCountToo) {
  StormDetector d(cfg());
  for (int i = 0; i < 3; ++i) d.record(StormKind::kUnknownUser, "example.org", "", 1000);
  EXPECT_TRUE(d.record(StormKind::kUnknownUser, "example.org", "", 1001));
  StormDetector r(cfg());
  r.record(StormKind::kBackscatter, "example.org", "a@example.org", 1000);
  r.record(StormKind::kBackscatter, "example.org", "a@example.org", 1000);
  auto c = r.record(StormKind::kBackscatter, "example.org", "a@example.org", 1000);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->is_domain);
  EXPECT_TRUE(r.in_storm("example.org", "a@example.org", 1001));
  EXPECT_FALSE(r.in_storm("example.org", "b@example.org", 1001));
}

TEST(Storm, EndsAfterTheQuietPeriod) {
  StormDetector d(cfg());
  for (int i = 0; i < 5; ++i) d.record(StormKind::kBackscatter, "example.org", "", 1000);
  EXPECT_TRUE(d.expire(1050).empty());
  EXPECT_TRUE(d.in_storm("example.org", "", 1050));
  auto ended = d.expire(1100);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_FALSE(ended[0].started);
  EXPECT_FALSE(d.in_storm("example.org", "", 1101));
  EXPECT_EQ(d.status(1101).size(), 0u);
}

TEST(Storm, DisabledNeverStarts) {
  auto c = cfg();
  c.enabled = false;
  StormDetector d(c);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(d.record(StormKind::kBackscatter, "e.org", "", 1000));
  EXPECT_FALSE(d.in_storm("e.org", "", 1000));
}

}  // namespace
}  // namespace backstop::policy
