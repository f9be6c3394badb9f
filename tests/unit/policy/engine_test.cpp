// Policy engine tests: every stage's rule, with a configuration built in code, a fixed clock,
// the real classifier and BATV, and messages written for these tests.
#include "policy/engine.h"

#include <gtest/gtest.h>

#include "batv/key_ring.h"
#include "batv/prvs.h"

namespace backstop::policy {
namespace {

using core::Action;
using core::Reason;

constexpr int64_t kNow = 1795559388;  // 2026-11-24

class Events : public EventSink {
 public:
  void emit(const Event& e) override { all.push_back(e); }
  std::vector<Event> all;
};

config::Cidr cidr(const char* ip, int prefix) {
  config::Cidr c;
  c.address = *core::parse_ip(ip);
  c.prefix = prefix;
  return c;
}

std::shared_ptr<config::Config> base_config() {
  auto c = std::make_shared<config::Config>();
  c->smtp.hostname = "mx.example.org";
  c->domains.local = {"example.org", "example.net"};
  c->domains.recipients = {"alice@example.org", "bob@example.org", "abuse@example.org"};
  c->domains.file_recipients = {"carol@example.org"};
  c->batv.key_text = "1 first-secret\n2 second-secret\n";
  c->batv.lifetime_days = 7;
  c->relays.outbound.networks.push_back(cidr("203.0.113.7", 32));
  c->relays.outbound.hosts.push_back({"out.example.org"});
  c->relays.networks.networks.push_back(cidr("198.51.100.0", 24));
  c->checks.our_hosts = {"mx.example.org"};
  c->checks.our_ips = {*core::parse_ip("192.0.2.25")};
  c->access.allow.networks.push_back(cidr("192.0.2.200", 32));
  c->access.block.networks.push_back(cidr("192.0.2.66", 32));
  c->storm.domain_backscatter = 3;
  c->storm.recipient_backscatter = 100;
  c->storm.window = std::chrono::seconds(60);
  c->storm.quiet_period = std::chrono::seconds(120);
  return c;
}

std::string prvs_for(const std::string& addr) {
  auto ring = batv::parse_key_ring("1 first-secret\n2 second-secret\n");
  auto p = batv::Prvs::make(std::move(*ring.ring), 7);
  core::FixedClock clock(kNow);
  return *p->sign(addr, clock);
}

// A Postfix-style DSN whose attached original entered the remote site from `entry_ip`
// (as the remote MX recorded it) and, below it, a hop the sender wrote.
std::string dsn(const std::string& to, const std::string& entry_host, const std::string& entry_ip,
                const std::string& message_id = "orig-1@example.org",
                const std::string& lower_hop = "") {
  return "From: MAILER-DAEMON@mx.remote.example (Mail Delivery System)\r\n"
         "To: " + to + "\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
         "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
         "This is the mail system at host mx.remote.example.\r\n\r\n"
         "<nobody@remote.example>: host said: 550 5.1.1 User unknown\r\n"
         "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
         "Reporting-MTA: dns; mx.remote.example\r\n\r\n"
         "Final-Recipient: rfc822; nobody@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
         "\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n"
         "Received: from " + entry_host + " (" + entry_host + " [" + entry_ip + "])\r\n"
         "\tby mx.remote.example (Postfix) with ESMTP id 1; Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
         lower_hop +
         "From: " + to + "\r\nTo: nobody@remote.example\r\nSubject: hello\r\n"
         "Message-ID: <" + message_id + ">\r\n\r\nhello\r\n--B--\r\n";
}

const char* kHam =
    "From: Dave <dave@friend.example>\r\nTo: alice@example.org\r\nSubject: lunch\r\n"
    "Message-ID: <ham-1@friend.example>\r\n\r\nLunch on Friday?\r\n";

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() { rebuild(base_config()); }
  // Compiling the pattern tables is the slow part: once for all tests.
  static const classify::Classifier& classifier() {
    static const auto c = classify::Classifier::create();
    return *c;
  }
  void rebuild(std::shared_ptr<config::Config> cfg) {
    cfg_ = cfg;
    storms_ = std::make_unique<StormDetector>(cfg->storm);
    engine_ = std::make_unique<Engine>(cfg, classifier(), sent_, *storms_, clock_, events_);
  }
  SessionState session(const char* ip = "198.18.0.1") {
    SessionState s;
    s.client.ip = *core::parse_ip(ip);
    s.client.ip_text = ip;
    return s;
  }
  // Runs a whole transaction; returns the end-of-message verdict, or the first refusal.
  core::Verdict transaction(SessionState& s, std::optional<core::Address> sender,
                            const std::vector<std::string>& rcpts, const std::string& msg) {
    auto v = engine_->mail(s, sender);
    if (v.refused()) return v;
    for (const auto& r : rcpts) {
      auto rr = engine_->rcpt(s, *core::parse_address(r));
      if (rr.verdict.refused()) return rr.verdict;
    }
    v = engine_->data(s);
    if (v.refused()) return v;
    return engine_->message(s, msg).verdict;
  }
  std::shared_ptr<config::Config> cfg_;
  MemorySentIndex sent_;
  core::FixedClock clock_{kNow};
  Events events_;
  std::unique_ptr<StormDetector> storms_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, ConnectAllowBlockAndLimits) {
  auto s = session("192.0.2.66");
  EXPECT_EQ(engine_->connect(s, {1, 1}).reason, Reason::kBlocklisted);
  EXPECT_EQ(engine_->connect(s, {1, 1}).reply.code, 554);
  auto a = session("192.0.2.200");
  auto v = engine_->connect(a, {1, 1});
  EXPECT_EQ(v.action, Action::kAccept);
  EXPECT_TRUE(a.allowlisted);
  auto n = session();
  EXPECT_FALSE(engine_->connect(n, {1, 1}).refused());
  EXPECT_EQ(engine_->connect(n, {1, cfg_->smtp.max_sessions_per_ip + 1}).reason,
            Reason::kClientLimit);
  EXPECT_EQ(engine_->connect(n, {cfg_->smtp.max_sessions + 1, 1}).reply.code, 421);
}

TEST_F(EngineTest, HeloWithOurNameOrAddressFromOutsideIsRefused) {
  auto s = session();
  engine_->connect(s, {1, 1});
  EXPECT_EQ(engine_->helo(s, "mx.example.org").reason, Reason::kHeloIsUs);
  EXPECT_EQ(engine_->helo(s, "MX.Example.ORG").reply.code, 550);
  EXPECT_EQ(engine_->helo(s, "[192.0.2.25]").reason, Reason::kHeloIsUs);
  EXPECT_FALSE(engine_->helo(s, "mail.friend.example").refused());
  auto ours = session("198.51.100.9");  // our own network
  engine_->connect(ours, {1, 1});
  EXPECT_FALSE(engine_->helo(ours, "mx.example.org").refused());
  auto cfg = base_config();
  cfg->checks.helo_is_us = config::CheckAction::kOff;
  rebuild(cfg);
  EXPECT_FALSE(engine_->helo(s, "mx.example.org").refused());
}

TEST_F(EngineTest, OwnDomainSenderFromOutsideIsNotedByDefaultAndRejectedWhenConfigured) {
  auto s = session();
  engine_->connect(s, {1, 1});
  EXPECT_FALSE(engine_->mail(s, core::parse_address("alice@example.org")).refused());
  ASSERT_EQ(s.transaction_notes.size(), 1u);
  auto m = engine_->message(s, kHam);
  EXPECT_NE(m.x_backstop.find("own-domain-sender-from-outside"), std::string::npos);
  auto cfg = base_config();
  cfg->checks.own_domain_sender = config::CheckAction::kReject;
  rebuild(cfg);
  auto s2 = session();
  EXPECT_EQ(engine_->mail(s2, core::parse_address("alice@example.org")).reason,
            Reason::kOwnDomainForged);
  auto ours = session("203.0.113.7");
  engine_->connect(ours, {1, 1});
  EXPECT_FALSE(engine_->mail(ours, core::parse_address("alice@example.org")).refused());
}

TEST_F(EngineTest, RecipientsUnknownRelayAndFile) {
  auto s = session();
  engine_->mail(s, core::parse_address("dave@friend.example"));
  auto r = engine_->rcpt(s, *core::parse_address("nobody@example.org"));
  EXPECT_EQ(r.verdict.reason, Reason::kUnknownUser);
  EXPECT_EQ(r.verdict.reply.code, 550);
  EXPECT_EQ(r.verdict.reply.enhanced, "5.1.1");
  EXPECT_EQ(engine_->rcpt(s, *core::parse_address("x@elsewhere.example")).verdict.reason,
            Reason::kRelayDenied);
  EXPECT_FALSE(engine_->rcpt(s, *core::parse_address("Alice@Example.ORG")).verdict.refused());
  EXPECT_FALSE(engine_->rcpt(s, *core::parse_address("carol@example.org")).verdict.refused());
  auto cfg = base_config();
  cfg->domains.recipients.insert("@example.net");
  rebuild(cfg);
  EXPECT_FALSE(engine_->rcpt(s, *core::parse_address("anyone@example.net")).verdict.refused());
}

TEST_F(EngineTest, BatvTagsAtRcpt) {
  auto s = session();
  engine_->mail(s, std::nullopt);
  std::string tagged = prvs_for("alice@example.org");
  auto r = engine_->rcpt(s, *core::parse_address(tagged));
  EXPECT_FALSE(r.verdict.refused());
  ASSERT_TRUE(r.rewritten);
  EXPECT_EQ(r.rewritten->str(), "alice@example.org");
  std::string bad = tagged;
  bad[10] = bad[10] == '0' ? '1' : '0';
  EXPECT_EQ(engine_->rcpt(s, *core::parse_address(bad)).verdict.reason, Reason::kBadBatvTag);
  clock_.advance(30 * 86400);
  EXPECT_EQ(engine_->rcpt(s, *core::parse_address(tagged)).verdict.reason,
            Reason::kExpiredBatvTag);
}

TEST_F(EngineTest, SavProbeIsAcceptedAtRcpt) {
  auto s = session();
  engine_->connect(s, {1, 1});
  engine_->mail(s, std::nullopt);
  EXPECT_FALSE(engine_->rcpt(s, *core::parse_address("alice@example.org")).verdict.refused());
}

TEST_F(EngineTest, BackscatterIsRejectedAndLegitBouncesAccepted) {
  auto s = session();
  // Unverifiable bounce: the original entered the remote site from a stranger.
  auto v = transaction(s, std::nullopt, {"alice@example.org"},
                       dsn("alice@example.org", "bot.example", "198.18.5.5"));
  EXPECT_EQ(v.action, Action::kReject);
  EXPECT_EQ(v.reason, Reason::kBackscatter);
  EXPECT_EQ(v.reply.code, 550);
  // Tagged recipient.
  auto t = session();
  v = transaction(t, std::nullopt, {prvs_for("alice@example.org")},
                  dsn("alice@example.org", "bot.example", "198.18.5.5"));
  EXPECT_FALSE(v.refused());
  EXPECT_EQ(v.reason, Reason::kLegitBounce);
  // Quoting our outbound relay as the hop the remote site received it from.
  auto r = session();
  v = transaction(r, std::nullopt, {"alice@example.org"},
                  dsn("alice@example.org", "out.example.org", "203.0.113.7"));
  EXPECT_EQ(v.reason, Reason::kLegitBounce);
  // Message-ID in the sent index.
  sent_.add("sent-42@example.org", kNow + 86400);
  auto i = session();
  v = transaction(i, std::nullopt, {"alice@example.org"},
                  dsn("alice@example.org", "bot.example", "198.18.5.5", "sent-42@example.org"));
  EXPECT_EQ(v.reason, Reason::kLegitBounce);
}

TEST_F(EngineTest, ForgedRelayHopIsNotEvidence) {
  auto s = session();
  // The remote site got it from a bot; the bot wrote a hop naming our relay below.
  std::string forged =
      "Received: from out.example.org (out.example.org [203.0.113.7])\r\n"
      "\tby bot.example with SMTP; Tue, 24 Nov 2026 09:59:00 +0000\r\n";
  // (The bot's address must be a public one: special-purpose addresses are read as the
  // remote site's own internal hops.)
  auto m_v = transaction(s, std::nullopt, {"alice@example.org"},
                         dsn("alice@example.org", "bot.example", "185.220.101.33", "x@y", forged));
  EXPECT_EQ(m_v.reason, Reason::kBackscatter);
  // Our relay's name from a foreign address.
  auto t = session();
  auto v = transaction(t, std::nullopt, {"alice@example.org"},
                       dsn("alice@example.org", "out.example.org", "198.18.9.9"));
  EXPECT_EQ(v.reason, Reason::kBackscatter);
  bool saw = false;
  for (const auto& e : v.evidence) saw |= e == "forged-relay-hop";
  EXPECT_TRUE(saw);
}

TEST_F(EngineTest, HamIsRelayedAndNullSenderMultiRecipientRefused) {
  auto s = session();
  auto v = transaction(s, core::parse_address("dave@friend.example"), {"alice@example.org"}, kHam);
  EXPECT_EQ(v.action, Action::kContinue);
  auto t = session();
  engine_->mail(t, std::nullopt);
  engine_->rcpt(t, *core::parse_address("alice@example.org"));
  engine_->rcpt(t, *core::parse_address("bob@example.org"));
  EXPECT_EQ(engine_->data(t).reason, Reason::kNullSenderMultiRcpt);
}

TEST_F(EngineTest, BackscatterActionsPerDomainAndRecipient) {
  auto cfg = base_config();
  cfg->backscatter.recipients["abuse@example.org"] = config::BackscatterAction::kTag;
  cfg->backscatter.domains["example.net"] = config::BackscatterAction::kDiscard;
  cfg->domains.recipients.insert("@example.net");
  rebuild(cfg);
  auto s = session();
  auto v = transaction(s, std::nullopt, {"abuse@example.org"},
                       dsn("abuse@example.org", "bot.example", "198.18.5.5"));
  EXPECT_EQ(v.action, Action::kTag);
  auto t = session();
  v = transaction(t, std::nullopt, {"x@example.net"}, dsn("x@example.net", "bot.example", "198.18.5.5"));
  EXPECT_EQ(v.action, Action::kDiscard);
  cfg = base_config();
  cfg->backscatter.action = config::BackscatterAction::kTempfail;
  rebuild(cfg);
  auto u = session();
  v = transaction(u, std::nullopt, {"alice@example.org"},
                  dsn("alice@example.org", "bot.example", "198.18.5.5"));
  EXPECT_EQ(v.reply.code, 451);
}

TEST_F(EngineTest, AllowlistedClientSkipsTheBackscatterCheck) {
  auto s = session("192.0.2.200");
  engine_->connect(s, {1, 1});
  auto v = transaction(s, std::nullopt, {"alice@example.org"},
                       dsn("alice@example.org", "bot.example", "198.18.5.5"));
  EXPECT_FALSE(v.refused());
}

TEST_F(EngineTest, StormModeStartsRefusesUntaggedNullSenderRcptAndEnds) {
  for (int i = 0; i < 3; ++i) {
    auto s = session();
    transaction(s, std::nullopt, {"alice@example.org"},
                dsn("alice@example.org", "bot.example", "198.18.5.5"));
  }
  bool started = false;
  for (const auto& e : events_.all) started |= e.stage == Stage::kStorm;
  EXPECT_TRUE(started);
  auto s = session();
  engine_->mail(s, std::nullopt);
  EXPECT_EQ(engine_->rcpt(s, *core::parse_address("bob@example.org")).verdict.reason,
            Reason::kStorm);
  // Tagged addresses still get their bounces; real mail is unaffected.
  EXPECT_FALSE(
      engine_->rcpt(s, *core::parse_address(prvs_for("bob@example.org"))).verdict.refused());
  auto h = session();
  engine_->mail(h, core::parse_address("dave@friend.example"));
  EXPECT_FALSE(engine_->rcpt(h, *core::parse_address("bob@example.org")).verdict.refused());
  // Allowlisted clients are exempt.
  auto a = session("192.0.2.200");
  engine_->connect(a, {1, 1});
  engine_->mail(a, std::nullopt);
  EXPECT_FALSE(engine_->rcpt(a, *core::parse_address("bob@example.org")).verdict.refused());
  // Quiet period over: the storm ends.
  clock_.advance(200);
  engine_->tick();
  auto after = session();
  engine_->mail(after, std::nullopt);
  EXPECT_FALSE(engine_->rcpt(after, *core::parse_address("bob@example.org")).verdict.refused());
}

TEST_F(EngineTest, StormAtDataKeepsSavProbesWorking) {
  auto cfg = base_config();
  cfg->storm.strict_at_data = true;
  rebuild(cfg);
  for (int i = 0; i < 3; ++i) {
    auto s = session();
    transaction(s, std::nullopt, {"alice@example.org"},
                dsn("alice@example.org", "bot.example", "198.18.5.5"));
  }
  auto probe = session();
  engine_->mail(probe, std::nullopt);
  EXPECT_FALSE(engine_->rcpt(probe, *core::parse_address("bob@example.org")).verdict.refused());
  EXPECT_EQ(engine_->data(probe).reason, Reason::kStorm);
  auto tagged = session();
  engine_->mail(tagged, std::nullopt);
  engine_->rcpt(tagged, *core::parse_address(prvs_for("bob@example.org")));
  EXPECT_FALSE(engine_->data(tagged).refused());
}

TEST_F(EngineTest, ReloadSwapsConfiguration) {
  auto cfg = base_config();
  cfg->domains.recipients.insert("dave@example.org");
  std::string error;
  EXPECT_TRUE(engine_->reload(cfg, &error));
  auto s = session();
  engine_->mail(s, core::parse_address("x@friend.example"));
  EXPECT_FALSE(engine_->rcpt(s, *core::parse_address("dave@example.org")).verdict.refused());
  auto bad = base_config();
  bad->batv.key_text = "not a key file\n";
  EXPECT_FALSE(engine_->reload(bad, &error));
  EXPECT_FALSE(error.empty());
}

TEST_F(EngineTest, EveryDecisionIsAnEvent) {
  auto s = session();
  engine_->mail(s, std::nullopt);
  engine_->rcpt(s, *core::parse_address("nobody@example.org"));
  ASSERT_FALSE(events_.all.empty());
  const Event& e = events_.all.back();
  EXPECT_EQ(e.reason, Reason::kUnknownUser);
  EXPECT_EQ(e.sender, "<>");
  EXPECT_EQ(e.recipient, "nobody@example.org");
  EXPECT_EQ(e.code, 550);
  EXPECT_EQ(e.client_ip, "198.18.0.1");
}

// Outbound mail: no inbound checks, the sender signed for the sign domains, the Message-ID
// recorded, and a bounce of it later accepted on that evidence alone.
TEST_F(EngineTest, OutboundIsSignedRecordedAndItsBounceAccepted) {
  auto cfg = base_config();
  cfg->batv.sign_domains = {"example.org"};
  rebuild(cfg);
  auto out = session("198.51.100.20");
  out.outbound = true;
  EXPECT_FALSE(engine_->helo(out, "mx.example.org").refused());  // our name: fine outbound
  EXPECT_FALSE(engine_->mail(out, core::parse_address("alice@example.org")).refused());
  auto rr = engine_->rcpt(out, *core::parse_address("friend@remote.example"));
  EXPECT_FALSE(rr.verdict.refused());  // not a local domain, but outbound
  EXPECT_FALSE(engine_->data(out).refused());
  OutboundResult r = engine_->outbound_message(
      out, "From: alice@example.org\r\nMessage-ID: <out-42@example.org>\r\nSubject: x\r\n\r\n");
  ASSERT_TRUE(r.sender);
  EXPECT_EQ(*r.sender, prvs_for("alice@example.org"));
  EXPECT_EQ(r.message_id, "out-42@example.org");
  EXPECT_TRUE(sent_.contains("out-42@example.org", kNow + 6 * 86400));
  EXPECT_FALSE(sent_.contains("out-42@example.org", kNow + 8 * 86400));
  EXPECT_EQ(events_.all.back().reason, Reason::kOutbound);

  // A foreign domain or an already-tagged sender is not signed (again).
  auto other = session("198.51.100.20");
  other.outbound = true;
  engine_->mail(other, core::parse_address("carol@example.net"));
  EXPECT_FALSE(engine_->outbound_message(other, "Subject: y\r\n\r\n").sender);
  engine_->mail(other, core::parse_address(prvs_for("alice@example.org")));
  EXPECT_FALSE(engine_->outbound_message(other, "Subject: y\r\n\r\n").sender);
  // Inbound sessions are never treated as outbound.
  auto in = session();
  engine_->mail(in, core::parse_address("alice@example.org"));
  EXPECT_FALSE(engine_->outbound_message(in, "Message-ID: <in-1@x>\r\n\r\n").sender);
  EXPECT_FALSE(sent_.contains("in-1@x", kNow));

  // The bounce of the recorded message, from a site that dropped the tag and quotes no relay.
  auto b = session();
  auto v = transaction(b, std::nullopt, {"alice@example.org"},
                       dsn("alice@example.org", "mail.elsewhere.example", "198.18.7.7",
                           "out-42@example.org"));
  EXPECT_EQ(v.action, Action::kContinue);
  EXPECT_EQ(v.reason, Reason::kLegitBounce);
}

}  // namespace
}  // namespace backstop::policy
