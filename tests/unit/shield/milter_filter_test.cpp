// The milter front end's logic (net/milter_filter.h) driven with decoded milter commands, the
// real engine, classifier and BATV, a fixed clock; the replies are decoded and checked.
#include "net/milter_filter.h"

#include <gtest/gtest.h>

#include <map>

#include "batv/key_ring.h"
#include "batv/prvs.h"
#include "classify/classifier.h"
#include "milter/protocol.h"

namespace backstop::net {
namespace {

using namespace milter;
constexpr int64_t kNow = 1795559388;  // 2026-11-24
constexpr const char* kKeys = "1 milter-secret\n";

class NullEvents : public policy::EventSink {
 public:
  void emit(const policy::Event&) override {}
};

// The reply packets in out, as (code, data) pairs.
std::vector<std::pair<char, std::string>> packets(const std::string& out) {
  std::vector<std::pair<char, std::string>> r;
  size_t i = 0;
  while (i + 5 <= out.size()) {
    uint32_t len = (uint8_t(out[i]) << 24) | (uint8_t(out[i + 1]) << 16) |
                   (uint8_t(out[i + 2]) << 8) | uint8_t(out[i + 3]);
    r.emplace_back(out[i + 4], out.substr(i + 5, len - 1));
    i += 4 + len;
  }
  return r;
}

class MilterFilterTest : public ::testing::Test {
 protected:
  MilterFilterTest() {
    cfg_ = std::make_shared<config::Config>();
    cfg_->smtp.hostname = "mx.example.org";
    cfg_->domains.local = {"example.org"};
    cfg_->domains.recipients = {"alice@example.org", "bob@example.org"};
    cfg_->batv.key_text = kKeys;
    cfg_->batv.sign_domains = {"example.org"};
    cfg_->checks.our_hosts = {"mx.example.org"};
    cfg_->relays.networks.add("198.51.100.0/24", false);
    engine_ = std::make_unique<policy::Engine>(cfg_, classifier(), sent_, storms_, clock_, events_);
    filter_ = std::make_unique<MilterFilter>(*engine_);
  }
  static const classify::Classifier& classifier() {
    static const auto c = classify::Classifier::create();
    return *c;
  }
  // Sends one command; returns the reply packets.
  std::vector<std::pair<char, std::string>> send(const Command& c, bool* open = nullptr) {
    std::string out;
    bool keep = filter_->handle(c, out);
    if (open) *open = keep;
    return packets(out);
  }
  void negotiate(uint32_t protocol_offer = 0x1fffff) {
    auto r = send(OptNeg{6, 0x1ff, protocol_offer});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r[0].first, 'O');
  }
  void connect(const char* ip, const char* daemon = "smtpd") {
    send(Macro{SMFIC_CONNECT, {{"{daemon_name}", daemon}, {"j", "mx.example.org"}}});
    auto r = send(Connect{"client.example.net", SMFIA_INET, 25, ip});
    // A reply only when the MTA did not grant SMFIP_NR_CONN.
    if (filter_->negotiated_protocol() & SMFIP_NR_CONN) {
      EXPECT_TRUE(r.empty());
    } else {
      ASSERT_EQ(r.size(), 1u);
      EXPECT_EQ(r[0].first, SMFIR_CONTINUE);
    }
  }
  std::string prvs(const std::string& addr) {
    auto ring = batv::parse_key_ring(kKeys);
    auto p = batv::Prvs::make(std::move(*ring.ring), 7);
    core::FixedClock clock(kNow);
    return *p->sign(addr, clock);
  }

  std::shared_ptr<config::Config> cfg_;
  policy::MemorySentIndex sent_;
  policy::StormDetector storms_{config::StormConfig{}};
  core::FixedClock clock_{kNow};
  NullEvents events_;
  std::unique_ptr<policy::Engine> engine_;
  std::unique_ptr<MilterFilter> filter_;
};

TEST_F(MilterFilterTest, NegotiationAsksForTheActionsItNeeds) {
  auto r = send(OptNeg{6, SMFIF_ADDHDRS | SMFIF_CHGFROM | SMFIF_ADDRCPT | SMFIF_DELRCPT, 0x1fffff});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(filter_->negotiated_protocol() & SMFIP_NR_HDR, 0u);
  // An MTA that cannot change the sender cannot run this milter: the connection closes.
  bool open = true;
  MilterFilter other(*engine_);
  std::string out;
  open = other.handle(OptNeg{6, SMFIF_ADDHDRS, 0}, out);
  EXPECT_FALSE(open);
  EXPECT_NE(other.error().find("negotiation"), std::string::npos);
}

// What Postfix 3.x offers: the MTA need not wait for CONNECT, HELO and MAIL, but still sends
// them (their data and the HELO name are not available as Postfix macros); RCPT, DATA and end
// of message are answered.
TEST_F(MilterFilterTest, NegotiatesNoRepliesBeforeRcptAndOnlyTheMacrosItReads) {
  auto r = send(OptNeg{6, 0x1ff, 0x1fffff});
  ASSERT_EQ(r.size(), 1u);
  const uint32_t p = filter_->negotiated_protocol();
  EXPECT_EQ(p & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL),
            SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL);
  EXPECT_EQ(p & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NODATA |
                 SMFIP_NOHDRS | SMFIP_NOBODY),
            0u);
  EXPECT_EQ(p & (SMFIP_NR_RCPT | SMFIP_NR_DATA), 0u);
  // The reply: version, actions, protocol, then (stage, names) per macro list. Every stage up
  // to RCPT has a list of its own, so that Postfix does not fall back to its main.cf lists.
  const std::string& data = r[0].second;
  ASSERT_GE(data.size(), 12u);
  std::map<uint32_t, std::string> lists;
  for (size_t i = 12; i + 4 < data.size();) {
    uint32_t stage = (uint8_t(data[i]) << 24) | (uint8_t(data[i + 1]) << 16) |
                     (uint8_t(data[i + 2]) << 8) | uint8_t(data[i + 3]);
    size_t end = data.find('\0', i + 4);
    ASSERT_NE(end, std::string::npos);
    lists[stage] = data.substr(i + 4, end - i - 4);
    i = end + 1;
  }
  EXPECT_EQ(lists[SMFIM_CONNECT], "{daemon_name}");
  EXPECT_EQ(lists[SMFIM_HELO], "{daemon_name}");
  EXPECT_EQ(lists[SMFIM_ENVFROM], "{daemon_name} {auth_authen}");
  EXPECT_EQ(lists[SMFIM_ENVRCPT], "{daemon_name}");
  EXPECT_EQ(lists.count(SMFIM_DATA), 0u);
}

TEST_F(MilterFilterTest, HeloRefusalIsAnsweredAtRcpt) {
  negotiate();
  connect("198.18.0.9");
  auto r = send(Helo{"mx.example.org"});  // our own name from outside
  EXPECT_TRUE(r.empty());                 // SMFIP_NR_HELO: the refusal waits
  r = send(Mail{"<someone@friend.example>", {}});
  EXPECT_TRUE(r.empty());  // SMFIP_NR_MAIL: still waiting
  for (const char* rcpt : {"<bob@example.org>", "<alice@example.org>"}) {
    r = send(Rcpt{rcpt, {}});
    ASSERT_EQ(r.size(), 1u) << rcpt;
    EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
    EXPECT_EQ(r[0].second.substr(0, 9), "550 5.7.1");
  }
  // RSET and a new transaction on the same connection: still refused.
  send(Abort{});
  send(Mail{"<>", {}});
  r = send(Rcpt{"<bob@example.org>", {}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
}

TEST_F(MilterFilterTest, HeloRefusalIsAnsweredAtMailWhenTheMtaWaitsForMail) {
  negotiate(0x1fffff & ~SMFIP_NR_MAIL);  // e.g. an MTA that always waits at MAIL
  connect("198.18.0.9");
  EXPECT_TRUE(send(Helo{"mx.example.org"}).empty());
  auto r = send(Mail{"<someone@friend.example>", {}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
  EXPECT_EQ(r[0].second.substr(0, 9), "550 5.7.1");
}

TEST_F(MilterFilterTest, MailRefusalIsAnsweredAtEveryRcptOfItsTransaction) {
  cfg_->checks.own_domain_sender = config::CheckAction::kReject;
  negotiate();
  connect("198.18.0.9");
  send(Helo{"client.example.net"});
  EXPECT_TRUE(send(Mail{"<alice@example.org>", {}}).empty());  // our domain, from outside
  for (const char* rcpt : {"<bob@example.org>", "<nobody@example.org>"}) {
    auto r = send(Rcpt{rcpt, {}});
    ASSERT_EQ(r.size(), 1u) << rcpt;
    EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
    EXPECT_EQ(r[0].second.substr(0, 3), "550") << r[0].second;
  }
  EXPECT_TRUE(filter_->state().recipients.empty());  // the engine saw no RCPT
  // The next transaction has a sender of its own: a SAV probe is answered per recipient.
  EXPECT_TRUE(send(Mail{"<>", {}}).empty());
  auto r = send(Rcpt{"<bob@example.org>", {}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_CONTINUE);
  r = send(Rcpt{"<nobody@example.org>", {}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
  EXPECT_EQ(r[0].second.substr(0, 9), "550 5.1.1");
}

TEST_F(MilterFilterTest, RepliesToConnectAndHeloWhenTheMtaWantsThem) {
  negotiate(0);  // an MTA offering no no-reply flags
  EXPECT_EQ(filter_->negotiated_protocol() & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL), 0u);
  connect("198.18.0.9");
  auto r = send(Helo{"mx.example.org"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_CONTINUE);
  r = send(Mail{"<someone@friend.example>", {}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
}

TEST_F(MilterFilterTest, AuthenticatedClientIsOutboundAndGetsSigned) {
  negotiate();
  connect("198.18.0.9");
  send(Helo{"mx.example.org"});  // would be refused inbound
  send(Macro{SMFIC_MAIL, {{"{auth_authen}", "alice"}, {"i", "Q1"}}});
  auto r = send(Mail{"<alice@example.org>", {}});
  EXPECT_TRUE(r.empty());                         // SMFIP_NR_MAIL
  r = send(Rcpt{"<friend@remote.example>", {}});  // not local: fine outbound
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_CONTINUE);
  send(Header{"Message-ID", "<m-1@example.org>"});
  send(EndOfHeaders{});
  send(Body{"hello\r\n"});
  r = send(EndOfBody{});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].first, SMFIR_CHGFROM);
  EXPECT_EQ(r[0].second, "<" + prvs("alice@example.org") + ">" + std::string(1, '\0'));
  EXPECT_EQ(r[1].first, SMFIR_CONTINUE);
  EXPECT_TRUE(sent_.contains("m-1@example.org", kNow));
}

TEST_F(MilterFilterTest, OutboundByDaemonNameAndByNetwork) {
  negotiate();
  connect("198.18.0.9", "ORIGINATING");
  send(Mail{"<bob@example.org>", {}});
  EXPECT_TRUE(filter_->state().outbound);
  send(QuitNewConnection{});
  connect("198.51.100.20");
  send(Mail{"<bob@example.org>", {}});
  EXPECT_TRUE(filter_->state().outbound);
  send(QuitNewConnection{});
  connect("198.18.0.9");
  send(Mail{"<bob@example.org>", {}});
  EXPECT_FALSE(filter_->state().outbound);
}

TEST_F(MilterFilterTest, TaggedBounceIsUntaggedAndBackscatterRefused) {
  negotiate();
  connect("198.18.0.9");
  send(Helo{"client.example.net"});
  send(Mail{"<>", {}});
  EXPECT_EQ(send(Rcpt{"<nobody@example.org>", {}})[0].first, SMFIR_REPLYCODE);
  std::string tagged = prvs("alice@example.org");
  EXPECT_EQ(send(Rcpt{"<" + tagged + ">", {}})[0].first, SMFIR_CONTINUE);
  send(Header{"From", "MAILER-DAEMON@mx.remote.example"});
  send(Header{"Subject", "Undelivered Mail Returned to Sender"});
  send(EndOfHeaders{});
  send(Body{"<nobody@remote.example>: host said: 550 5.1.1 User unknown\r\n"});
  auto r = send(EndOfBody{});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].first, SMFIR_DELRCPT);
  EXPECT_EQ(r[0].second, "<" + tagged + ">" + std::string(1, '\0'));
  EXPECT_EQ(r[1].first, SMFIR_ADDRCPT);
  EXPECT_EQ(r[1].second, std::string("<alice@example.org>") + '\0');
  EXPECT_EQ(r[2].first, SMFIR_ADDHEADER);
  EXPECT_EQ(r[3].first, SMFIR_CONTINUE);

  // The next message on the connection: the same bounce, untagged.
  send(Mail{"<>", {}});
  send(Rcpt{"<bob@example.org>", {}});
  send(Header{"From", "MAILER-DAEMON@mx.remote.example"});
  send(Header{"Subject", "Undelivered Mail Returned to Sender"});
  send(EndOfHeaders{});
  send(Body{"<nobody@remote.example>: host said: 550 5.1.1 User unknown\r\n"});
  r = send(EndOfBody{});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, SMFIR_REPLYCODE);
  EXPECT_EQ(r[0].second.substr(0, 9), "550 5.7.1");
}

TEST_F(MilterFilterTest, AbortForgetsTheMessageAndQuitCloses) {
  negotiate();
  connect("198.18.0.9");
  send(Mail{"<>", {}});
  send(Rcpt{"<bob@example.org>", {}});
  send(Abort{});
  EXPECT_TRUE(filter_->state().recipients.empty());
  bool open = true;
  send(Quit{}, &open);
  EXPECT_FALSE(open);
}

TEST_F(MilterFilterTest, HugeMessagesAreClassifiedFromTheirStart) {
  negotiate();
  connect("198.18.0.9");
  send(Mail{"<someone@friend.example>", {}});
  send(Rcpt{"<bob@example.org>", {}});
  send(Header{"Subject", "big"});
  send(EndOfHeaders{});
  std::string chunk(65535, 'x');
  for (int i = 0; i < 40; ++i) send(Body{chunk});  // 2.6 MB, over kMaxClassified
  auto r = send(EndOfBody{});
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back().first, SMFIR_CONTINUE);
}

}  // namespace
}  // namespace backstop::net
