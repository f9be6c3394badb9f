// The engine with shared reputation: store lists answered with their reason's reply,
// greylisting (triplets, timing, null sender at DATA, pass counts), automatic listing.
#include <gtest/gtest.h>

#include <map>

#include "policy/engine.h"
#include "policy/greylist.h"

namespace backstop::policy {
namespace {

constexpr int64_t kNow = 1795559388;

class NullEvents : public EventSink {
 public:
  void emit(const Event& e) override { all.push_back(e); }
  std::vector<Event> all;
};

// A Reputation held in maps, as the store-backed one behaves on one node.
class FakeReputation : public Reputation {
 public:
  std::optional<Listing> blocked(const core::IpAddress& ip, int64_t now) const override {
    auto it = block.find(ip.str());
    if (it == block.end() || (it->second.expires && it->second.expires <= now)) return std::nullopt;
    return it->second;
  }
  bool allowed(const core::IpAddress& ip, int64_t) const override { return allow.contains(ip.str()); }
  bool allowed_host(std::string_view host, int64_t) const override {
    return allow_hosts.contains(std::string(host));
  }
  bool has_host_entries() const override { return !allow_hosts.empty(); }
  std::optional<GreyRecord> grey(const std::string& key, int64_t now) const override {
    auto it = greys.find(key);
    if (it == greys.end() || it->second.second <= now) return std::nullopt;
    return it->second.first;
  }
  void set_grey(const std::string& key, const GreyRecord& r, int64_t expires) override {
    greys[key] = {r, expires};
  }
  int64_t grey_passes(const std::string& network, int64_t) const override {
    auto it = passes.find(network);
    return it == passes.end() ? 0 : it->second;
  }
  void add_grey_pass(const std::string& network, int64_t) override { ++passes[network]; }
  void list(const core::IpAddress& ip, const std::string& reason, int64_t expires) override {
    block[ip.str()] = {ip.str(), reason, expires};
  }
  bool available() const override { return up; }
  bool up = true;
  std::map<std::string, Listing> block;
  std::set<std::string> allow;
  std::set<std::string> allow_hosts;
  std::map<std::string, std::pair<GreyRecord, int64_t>> greys;
  std::map<std::string, int64_t> passes;
};

class ReputationTest : public ::testing::Test {
 protected:
  ReputationTest() {
    cfg_ = std::make_shared<config::Config>();
    cfg_->smtp.hostname = "mx.example.org";
    cfg_->domains.local = {"example.org"};
    cfg_->domains.recipients = {"alice@example.org", "bob@example.org"};
    cfg_->checks.our_hosts = {"mx.example.org"};
    cfg_->reasons = {{"virus", std::chrono::hours(24), false, "Virus sender", 3},
                     {"helo-is-us", std::chrono::hours(72), true, "HELO with our name", 4},
                     {"unknown-users", std::chrono::hours(6), false, "Too many unknown users", 7}};
    cfg_->greylist.enabled = true;
    cfg_->greylist.pass_count = 2;
    build();
  }
  void build() {
    engine_ = std::make_unique<Engine>(cfg_, classifier(), sent_, storms_, clock_, events_);
    engine_->set_reputation(&rep_);
  }
  static const classify::Classifier& classifier() {
    static const auto c = classify::Classifier::create();
    return *c;
  }
  SessionState session(const char* ip = "198.18.0.1") {
    SessionState s;
    s.client.ip = *core::parse_ip(ip);
    s.client.ip_text = ip;
    return s;
  }
  core::Verdict rcpt_after_mail(const char* ip, const char* sender, const char* rcpt) {
    auto s = session(ip);
    engine_->connect(s, {1, 1});
    engine_->mail(s, sender[0] ? core::parse_address(sender) : std::nullopt);
    return engine_->rcpt(s, *core::parse_address(rcpt)).verdict;
  }

  std::shared_ptr<config::Config> cfg_;
  MemorySentIndex sent_;
  StormDetector storms_{config::StormConfig{}};
  core::FixedClock clock_{kNow};
  NullEvents events_;
  FakeReputation rep_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ReputationTest, ListedClientGetsItsReasonsAnswer) {
  rep_.block["198.18.0.66"] = {"198.18.0.66", "virus", kNow + 3600};
  rep_.block["198.18.0.67"] = {"198.18.0.67", "helo-is-us", 0};
  auto s = session("198.18.0.66");
  auto v = engine_->connect(s, {1, 1});
  EXPECT_EQ(v.reason, core::Reason::kListed);
  EXPECT_EQ(v.reply.code, 451);
  EXPECT_EQ(v.reply.text, "Virus sender");
  auto p = session("198.18.0.67");
  EXPECT_EQ(engine_->connect(p, {1, 1}).reply.code, 550);
  // Expired entries stop answering at once.
  clock_.advance(3601);
  auto later = session("198.18.0.66");
  EXPECT_FALSE(engine_->connect(later, {1, 1}).refused());
  // The store's allowlist wins over its blocklist.
  rep_.allow.insert("198.18.0.67");
  auto a = session("198.18.0.67");
  auto va = engine_->connect(a, {1, 1});
  EXPECT_FALSE(va.refused());
  EXPECT_TRUE(a.allowlisted);
}

TEST_F(ReputationTest, GreylistingDefersThenPasses) {
  auto v = rcpt_after_mail("198.18.0.9", "news+1234@list.example", "alice@example.org");
  EXPECT_EQ(v.reason, core::Reason::kGreylisted);
  EXPECT_EQ(v.reply.code, 451);
  EXPECT_NE(v.reply.text.find("300 seconds"), std::string::npos);
  clock_.advance(100);  // too early; another address in the same /24 counts as the same client
  v = rcpt_after_mail("198.18.0.10", "news+5678@list.example", "alice@example.org");
  EXPECT_EQ(v.reason, core::Reason::kGreylisted);
  EXPECT_NE(v.reply.text.find("200 seconds"), std::string::npos);
  clock_.advance(250);
  EXPECT_FALSE(rcpt_after_mail("198.18.0.9", "news+9@list.example", "alice@example.org").refused());
  clock_.advance(86400);  // passed triplets keep passing
  EXPECT_FALSE(rcpt_after_mail("198.18.0.9", "news+1@list.example", "alice@example.org").refused());
  // Unknown users are refused for good, not greylisted.
  EXPECT_EQ(rcpt_after_mail("198.18.5.9", "x@y.example", "nobody@example.org").reason,
            core::Reason::kUnknownUser);
}

TEST_F(ReputationTest, RetryAfterTheWindowStartsOver) {
  EXPECT_TRUE(rcpt_after_mail("198.18.0.9", "a@b.example", "bob@example.org").refused());
  clock_.advance(cfg_->greylist.retry_window.count() + 10);
  EXPECT_EQ(rcpt_after_mail("198.18.0.9", "a@b.example", "bob@example.org").reason,
            core::Reason::kGreylisted);
}

TEST_F(ReputationTest, NullSenderIsGreylistedAtDataNotRcpt) {
  auto s = session("198.18.0.9");
  engine_->connect(s, {1, 1});
  engine_->mail(s, std::nullopt);
  EXPECT_FALSE(engine_->rcpt(s, *core::parse_address("alice@example.org")).verdict.refused());
  auto v = engine_->data(s);
  EXPECT_EQ(v.reason, core::Reason::kGreylisted);
}

TEST_F(ReputationTest, NetworksThatPassedSkipGreylisting) {
  for (const char* r : {"alice@example.org", "bob@example.org"}) {
    rcpt_after_mail("198.18.0.9", "a@b.example", r);
  }
  clock_.advance(400);
  for (const char* r : {"alice@example.org", "bob@example.org"})
    EXPECT_FALSE(rcpt_after_mail("198.18.0.9", "a@b.example", r).refused());
  // Two passes from 198.18.0.0/24: a new sender from there is not delayed.
  EXPECT_FALSE(rcpt_after_mail("198.18.0.200", "new@c.example", "alice@example.org").refused());
}

TEST_F(ReputationTest, AllowlistedAndOutboundSkipGreylisting) {
  rep_.allow.insert("198.18.0.9");
  EXPECT_FALSE(rcpt_after_mail("198.18.0.9", "a@b.example", "alice@example.org").refused());
  cfg_->access.allow_sender_domains = {"partner.example"};
  build();
  EXPECT_FALSE(rcpt_after_mail("198.18.3.9", "x@Partner.Example", "alice@example.org").refused());
  EXPECT_TRUE(rcpt_after_mail("198.18.3.9", "x@other.example", "alice@example.org").refused());
}

TEST_F(ReputationTest, StoreAllowlistedHostNamesSkipGreylistingAndBlocks) {
  rep_.block["198.18.0.70"] = {"198.18.0.70", "virus", 0};
  rep_.allow_hosts.insert("mx.partner.example");
  // Without a confirmed name the block answers; with the allowlisted name it does not.
  auto unnamed = session("198.18.0.70");
  EXPECT_TRUE(engine_->connect(unnamed, {1, 1}).refused());
  auto named = session("198.18.0.70");
  named.client.host = "mx.partner.example";
  EXPECT_FALSE(engine_->connect(named, {1, 1}).refused());
  EXPECT_TRUE(named.allowlisted);
  engine_->mail(named, core::parse_address("a@partner.example"));
  EXPECT_FALSE(engine_->rcpt(named, *core::parse_address("alice@example.org")).verdict.refused());
  // Another name is not allowlisted.
  auto other = session("198.18.0.70");
  other.client.host = "mx.other.example";
  EXPECT_TRUE(engine_->connect(other, {1, 1}).refused());
}

TEST_F(ReputationTest, AutolistingPerReason) {
  cfg_->autolist.helo_is_us = "helo-is-us";
  cfg_->autolist.unknown_users = "unknown-users";
  cfg_->autolist.unknown_users_count = 3;
  build();
  auto s = session("198.18.0.77");
  engine_->connect(s, {1, 1});
  EXPECT_TRUE(engine_->helo(s, "mx.example.org").refused());
  ASSERT_TRUE(rep_.block.contains("198.18.0.77"));
  EXPECT_EQ(rep_.block["198.18.0.77"].reason, "helo-is-us");
  EXPECT_EQ(rep_.block["198.18.0.77"].expires, kNow + 72 * 3600);
  auto next = session("198.18.0.77");
  EXPECT_EQ(engine_->connect(next, {1, 1}).reply.code, 550);

  for (int i = 0; i < 2; ++i)
    rcpt_after_mail("198.18.0.88", "x@y.example", "nobody@example.org");
  EXPECT_FALSE(rep_.block.contains("198.18.0.88"));
  rcpt_after_mail("198.18.0.88", "x@y.example", "nobody@example.org");
  EXPECT_EQ(rep_.block["198.18.0.88"].reason, "unknown-users");
  // Allowlisted clients are never listed.
  rep_.allow.insert("198.18.0.99");
  auto a = session("198.18.0.99");
  engine_->connect(a, {1, 1});
  engine_->helo(a, "mx.example.org");
  EXPECT_FALSE(rep_.block.contains("198.18.0.99"));
}

TEST_F(ReputationTest, StoreDownAnswersWhatFailSays) {
  rep_.up = false;
  // Default "open": lists answered from the view, greylisting does not delay.
  EXPECT_FALSE(rcpt_after_mail("198.18.0.9", "a@b.example", "alice@example.org").refused());
  auto s = session("198.18.1.1");
  EXPECT_FALSE(engine_->connect(s, {1, 1}).refused());
  cfg_->store.fail_open = false;
  cfg_->greylist.fail_open = false;
  build();
  auto t = session("198.18.1.1");
  auto v = engine_->connect(t, {1, 1});
  EXPECT_EQ(v.reply.code, 451);
  EXPECT_EQ(v.reply.enhanced, "4.3.0");
  EXPECT_EQ(rcpt_after_mail("198.18.0.9", "a@b.example", "alice@example.org").reply.enhanced,
            "4.3.0");
  rep_.up = true;
  auto u = session("198.18.1.1");
  EXPECT_FALSE(engine_->connect(u, {1, 1}).refused());
}

TEST(Greylist, SenderAndNetworkNormalisation) {
  EXPECT_EQ(grey_sender(std::nullopt), "<>");
  EXPECT_EQ(grey_sender(core::parse_address("List+123-456@Lists.Example")), "list+#-#@lists.example");
  EXPECT_EQ(grey_sender(core::parse_address("prvs=1234abcdef=bob@x2.example")), "bob@x2.example");
  config::GreylistConfig g;
  EXPECT_EQ(grey_network(*core::parse_ip("192.0.2.77"), g), "192.0.2.0/24");
  EXPECT_EQ(grey_network(*core::parse_ip("2001:db8:1:2:3:4:5:6"), g), "2001:db8:1:2::/64");
  g.ipv4_prefix = 32;
  EXPECT_EQ(grey_network(*core::parse_ip("192.0.2.77"), g), "192.0.2.77/32");
  g.ipv4_prefix = 20;
  EXPECT_EQ(grey_network(*core::parse_ip("192.0.31.77"), g), "192.0.16.0/20");
}

}  // namespace
}  // namespace backstop::policy
