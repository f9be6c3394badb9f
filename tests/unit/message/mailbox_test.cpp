// Unit tests of src/message/mailbox.h: recognising an mbox (RFC 4155) and splitting it into
// messages without their "From " separator lines.
#include "message/mailbox.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::message {
namespace {

TEST(LooksLikeMbox, FromLineWithSenderAndDate) {
  EXPECT_TRUE(looks_like_mbox("From MAILER-DAEMON  Mon Apr 22 07:30:02 2024\nReturn-Path: <>\n"));
  EXPECT_TRUE(looks_like_mbox("From a@example.org Mon Apr 22 07:30:02 2024\r\n"));
  EXPECT_TRUE(looks_like_mbox("From a@example.org Mon Apr 22 07:30:02 2024"));
}

TEST(LooksLikeMbox, RejectsMessagesAndFragments) {
  EXPECT_FALSE(looks_like_mbox(""));
  EXPECT_FALSE(looks_like_mbox("From: a@example.org\nSubject: x\n"));
  EXPECT_FALSE(looks_like_mbox("From a@example.org\n"));
  EXPECT_FALSE(looks_like_mbox("Return-Path: <>\nFrom x y z\n"));
  EXPECT_FALSE(looks_like_mbox(" From a b c\n"));
}

TEST(SplitMbox, TwoMessagesWithoutSeparators) {
  std::string mbox =
      "From MAILER-DAEMON Mon Apr 22 07:30:02 2024\n"
      "Subject: one\n\nbody one\n\n"
      "From a@example.org Mon Apr 22 08:15:40 2024\n"
      "Subject: two\n\nbody two\n";
  auto msgs = split_mbox(mbox);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0], "Subject: one\n\nbody one\n\n");
  EXPECT_EQ(msgs[1], "Subject: two\n\nbody two\n");
}

TEST(SplitMbox, FromInsideAParagraphDoesNotSplit) {
  std::string mbox =
      "From a@example.org Mon Apr 22 07:30:02 2024\n"
      "Subject: one\n\nline\nFrom here on it gets better\n>From quoted\n";
  auto msgs = split_mbox(mbox);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].find("From here on"), std::string_view::npos);
  EXPECT_NE(msgs[0].find(">From quoted"), std::string_view::npos);
}

TEST(SplitMbox, CrlfSeparators) {
  std::string mbox =
      "From a Mon Apr 22 07:30:02 2024\r\nSubject: one\r\n\r\nx\r\n\r\n"
      "From b Mon Apr 22 07:30:03 2024\r\nSubject: two\r\n\r\ny\r\n";
  auto msgs = split_mbox(mbox);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1], "Subject: two\r\n\r\ny\r\n");
}

TEST(SplitMbox, EmptyMessagesAndNoSeparators) {
  EXPECT_TRUE(split_mbox("").empty());
  EXPECT_TRUE(split_mbox("Subject: not an mbox\n\nbody\n").empty());
  auto msgs = split_mbox("From a b c\n\nFrom d e f\n");
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0], "\n");
  EXPECT_EQ(msgs[1], "");
}

TEST(SplitMbox, LastLineWithoutNewline) {
  auto msgs = split_mbox("From a b c\nSubject: x");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], "Subject: x");
}

TEST(SplitMbox, ManyMessages) {
  std::string mbox;
  for (int i = 0; i < 1000; ++i)
    mbox += "From u" + std::to_string(i) +
            "@example.org Mon Apr 22 07:30:02 2024\nSubject: " + std::to_string(i) + "\n\nbody\n\n";
  auto msgs = split_mbox(mbox);
  ASSERT_EQ(msgs.size(), 1000u);
  EXPECT_EQ(msgs[999].substr(0, 12), "Subject: 999");
}

}  // namespace
}  // namespace backstop::message
