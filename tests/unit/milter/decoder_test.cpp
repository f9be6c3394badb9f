// Tests of the milter packet decoder and command parser: every MTA command from hand-made
// bytes, feeding in every split (byte by byte, several packets at once), the packet-length
// limit, and malformed packets, which must end in the error state and never crash.
#include "milter/decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "milter/command.h"

namespace backstop::milter {
namespace {

using namespace std::string_literals;

// A packet from its code and data, framed by hand.
std::string packet(char code, const std::string& data) {
  const uint32_t len = static_cast<uint32_t>(data.size() + 1);
  std::string p;
  p.push_back(static_cast<char>(len >> 24));
  p.push_back(static_cast<char>(len >> 16));
  p.push_back(static_cast<char>(len >> 8));
  p.push_back(static_cast<char>(len));
  p.push_back(code);
  return p + data;
}

// Decodes one whole packet, expecting success.
Command one(const std::string& bytes) {
  Decoder d;
  d.feed(bytes);
  Command c;
  EXPECT_EQ(d.next(c), Decoder::Status::kCommand) << d.error();
  Command more;
  EXPECT_EQ(d.next(more), Decoder::Status::kNeedMore);
  EXPECT_EQ(d.buffered(), 0u);
  return c;
}

std::string bad(const std::string& bytes) {
  Decoder d;
  d.feed(bytes);
  Command c;
  EXPECT_EQ(d.next(c), Decoder::Status::kError) << "decoded code " << command_code(c);
  EXPECT_TRUE(d.failed());
  EXPECT_EQ(d.next(c), Decoder::Status::kError);  // the error state is final
  return d.error();
}

TEST(MilterDecoder, OptNeg) {
  const Command c = one("\0\0\0\x0dO\0\0\0\6\0\0\1\xff\0\x1f\xff\xff"s);
  EXPECT_EQ(std::get<OptNeg>(c), (OptNeg{6, 0x1ff, 0x1fffff}));
  EXPECT_EQ(command_code(c), SMFIC_OPTNEG);
  EXPECT_FALSE(bad(packet('O', "\0\0\0\6\0\0\0\1"s)).empty());  // 8 octets
}

TEST(MilterDecoder, Macro) {
  const Command c = one(packet('D', "Cj\0mx.example\0{daemon_name}\0smtpd\0_\0c [1.2.3.4]\0"s));
  const Macro& m = std::get<Macro>(c);
  EXPECT_EQ(m.for_command, 'C');
  ASSERT_EQ(m.macros.size(), 3u);
  EXPECT_EQ(m.macros[0], (std::pair<std::string, std::string>{"j", "mx.example"}));
  EXPECT_EQ(m.macros[1].first, "{daemon_name}");
  EXPECT_EQ(m.macros[1].second, "smtpd");
  EXPECT_EQ(m.macros[2].first, "_");
  EXPECT_TRUE(std::get<Macro>(one(packet('D', "M"))).macros.empty());
  bad(packet('D', ""));         // no command code
  bad(packet('D', "Ci\0"s));    // name without value
  bad(packet('D', "Ci\0v"s));   // value not terminated
  bad(packet('D', "C\0v\0"s));  // empty name
}

TEST(MilterDecoder, Connect) {
  Connect c4 = std::get<Connect>(one(packet('C',
                                            "mx.example\0"
                                            "4\x01\xbb"
                                            "192.0.2.1\0"s)));
  EXPECT_EQ(c4, (Connect{"mx.example", '4', 443, "192.0.2.1"}));
  Connect c6 = std::get<Connect>(one(packet('C',
                                            "[2001:db8::1]\0"
                                            "6\0\x19"
                                            "2001:db8::1\0"s)));
  EXPECT_EQ(c6.family, '6');
  EXPECT_EQ(c6.port, 25);
  EXPECT_EQ(c6.address, "2001:db8::1");
  Connect cl = std::get<Connect>(one(packet('C', "localhost\0L\0\0/run/sock\0"s)));
  EXPECT_EQ(cl, (Connect{"localhost", 'L', 0, "/run/sock"}));
  Connect cu = std::get<Connect>(one(packet('C', "unknown\0U"s)));
  EXPECT_EQ(cu, (Connect{"unknown", 'U', 0, ""}));
  bad(packet('C', "host"));             // hostname not terminated
  bad(packet('C', "host\0"s));          // no family
  bad(packet('C', "host\0X\0\0a\0"s));  // unknown family
  bad(packet('C',
             "host\0"
             "4\0"s));  // short port
  bad(packet('C',
             "host\0"
             "4\0\x19"
             "1.2.3.4"s));  // address not terminated
  bad(packet('C',
             "host\0"
             "4\0\x19"
             "1.2.3.4\0x"s));      // trailing
  bad(packet('C', "host\0Uxx"s));  // trailing after U
}

TEST(MilterDecoder, HeloMailRcpt) {
  EXPECT_EQ(std::get<Helo>(one(packet('H', "client.example\0"s))).name, "client.example");
  EXPECT_EQ(std::get<Helo>(one(packet('H', "\0"s))).name, "");
  bad(packet('H', ""));
  bad(packet('H', "a\0b\0"s));
  bad(packet('H', "abc"));

  const Mail m = std::get<Mail>(one(packet('M', "<a@b.example>\0SIZE=100\0BODY=8BITMIME\0"s)));
  EXPECT_EQ(m.sender, "<a@b.example>");
  EXPECT_EQ(m.args, (std::vector<std::string>{"SIZE=100", "BODY=8BITMIME"}));
  EXPECT_EQ(std::get<Mail>(one(packet('M', "<>\0"s))), (Mail{"<>", {}}));
  const Rcpt r = std::get<Rcpt>(one(packet('R', "<u@d>\0NOTIFY=NEVER\0"s)));
  EXPECT_EQ(r.recipient, "<u@d>");
  EXPECT_EQ(r.args, (std::vector<std::string>{"NOTIFY=NEVER"}));
  bad(packet('M', ""));
  bad(packet('M', "<a@b>"));
  bad(packet('R', "<a@b>\0x"s));
}

TEST(MilterDecoder, HeaderAndBody) {
  EXPECT_EQ(std::get<Header>(one(packet('L', "Subject\0 hi\0"s))), (Header{"Subject", " hi"}));
  EXPECT_EQ(std::get<Header>(one(packet('L', "X\0\0"s))), (Header{"X", ""}));
  bad(packet('L', "Subject\0"s));
  bad(packet('L', "Subject\0hi"s));
  bad(packet('L', "\0v\0"s));
  bad(packet('L', "a\0b\0c\0"s));
  EXPECT_EQ(std::get<Body>(one(packet('B', "line\r\n\0binary"s))).chunk, "line\r\n\0binary"s);
  EXPECT_EQ(std::get<Body>(one(packet('B', ""))).chunk, "");
  EXPECT_EQ(std::get<EndOfBody>(one(packet('E', ""))).chunk, "");
  EXPECT_EQ(std::get<EndOfBody>(one(packet('E', "last"))).chunk, "last");
}

TEST(MilterDecoder, CommandsWithoutData) {
  EXPECT_TRUE(std::holds_alternative<EndOfHeaders>(one("\0\0\0\1N"s)));
  EXPECT_TRUE(std::holds_alternative<Abort>(one("\0\0\0\1A"s)));
  EXPECT_TRUE(std::holds_alternative<Quit>(one("\0\0\0\1Q"s)));
  EXPECT_TRUE(std::holds_alternative<QuitNewConnection>(one("\0\0\0\1K"s)));
  EXPECT_TRUE(std::holds_alternative<Data>(one("\0\0\0\1T"s)));
  for (char code : {'N', 'A', 'Q', 'K', 'T'}) bad(packet(code, "x"));
  EXPECT_EQ(std::get<Unknown>(one(packet('U', "XFOO bar\0"s))).command, "XFOO bar");
  bad(packet('U', "XFOO"));
}

TEST(MilterDecoder, UnknownCodeAndZeroLength) {
  EXPECT_EQ(bad("\0\0\0\1Z"s), "unknown command code");
  EXPECT_EQ(bad("\0\0\0\0"s), "packet length 0");
}

TEST(MilterDecoder, OversizePacketFailsBeforeItsData) {
  Decoder d(100);
  d.feed("\0\0\0\x65"s);  // 101 > 100
  EXPECT_TRUE(d.failed());
  EXPECT_EQ(d.buffered(), 0u);
  d.feed(std::string(200, 'x'));  // ignored
  EXPECT_EQ(d.buffered(), 0u);
  Command c;
  EXPECT_EQ(d.next(c), Decoder::Status::kError);

  Decoder ok(100);
  ok.feed(packet('B', std::string(99, 'x')));  // exactly the limit
  EXPECT_EQ(ok.next(c), Decoder::Status::kCommand);

  Decoder huge;  // default 1 MiB
  huge.feed("\xff\xff\xff\xff"s);
  EXPECT_TRUE(huge.failed());
  Decoder at_limit;
  at_limit.feed("\0\x10\0\0B"s);  // 1 MiB exactly: waits for the data
  EXPECT_FALSE(at_limit.failed());
  EXPECT_EQ(at_limit.next(c), Decoder::Status::kNeedMore);
  Decoder over;
  over.feed("\0\x10\0\x01"s);
  EXPECT_TRUE(over.failed());
}

std::string conversation() {
  return "\0\0\0\x0dO\0\0\0\6\0\0\1\xff\0\x1f\xff\xff"s + packet('D', "Cj\0mx\0"s) +
         packet('C',
                "h\0"
                "4\0\x19"
                "192.0.2.1\0"s) +
         packet('H', "helo\0"s) + packet('M', "<a@b>\0SIZE=1\0"s) + packet('R', "<c@d>\0"s) +
         "\0\0\0\1T"s + packet('L', "From\0x\0"s) + "\0\0\0\1N"s +
         packet('B', std::string(300, 'b')) + packet('E', "") + "\0\0\0\1A"s + "\0\0\0\1Q"s;
}

const std::vector<char> kConversationCodes = {'O', 'D', 'C', 'H', 'M', 'R', 'T',
                                              'L', 'N', 'B', 'E', 'A', 'Q'};

TEST(MilterDecoder, ManyPacketsInOneFeed) {
  Decoder d;
  d.feed(conversation());
  std::vector<char> codes;
  Command c;
  while (d.next(c) == Decoder::Status::kCommand) codes.push_back(command_code(c));
  EXPECT_FALSE(d.failed());
  EXPECT_EQ(codes, kConversationCodes);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(MilterDecoder, ByteByByteAndEverySplit) {
  const std::string all = conversation();
  for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{7}, size_t{64}}) {
    Decoder d;
    std::vector<char> codes;
    Command c;
    for (size_t pos = 0; pos < all.size(); pos += step) {
      d.feed(std::string_view(all).substr(pos, step));
      while (d.next(c) == Decoder::Status::kCommand) codes.push_back(command_code(c));
      ASSERT_FALSE(d.failed()) << d.error();
      EXPECT_LE(d.buffered(), 300 + 5 + step);
    }
    EXPECT_EQ(codes, kConversationCodes) << "step " << step;
  }
}

TEST(MilterDecoder, ErrorAfterGoodPackets) {
  Decoder d;
  d.feed("\0\0\0\1T"s + packet('H', "no-nul") + "\0\0\0\1Q"s);
  Command c;
  EXPECT_EQ(d.next(c), Decoder::Status::kCommand);
  EXPECT_EQ(d.next(c), Decoder::Status::kError);
  EXPECT_EQ(d.error(), "HELO is not one string");
  EXPECT_EQ(d.next(c), Decoder::Status::kError);
}

TEST(MilterCommand, EncodeRoundTrip) {
  const std::vector<Command> all = {
      OptNeg{6, 0x1ff, 0x1fffff},
      Macro{'R', {{"{rcpt_addr}", "u@d"}, {"i", "ABC"}}},
      Connect{"h", '4', 25, "192.0.2.1"},
      Connect{"h", 'U', 0, ""},
      Helo{"x"},
      Mail{"<a@b>", {"SIZE=1"}},
      Rcpt{"<c@d>", {}},
      Header{"Subject", "x"},
      EndOfHeaders{},
      Body{"abc\0def"s},
      EndOfBody{""},
      Abort{},
      Quit{},
      QuitNewConnection{},
      Data{},
      Unknown{"FOO"},
  };
  for (const Command& c : all) EXPECT_EQ(one(encode_command(c)), c) << command_code(c);
  EXPECT_EQ(encode_command(Helo{"x"}), "\0\0\0\3Hx\0"s);
  EXPECT_EQ(encode_command(Connect{"h", '4', 25, "1.2.3.4"}), packet('C',
                                                                     "h\0"
                                                                     "4\0\x19"
                                                                     "1.2.3.4\0"s));
}

TEST(MilterCommand, ExpectsReply) {
  for (char code : {'D', 'A', 'Q', 'K', 'Z'}) EXPECT_FALSE(expects_reply(code, 0)) << code;
  for (char code : {'O', 'C', 'H', 'M', 'R', 'T', 'U', 'L', 'N', 'B', 'E'})
    EXPECT_TRUE(expects_reply(code, 0)) << code;
  const uint32_t all_nr = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                          SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH |
                          SMFIP_NR_BODY;
  for (char code : {'C', 'H', 'M', 'R', 'T', 'U', 'L', 'N', 'B'})
    EXPECT_FALSE(expects_reply(code, all_nr)) << code;
  EXPECT_TRUE(expects_reply('E', all_nr));
  EXPECT_TRUE(expects_reply('O', all_nr));
  EXPECT_FALSE(expects_reply('L', SMFIP_NR_HDR));
  EXPECT_TRUE(expects_reply('R', SMFIP_NR_HDR));
  EXPECT_TRUE(expects_reply(Command{Rcpt{}}, SMFIP_NR_MAIL));
  EXPECT_FALSE(expects_reply(Command{Rcpt{}}, SMFIP_NR_RCPT));
}

}  // namespace
}  // namespace backstop::milter
