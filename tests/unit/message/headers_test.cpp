// Unit tests of src/message/headers.h: the Headers list, parse_header_block on header blocks
// written as text (folding, mbox "From " lines, limits), find_header_block on originals quoted
// inside bounce prose, and decode_words on RFC 2047 encoded words.
#include "message/headers.h"

#include <gtest/gtest.h>

#include <string>

#include "message/mime.h"

namespace backstop::message {
namespace {

TEST(Headers, GetIsCaseInsensitiveAndReturnsTheFirst) {
  Headers h;
  h.add("Received", "from a by b");
  h.add("Subject", "hello");
  h.add("RECEIVED", "from c by d");
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(*h.get("received"), "from a by b");
  EXPECT_EQ(h.get_or_empty("SUBJECT"), "hello");
  EXPECT_EQ(h.get_or_empty("X-Missing"), "");
  EXPECT_FALSE(h.get("X-Missing"));
  EXPECT_TRUE(h.has("subject"));
  auto all = h.all("Received");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], "from c by d");
  EXPECT_TRUE(h.all("Nope").empty());
  EXPECT_FALSE(h.empty());
  EXPECT_TRUE(Headers().empty());
}

TEST(ParseHeaderBlock, FieldsAndBodyOffset) {
  std::string text = "From: a@example.org\nSubject: hi\n\nbody line\n";
  HeaderBlock b = parse_header_block(text);
  EXPECT_TRUE(b.complete);
  ASSERT_EQ(b.headers.size(), 2u);
  EXPECT_EQ(b.headers.fields()[0].name, "From");
  EXPECT_EQ(b.headers.fields()[0].value, "a@example.org");
  EXPECT_EQ(text.substr(b.body_offset), "body line\n");
}

TEST(ParseHeaderBlock, CrlfAndFoldedValues) {
  std::string text =
      "Received: from mx.example.org (mx.example.org [62.141.37.21])\r\n"
      "\tby mail.example.com (Postfix) with ESMTPS id 7C1A23E0F2\r\n"
      "\tfor <j@example.com>; Tue, 12 Mar 2024 09:14:07 +0100\r\n"
      "Subject:   spaced   \r\n"
      "\r\n"
      "Body";
  HeaderBlock b = parse_header_block(text);
  EXPECT_TRUE(b.complete);
  ASSERT_EQ(b.headers.size(), 2u);
  EXPECT_EQ(b.headers.get_or_empty("Received"),
            "from mx.example.org (mx.example.org [62.141.37.21]) by mail.example.com (Postfix) "
            "with ESMTPS id 7C1A23E0F2 for <j@example.com>; Tue, 12 Mar 2024 09:14:07 +0100");
  EXPECT_EQ(b.headers.get_or_empty("Subject"), "spaced");
  EXPECT_EQ(text.substr(b.body_offset), "Body");
}

TEST(ParseHeaderBlock, SkipsALeadingMboxFromLine) {
  HeaderBlock b = parse_header_block(
      "From sales@example.com Fri Apr 05 13:22:05 2024\n"
      "Subject: x\n\n");
  ASSERT_EQ(b.headers.size(), 1u);
  EXPECT_EQ(b.headers.get_or_empty("Subject"), "x");
}

TEST(ParseHeaderBlock, ANonHeaderLineEndsTheBlock) {
  std::string text = "Subject: x\nDate: today\nThis is prose, not a field.\nTo: y\n";
  HeaderBlock b = parse_header_block(text);
  EXPECT_FALSE(b.complete);
  EXPECT_EQ(b.headers.size(), 2u);
  EXPECT_EQ(text.substr(b.body_offset, 4), "This");
}

TEST(ParseHeaderBlock, NoBlankLineMeansIncomplete) {
  std::string text = "Subject: x\nTo: y";
  HeaderBlock b = parse_header_block(text);
  EXPECT_FALSE(b.complete);
  EXPECT_EQ(b.headers.size(), 2u);
  EXPECT_EQ(b.body_offset, text.size());
}

TEST(ParseHeaderBlock, WhitespaceOnlyLineIsBlank) {
  HeaderBlock b = parse_header_block("Subject: x\n \t\nbody");
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(b.headers.size(), 1u);
}

TEST(ParseHeaderBlock, ContinuationBeforeAnyFieldIsIgnored) {
  HeaderBlock b = parse_header_block("  orphan continuation\nSubject: x\n\n");
  EXPECT_EQ(b.headers.size(), 1u);
  EXPECT_EQ(b.headers.get_or_empty("Subject"), "x");
}

TEST(ParseHeaderBlock, EmptyValueAndNamesWithDigitsAndDots) {
  HeaderBlock b = parse_header_block("X-MS-Has-Attach:\nX-Spam.Score_2: 1.5\n\n");
  ASSERT_EQ(b.headers.size(), 2u);
  EXPECT_EQ(b.headers.get_or_empty("X-MS-Has-Attach"), "");
  EXPECT_EQ(b.headers.get_or_empty("X-Spam.Score_2"), "1.5");
}

TEST(ParseHeaderBlock, MaxHeadersKeepsTheFirstOnes) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "X-H" + std::to_string(i) + ": v\n";
  text += "\nbody";
  HeaderBlock b = parse_header_block(text, 10);
  EXPECT_EQ(b.headers.size(), 10u);
  EXPECT_TRUE(b.headers.has("X-H9"));
  EXPECT_FALSE(b.headers.has("X-H10"));
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(text.substr(b.body_offset), "body");
}

TEST(ParseHeaderBlock, EmptyAndBinaryInput) {
  EXPECT_TRUE(parse_header_block("").headers.empty());
  std::string bin("\0\xff\xfe:\x01\n\n", 7);
  HeaderBlock b = parse_header_block(bin);
  EXPECT_TRUE(b.headers.empty());
  EXPECT_LE(b.body_offset, bin.size());
}

TEST(FindHeaderBlock, FindsAnOriginalQuotedAfterProse) {
  std::string text =
      "Hi. This is the qmail-send program at mail.example.org.\n"
      "<r.lindqvist@example.org>:\n"
      "Sorry, no mailbox here by that name. (#5.1.1)\n"
      "\n"
      "--- Below this line is a copy of the message.\n"
      "\n"
      "Return-Path: <newsletter@example.com>\n"
      "Received: from unknown (HELO user-pc) (109.173.5.66)\n"
      "  by mail.example.org with SMTP; 14 Mar 2024 02:05:50 -0000\n"
      "Message-ID: <000d01da75af@user-pc>\n"
      "Subject: Your account bonus is waiting\n"
      "\n"
      "Claim your bonus today\n";
  auto b = find_header_block(text);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->complete);
  EXPECT_EQ(b->headers.get_or_empty("Message-ID"), "<000d01da75af@user-pc>");
  EXPECT_EQ(b->headers.all("Received").size(), 1u);
  EXPECT_EQ(text.substr(b->body_offset), "Claim your bonus today\n");
}

TEST(FindHeaderBlock, OneIdentifyingFieldInProseIsNotEnough) {
  EXPECT_FALSE(find_header_block("Please look at this.\nSubject: the meeting\nThanks\n"));
  EXPECT_FALSE(find_header_block("X-Foo: 1\nX-Bar: 2\n\n"));
  EXPECT_FALSE(find_header_block(""));
}

TEST(FindHeaderBlock, PicksTheRunWithMostIdentifyingFields) {
  std::string text =
      "Reporting-MTA: dns; mx.example.net\n"
      "Subject: short run\n"
      "Date: Tue, 12 Mar 2024\n"
      "\n"
      "Received: from a by b; Tue, 12 Mar 2024\n"
      "From: x@example.org\n"
      "To: y@example.org\n"
      "Subject: long run\n"
      "Message-ID: <id@example.org>\n"
      "\n";
  auto b = find_header_block(text);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->headers.get_or_empty("Subject"), "long run");
}

TEST(FindHeaderBlock, HonoursMaxHeaders) {
  std::string text = "prose\n";
  for (int i = 0; i < 30; ++i) text += "Received: from h" + std::to_string(i) + " by x\n";
  auto b = find_header_block(text, 5);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->headers.size(), 5u);
}

class DecodeWords : public ::testing::Test {
 protected:
  void SetUp() override { init_mime(); }
};

TEST_F(DecodeWords, PlainTextIsUnchanged) {
  EXPECT_EQ(decode_words("Undelivered Mail Returned to Sender"),
            "Undelivered Mail Returned to Sender");
  EXPECT_EQ(decode_words(""), "");
}

TEST_F(DecodeWords, QuotedPrintableLatin1) {
  EXPECT_EQ(decode_words("=?iso-8859-1?Q?Abwesenheitsnotiz:_Ihre_Bestellung?="),
            "Abwesenheitsnotiz: Ihre Bestellung");
  EXPECT_EQ(decode_words("=?ISO-8859-1?Q?Gr=FC=DFe?="),
            "Gr\xC3\xBC\xC3\x9F"
            "e");
}

TEST_F(DecodeWords, Base64Utf8AndAdjacentWords) {
  EXPECT_EQ(decode_words("=?UTF-8?B?w4RyZ2Vy?="), "\xC3\x84rger");
  EXPECT_EQ(decode_words("=?UTF-8?Q?a?= =?UTF-8?Q?b?="), "ab");  // RFC 2047 6.2
  EXPECT_EQ(decode_words("Re: =?UTF-8?Q?caf=C3=A9?= tomorrow"), "Re: caf\xC3\xA9 tomorrow");
}

TEST_F(DecodeWords, InvalidWordsDoNotCrash) {
  for (std::string_view v : {"=?", "=?utf-8?", "=?utf-8?X?abc?=", "=?bogus-charset?Q?abc?=",
                             "=?utf-8?B?!!!?=", "=?=?=?=?"}) {
    std::string out = decode_words(v);
    EXPECT_LE(out.size(), 4 * v.size() + 16) << v;
  }
}

}  // namespace
}  // namespace backstop::message
