// Tests of the Postfix policy request accessors and the reply formatting: typed fields,
// absent and malformed values, and replies that no text can break out of.
#include "postfix_policy/request.h"

#include <gtest/gtest.h>

#include "postfix_policy/response.h"

namespace backstop::postfix_policy {
namespace {

using namespace std::string_literals;

TEST(PolicyRequest, TypedAccessors) {
  Request r;
  r.set("request", "smtpd_access_policy");
  r.set("protocol_state", "END-OF-MESSAGE");
  r.set("protocol_name", "ESMTP");
  r.set("helo_name", "h.example");
  r.set("queue_id", "4ABC");
  r.set("sender", "bounce@example.net");
  r.set("recipient", "User@Example.ORG");
  r.set("recipient_count", "3");
  r.set("client_address", "2001:db8::7");
  r.set("client_name", "unknown");
  r.set("reverse_client_name", "x.example");
  r.set("client_port", "65535");
  r.set("instance", "1.2.3");
  r.set("sasl_method", "PLAIN");
  r.set("sasl_username", "u");
  r.set("size", "18446744073709551615");
  r.set("stress", "yes");
  r.set("ccert_subject", "CN=x");
  r.set("encryption_protocol", "TLSv1.3");
  r.set("server_address", "192.0.2.1");
  r.set("server_port", "25");
  r.set("policy_context", "submission");

  EXPECT_TRUE(r.is_access_policy());
  EXPECT_EQ(r.protocol_state(), ProtocolState::kEndOfMessage);
  EXPECT_EQ(r.protocol_name(), "ESMTP");
  EXPECT_EQ(r.helo_name(), "h.example");
  EXPECT_EQ(r.queue_id(), "4ABC");
  EXPECT_EQ(r.sender_address()->domain, "example.net");
  EXPECT_EQ(r.recipient_address()->local, "User");
  EXPECT_EQ(r.recipient_address()->domain, "example.org");
  EXPECT_EQ(r.recipient_count(), 3u);
  EXPECT_EQ(r.client_ip()->str(), core::parse_ip("2001:db8::7")->str());
  EXPECT_EQ(r.client_name(), "unknown");
  EXPECT_EQ(r.reverse_client_name(), "x.example");
  EXPECT_EQ(r.client_port(), 65535);
  EXPECT_EQ(r.instance(), "1.2.3");
  EXPECT_EQ(r.sasl_method(), "PLAIN");
  EXPECT_EQ(r.sasl_username(), "u");
  EXPECT_EQ(r.size(), 18446744073709551615ull);
  EXPECT_TRUE(r.stress());
  EXPECT_EQ(r.ccert_subject(), "CN=x");
  EXPECT_EQ(r.encryption_protocol(), "TLSv1.3");
  EXPECT_EQ(r.server_address(), "192.0.2.1");
  EXPECT_EQ(r.server_port(), 25);
  EXPECT_EQ(r.policy_context(), "submission");
}

TEST(PolicyRequest, AbsentAndMalformed) {
  Request r;
  EXPECT_FALSE(r.is_access_policy());
  EXPECT_EQ(r.protocol_state(), ProtocolState::kUnknown);
  EXPECT_EQ(r.sender(), "");
  EXPECT_FALSE(r.sender_address());  // the null sender
  EXPECT_FALSE(r.recipient_count());
  EXPECT_FALSE(r.client_ip());
  EXPECT_FALSE(r.stress());
  r.set("recipient_count", "-1");
  r.set("size", "18446744073709551616");  // 2^64
  r.set("client_port", "65536");
  r.set("server_port", "25x");
  r.set("client_address", "unknown");
  r.set("protocol_state", "rcpt");  // Postfix sends upper case
  r.set("stress", "YES");
  EXPECT_FALSE(r.recipient_count());
  EXPECT_FALSE(r.size());
  EXPECT_FALSE(r.client_port());
  EXPECT_FALSE(r.server_port());
  EXPECT_FALSE(r.client_ip());
  EXPECT_EQ(r.protocol_state(), ProtocolState::kUnknown);
  EXPECT_FALSE(r.stress());
}

TEST(PolicyRequest, ProtocolStates) {
  for (auto s : {ProtocolState::kConnect, ProtocolState::kEhlo, ProtocolState::kHelo,
                 ProtocolState::kMail, ProtocolState::kRcpt, ProtocolState::kData,
                 ProtocolState::kEndOfMessage, ProtocolState::kVrfy, ProtocolState::kEtrn})
    EXPECT_EQ(parse_protocol_state(to_string(s)), s);
  EXPECT_EQ(to_string(ProtocolState::kUnknown), "");
  EXPECT_EQ(parse_protocol_state(""), ProtocolState::kUnknown);
}

TEST(PolicyResponse, Actions) {
  EXPECT_EQ(ok(), "action=OK\n\n");
  EXPECT_EQ(dunno(), "action=DUNNO\n\n");
  EXPECT_EQ(format_action("DUNNO"), "action=DUNNO\n\n");
  EXPECT_EQ(format_action(""), "action=DUNNO\n\n");
  EXPECT_EQ(format_action("  \r\n"), "action=DUNNO\n\n");
  EXPECT_EQ(format_action("HOLD spam run"), "action=HOLD spam run\n\n");
  EXPECT_EQ(reject(), "action=REJECT\n\n");
  EXPECT_EQ(reject("5.7.1 backscatter refused"), "action=REJECT 5.7.1 backscatter refused\n\n");
  EXPECT_EQ(defer("try later"), "action=DEFER try later\n\n");
  EXPECT_EQ(defer_if_permit("greylisted"), "action=DEFER_IF_PERMIT greylisted\n\n");
  EXPECT_EQ(defer_if_reject(""), "action=DEFER_IF_REJECT\n\n");
}

TEST(PolicyResponse, TextCannotEndTheReply) {
  EXPECT_EQ(reject("a\r\n\r\naction=OK"), "action=REJECT a action=OK\n\n");
  EXPECT_EQ(reject("a\nb\0c\td"s), "action=REJECT a b c d\n\n");
  EXPECT_EQ(reject("trailing\n"), "action=REJECT trailing\n\n");
  EXPECT_EQ(format_action("OK\n\naction=REJECT"), "action=OK action=REJECT\n\n");
  const std::string r = reject(std::string(2000, 'x'));
  EXPECT_EQ(r.size(), kMaxActionLine + 2);
  EXPECT_EQ(r.find('\n'), kMaxActionLine);
  // The cut never splits a UTF-8 sequence: "action=REJECT " is 14 octets, then "a", then
  // two-octet characters; 510 - 15 = 495 leaves room for 247 whole ones.
  std::string utf8 = "a";
  for (int i = 0; i < 300; ++i) utf8 += "\xc3\xa9";
  const std::string cut = reject(utf8);
  EXPECT_EQ(cut.size(), 15 + 247 * 2 + 2);
}

TEST(PolicyResponse, ReplyAndPrepend) {
  EXPECT_EQ(*reply({550, "5.7.1", "no backscatter"}), "action=550 5.7.1 no backscatter\n\n");
  EXPECT_EQ(*reply({450, "", "later"}), "action=450 later\n\n");
  EXPECT_EQ(*reply({554, "5.7.0", ""}), "action=554 5.7.0\n\n");
  EXPECT_FALSE(reply({250, "2.0.0", "ok"}));
  EXPECT_FALSE(reply({550, "4.7.1", "class"}));
  EXPECT_FALSE(reply({550, "5.7", "short"}));
  EXPECT_FALSE(reply({550, "5.7.1x", "junk"}));
  EXPECT_EQ(*prepend("X-Backstop", "pass; tag=ok"), "action=PREPEND X-Backstop: pass; tag=ok\n\n");
  EXPECT_EQ(*prepend("X-A", "a\r\nb"), "action=PREPEND X-A: a b\n\n");
  EXPECT_FALSE(prepend("", "v"));
  EXPECT_FALSE(prepend("X A", "v"));
  EXPECT_FALSE(prepend("X:A", "v"));
  EXPECT_FALSE(prepend("X\n", "v"));
}

}  // namespace
}  // namespace backstop::postfix_policy
