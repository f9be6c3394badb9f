// Tests of milter option negotiation: subsets of what the MTA offers, required actions and
// flags, versions, macro lists only when the MTA accepts them, and the reply bytes.
#include "milter/negotiate.h"

#include <gtest/gtest.h>

#include "milter/decoder.h"

namespace backstop::milter {
namespace {

using namespace std::string_literals;

// What Postfix 3.x offers (milter8.c: all actions; the v6 event mask).
constexpr uint32_t kPostfixActions = 0x1ff;
constexpr uint32_t kPostfixProtocol = 0x1fffff;

TEST(MilterNegotiate, GrantsTheOfferedSubset) {
  FilterWants w;
  w.required_actions = SMFIF_ADDHDRS;
  w.optional_actions = SMFIF_QUARANTINE;
  w.optional_protocol = SMFIP_RCPT_REJ | SMFIP_NOUNKNOWN | SMFIP_NR_HDR | SMFIP_HDR_LEADSPC;
  auto r = negotiate(OptNeg{6, kPostfixActions, kPostfixProtocol}, w);
  ASSERT_TRUE(std::holds_alternative<Negotiation>(r)) << std::get<std::string>(r);
  const Negotiation& n = std::get<Negotiation>(r);
  EXPECT_EQ(n.granted.version, 6u);
  EXPECT_EQ(n.granted.actions, SMFIF_ADDHDRS | SMFIF_QUARANTINE);
  EXPECT_EQ(n.granted.protocol, w.optional_protocol);
  EXPECT_EQ(n.reply, "\0\0\0\x0dO\0\0\0\6\0\0\0\x21\0\x10\x09\x80"s);

  // An older MTA without the v6 flags: the optional ones are simply not granted.
  auto old = negotiate(OptNeg{2, 0x3f, 0x7f}, w);
  ASSERT_TRUE(std::holds_alternative<Negotiation>(old));
  EXPECT_EQ(std::get<Negotiation>(old).granted.version, 2u);
  EXPECT_EQ(std::get<Negotiation>(old).granted.protocol, 0u);
  EXPECT_EQ(std::get<Negotiation>(old).granted.actions, SMFIF_ADDHDRS | SMFIF_QUARANTINE);
}

TEST(MilterNegotiate, ReplyDecodesAsOptNeg) {
  auto r = negotiate(OptNeg{6, kPostfixActions, kPostfixProtocol}, FilterWants{});
  const Negotiation& n = std::get<Negotiation>(r);
  Decoder d;
  d.feed(n.reply);
  Command c;
  ASSERT_EQ(d.next(c), Decoder::Status::kCommand);
  EXPECT_EQ(std::get<OptNeg>(c), (OptNeg{6, 0, 0}));
}

TEST(MilterNegotiate, MissingRequiredActionFails) {
  FilterWants w;
  w.required_actions = SMFIF_ADDHDRS | SMFIF_CHGFROM;
  auto r = negotiate(OptNeg{6, SMFIF_ADDHDRS, kPostfixProtocol}, w);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("0x40"), std::string::npos);
}

TEST(MilterNegotiate, MissingRequiredProtocolFails) {
  FilterWants w;
  w.required_protocol = SMFIP_RCPT_REJ;
  EXPECT_TRUE(std::holds_alternative<std::string>(negotiate(OptNeg{6, 0x1ff, 0x7f}, w)));
  EXPECT_TRUE(std::holds_alternative<Negotiation>(negotiate(OptNeg{6, 0x1ff, 0x800}, w)));
}

TEST(MilterNegotiate, Versions) {
  EXPECT_TRUE(std::holds_alternative<std::string>(negotiate(OptNeg{1, 0xf, 0x7f}, {})));
  EXPECT_TRUE(std::holds_alternative<std::string>(negotiate(OptNeg{0, 0, 0}, {})));
  auto future = negotiate(OptNeg{9, 0x1ff, 0x1fffff}, {});
  EXPECT_EQ(std::get<Negotiation>(future).granted.version, 6u);
  EXPECT_EQ(std::get<Negotiation>(negotiate(OptNeg{4, 0x3f, 0x3ff}, {})).granted.version, 4u);
}

// The no-reply flags backstop's milter takes (net/milter_filter.cpp): granted by a v6 MTA, so
// it does not wait at CONNECT, HELO and MAIL but still does at RCPT; an older MTA offers none
// of them and waits at every command.
TEST(MilterNegotiate, NoReplyFlagsOnlyWhenOffered) {
  FilterWants w;
  w.optional_protocol = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL;
  auto v6 = std::get<Negotiation>(negotiate(OptNeg{6, kPostfixActions, kPostfixProtocol}, w));
  EXPECT_EQ(v6.granted.protocol, w.optional_protocol);
  EXPECT_FALSE(expects_reply(SMFIC_CONNECT, v6.granted.protocol));
  EXPECT_FALSE(expects_reply(SMFIC_HELO, v6.granted.protocol));
  EXPECT_FALSE(expects_reply(SMFIC_MAIL, v6.granted.protocol));
  EXPECT_TRUE(expects_reply(SMFIC_RCPT, v6.granted.protocol));
  EXPECT_TRUE(expects_reply(SMFIC_DATA, v6.granted.protocol));

  auto v2 = std::get<Negotiation>(negotiate(OptNeg{2, 0x3f, 0x7f}, w));
  EXPECT_EQ(v2.granted.protocol, 0u);
  EXPECT_TRUE(expects_reply(SMFIC_MAIL, v2.granted.protocol));
  // Only NR_MAIL offered (a partial offer): only it is taken.
  auto some = std::get<Negotiation>(negotiate(OptNeg{6, kPostfixActions, SMFIP_NR_MAIL}, w));
  EXPECT_EQ(some.granted.protocol, SMFIP_NR_MAIL);
}

// Lists for several stages travel in the order given, each as u32 stage + names + NUL.
TEST(MilterNegotiate, MacroListsForEveryStageInOrder) {
  FilterWants w;
  w.macros = {{SMFIM_CONNECT, "{daemon_name}"},
              {SMFIM_HELO, "{daemon_name}"},
              {SMFIM_ENVFROM, "{daemon_name} {auth_authen}"},
              {SMFIM_ENVRCPT, "{daemon_name}"}};
  auto n = std::get<Negotiation>(negotiate(OptNeg{6, kPostfixActions, kPostfixProtocol}, w));
  EXPECT_EQ(n.reply.substr(17),
            "\0\0\0\0{daemon_name}\0"
            "\0\0\0\1{daemon_name}\0"
            "\0\0\0\2{daemon_name} {auth_authen}\0"
            "\0\0\0\3{daemon_name}\0"s);
}

TEST(MilterNegotiate, MacroListsOnlyWhenOffered) {
  FilterWants w;
  w.macros = {{SMFIM_CONNECT, "{client_addr} {client_name}"}, {SMFIM_ENVFROM, "{auth_authen}"}};
  auto with = negotiate(OptNeg{6, kPostfixActions, kPostfixProtocol}, w);
  const Negotiation& n = std::get<Negotiation>(with);
  EXPECT_EQ(n.granted.actions, SMFIF_SETSYMLIST);
  EXPECT_EQ(n.macros, w.macros);
  EXPECT_EQ(n.reply.size(), 4u + 1 + 12 + (4 + 28) + (4 + 14));
  EXPECT_NE(n.reply.find("\0\0\0\2{auth_authen}\0"s), std::string::npos);

  auto without = negotiate(OptNeg{6, kPostfixActions & ~SMFIF_SETSYMLIST, kPostfixProtocol}, w);
  const Negotiation& m = std::get<Negotiation>(without);
  EXPECT_EQ(m.granted.actions, 0u);
  EXPECT_TRUE(m.macros.empty());
  EXPECT_EQ(m.reply.size(), 17u);

  w.macros = {{9, "i"}};
  EXPECT_TRUE(std::holds_alternative<std::string>(
      negotiate(OptNeg{6, kPostfixActions, kPostfixProtocol}, w)));
}

}  // namespace
}  // namespace backstop::milter
