// Byte-exact tests of the milter reply encoders against hand-computed packets (4-octet
// big-endian length of code + data, code, data), and their refusals of unsendable input.
#include "milter/reply.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::milter {
namespace {

using namespace std::string_literals;

TEST(MilterReply, RepliesWithoutData) {
  EXPECT_EQ(encode_continue(), "\0\0\0\1c"s);
  EXPECT_EQ(encode_accept(), "\0\0\0\1a"s);
  EXPECT_EQ(encode_reject(), "\0\0\0\1r"s);
  EXPECT_EQ(encode_tempfail(), "\0\0\0\1t"s);
  EXPECT_EQ(encode_discard(), "\0\0\0\1d"s);
  EXPECT_EQ(encode_progress(), "\0\0\0\1p"s);
  EXPECT_EQ(encode_skip(), "\0\0\0\1s"s);
  EXPECT_EQ(encode_shutdown(), "\0\0\0\0014"s);
  EXPECT_EQ(encode_conn_fail(), "\0\0\0\1f"s);
}

TEST(MilterReply, ReplyCode) {
  // "550 5.7.1 go away" is 17 octets + NUL = 18, + code = 19 = 0x13.
  EXPECT_EQ(encode_replycode(550, "5.7.1", "go away"), "\0\0\0\x13y550 5.7.1 go away\0"s);
  EXPECT_EQ(encode_replycode(core::Reply{451, "4.7.1", "later"}), "\0\0\0\x11y451 4.7.1 later\0"s);
  // No enhanced code: the class's x.0.0, because Postfix insists on one.
  EXPECT_EQ(*format_reply_text(554, "", {"no"}), "554 5.0.0 no");
  EXPECT_EQ(*format_reply_text(421, "", {}), "421 4.0.0");
  EXPECT_EQ(*format_reply_text(550, "5.1.1", {""}), "550 5.1.1");
}

TEST(MilterReply, ReplyCodeEscapesAndSanitizes) {
  EXPECT_EQ(*format_reply_text(550, "5.7.1", {"100% sure"}), "550 5.7.1 100%% sure");
  EXPECT_EQ(*format_reply_text(550, "5.7.1", {"%%"}), "550 5.7.1 %%%%");
  EXPECT_EQ(*format_reply_text(550, "5.7.1", {"a\r\nb\0c"s}), "550 5.7.1 a  b c");
  EXPECT_EQ(*format_reply_text(550, "5.7.1", {"trailing\r\n"}), "550 5.7.1 trailing");
  const std::string packet = *encode_replycode(550, "5.7.1", "x\ny");
  EXPECT_EQ(packet.find('\n'), std::string::npos);
  EXPECT_EQ(packet.find('\0', 5), packet.size() - 1);  // the only NUL is the terminator
}

TEST(MilterReply, ReplyCodeMultiLine) {
  EXPECT_EQ(*format_reply_text(550, "5.7.1", {"first", "second", "third"}),
            "550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third");
  std::vector<std::string> many(40, "l");
  const std::string text = *format_reply_text(450, "4.2.0", many);
  size_t lines = 1;
  for (size_t p = 0; (p = text.find("\r\n", p)) != std::string::npos; p += 2) ++lines;
  EXPECT_EQ(lines, kMaxReplyLines);
  EXPECT_EQ(text.substr(text.rfind("\r\n") + 2), "450 4.2.0 l");
}

TEST(MilterReply, ReplyCodeLengthCap) {
  const std::string text = *format_reply_text(550, "5.7.1", {std::string(2000, 'a')});
  EXPECT_EQ(text.size(), kMaxReplyLine);
  // A "%%" pair is never split at the cut.
  const std::string pct = *format_reply_text(550, "5.7.1", {std::string(600, '%')});
  EXPECT_LE(pct.size(), kMaxReplyLine);
  EXPECT_EQ((pct.size() - 10) % 2, 0u);
  // Nor is a UTF-8 sequence: 10 prefix octets, then 250 two-octet characters fill exactly
  // 510; with one ASCII octet first the last character cannot fit and is dropped whole.
  std::string utf8 = "x";
  for (int i = 0; i < 300; ++i) utf8 += "\xc3\xa9";
  const std::string cut = *format_reply_text(550, "5.7.1", {utf8});
  EXPECT_EQ(cut.size(), 509u);
  EXPECT_EQ(static_cast<unsigned char>(cut.back()), 0xa9);
}

TEST(MilterReply, ReplyCodeRefusesBadCodes) {
  EXPECT_FALSE(encode_replycode(250, "2.0.0", "ok"));
  EXPECT_FALSE(encode_replycode(399, "", "x"));
  EXPECT_FALSE(encode_replycode(600, "", "x"));
  EXPECT_FALSE(encode_replycode(550, "4.7.1", "class differs"));
  EXPECT_FALSE(encode_replycode(550, "5.7", "short"));
  EXPECT_FALSE(encode_replycode(550, "5.7.1234", "long detail"));
  EXPECT_FALSE(encode_replycode(550, "5..1", "empty subject"));
  EXPECT_FALSE(encode_replycode(550, "5.7.1 ", "space"));
  EXPECT_TRUE(encode_replycode(550, "5.700.123", "three digits"));
}

TEST(MilterReply, HeaderEdits) {
  EXPECT_EQ(*encode_addheader("X-Backstop", "ok"), "\0\0\0\x0fhX-Backstop\0ok\0"s);
  EXPECT_EQ(*encode_insheader(0, "X-A", "v"), "\0\0\0\x0bi\0\0\0\0X-A\0v\0"s);
  EXPECT_EQ(*encode_chgheader(2, "Subject", ""), "\0\0\0\x0em\0\0\0\2Subject\0\0"s);
  EXPECT_EQ(*encode_insheader(0x01020304, "A", ""), "\0\0\0\x08i\1\2\3\4A\0\0"s);
  // Folding: LF followed by whitespace.
  EXPECT_TRUE(encode_addheader("X-Long", "a\n\tb\n c"));
  EXPECT_FALSE(encode_addheader("X-Bad", "a\nb"));
  EXPECT_FALSE(encode_addheader("X-Bad", "a\n"));
  EXPECT_FALSE(encode_addheader("X-Bad", "a\r\n b"));
  EXPECT_FALSE(encode_addheader("X-Bad", "a\0b"s));
  EXPECT_FALSE(encode_addheader("", "v"));
  EXPECT_FALSE(encode_addheader("X Bad", "v"));
  EXPECT_FALSE(encode_addheader("X:Bad", "v"));
  EXPECT_FALSE(encode_chgheader(1, "X\x80", "v"));
  EXPECT_FALSE(encode_insheader(1, "X\n", "v"));
}

TEST(MilterReply, EnvelopeEdits) {
  EXPECT_EQ(*encode_chgfrom("<a@b>"),
            "\0\0\0\x07"
            "e<a@b>\0"s);
  EXPECT_EQ(*encode_chgfrom("<a@b>", "SIZE=1"),
            "\0\0\0\x0e"
            "e<a@b>\0SIZE=1\0"s);
  EXPECT_EQ(*encode_addrcpt("<r@x>"), "\0\0\0\x07+<r@x>\0"s);
  EXPECT_EQ(*encode_addrcpt_par("<r@x>", "NOTIFY=NEVER"),
            "\0\0\0\x14"
            "2<r@x>\0NOTIFY=NEVER\0"s);
  EXPECT_EQ(*encode_addrcpt_par("<r@x>"),
            "\0\0\0\x07"
            "2<r@x>\0"s);
  EXPECT_EQ(*encode_delrcpt("<r@x>"), "\0\0\0\x07-<r@x>\0"s);
  EXPECT_FALSE(encode_chgfrom(""));
  EXPECT_FALSE(encode_addrcpt("<a@b>\r\nRCPT TO:<c@d>"));
  EXPECT_FALSE(encode_delrcpt("a\0b"s));
  EXPECT_FALSE(encode_chgfrom("<a@b>", "X=\n"));
}

TEST(MilterReply, QuarantineAndBody) {
  EXPECT_EQ(*encode_quarantine("storm"), "\0\0\0\x07qstorm\0"s);
  EXPECT_FALSE(encode_quarantine(""));
  EXPECT_FALSE(encode_quarantine("a\nb"));
  EXPECT_EQ(*encode_replbody("hi\r\n"),
            "\0\0\0\x05"
            "bhi\r\n"s);
  EXPECT_TRUE(encode_replbody(std::string(kChunkSize, 'x')));
  EXPECT_FALSE(encode_replbody(std::string(kChunkSize + 1, 'x')));
}

TEST(MilterReply, OptNeg) {
  EXPECT_EQ(*encode_optneg(OptNeg{6, SMFIF_ADDHDRS, SMFIP_NOUNKNOWN | SMFIP_RCPT_REJ}),
            "\0\0\0\x0dO\0\0\0\6\0\0\0\1\0\0\x09\0"s);
  // With macro lists: u32 stage + NUL-terminated names, per list.
  EXPECT_EQ(*encode_optneg(OptNeg{6, SMFIF_SETSYMLIST, 0},
                           {{SMFIM_CONNECT, "{client_addr} j"}, {SMFIM_EOM, "i"}}),
            "\0\0\0\x27O\0\0\0\6\0\0\1\0\0\0\0\0"
            "\0\0\0\0{client_addr} j\0"
            "\0\0\0\5i\0"s);
  EXPECT_FALSE(encode_optneg(OptNeg{}, {{7, "i"}}));
  EXPECT_FALSE(encode_optneg(OptNeg{}, {{SMFIM_HELO, "a\nb"}}));
}

}  // namespace
}  // namespace backstop::milter
