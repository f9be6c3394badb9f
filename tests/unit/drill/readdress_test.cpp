// Unit tests for re-addressing: the To field, the delivery fields, the DSN fields and the
// quoted original are rewritten to the drill's address (and nothing that merely resembles the
// old one), our relay's hop becomes the newest Received of the quoted original (as the
// classifier reads it), and messages that cannot be used are refused with a reason.
#include "drill/readdress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "classify/classifier.h"
#include "core/text.h"

namespace backstop::drill {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A Postfix-style DSN answering spam that forged j.moreau@victim.example, as stored in a
// mailbox (LF line ends, delivery fields on top). Written for these tests.
constexpr std::string_view kBounce =
    "Return-Path: <>\n"
    "Delivered-To: j.moreau@victim.example\n"
    "X-Original-To: j.moreau@victim.example\n"
    "Received: from mx.remote.example (mx.remote.example [198.18.0.9])\n"
    "\tby mx.victim.example (Postfix) with ESMTP id 11; Tue, 12 Mar 2024 09:14:07 +0100\n"
    "From: MAILER-DAEMON@mx.remote.example (Mail Delivery System)\n"
    "To: \"Julie Moreau\" <J.Moreau@Victim.Example>\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"BB\"\n"
    "\n"
    "--BB\n"
    "Content-Type: text/plain\n"
    "\n"
    "Your message to <kpatel@remote.example> from j.moreau@victim.example could not be\n"
    "delivered. Not affected: xj.moreau@victim.example, j.moreau@victim.example.net.\n"
    ".a line that starts with a dot\n"
    "\n"
    "--BB\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.remote.example\n"
    "X-Postfix-Sender: rfc822; j.moreau@victim.example\n"
    "\n"
    "Final-Recipient: rfc822; kpatel@remote.example\n"
    "Original-Recipient: rfc822;j.moreau@victim.example\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "\n"
    "--BB\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Return-Path: <j.moreau@victim.example>\n"
    "Received: from bot.example.net (bot.example.net [62.141.37.200])\n"
    "\tby mx.remote.example (Postfix) with SMTP id 7; Tue, 12 Mar 2024 09:14:05 +0100\n"
    "From: \"Julie\" <j.moreau@victim.example>\n"
    "To: kpatel@remote.example\n"
    "Subject: cheap watches\n"
    "Message-ID: <spam-1@bot.example.net>\n"
    "\n"
    "Buy now.\n"
    "--BB--\n";

constexpr std::string_view kTag = "prvs=1234abcdef=alice@example.org";
constexpr std::string_view kBare = "alice@example.org";

std::string header_of(std::string_view msg) {
  return std::string(msg.substr(0, msg.find("\r\n\r\n")));
}

TEST(Normalize, CrlfMboxLineAndFinalNewline) {
  EXPECT_EQ(normalize("From someone Tue Mar 12\nA: b\n\nx"), "A: b\r\n\r\nx\r\n");
  EXPECT_EQ(normalize("A: b\r\n\r\nx\r\n"), "A: b\r\n\r\nx\r\n");
  EXPECT_EQ(normalize("A: b\r\rx"), "A: b\r\n\r\nx\r\n");
}

TEST(MakeTemplate, RewritesToDsnFieldsAndTheQuotedOriginal) {
  ReaddressInfo info;
  std::string why;
  auto t = make_template(kBounce, &why, &info);
  ASSERT_TRUE(t) << why;
  EXPECT_THAT(info.addressees, ::testing::Contains("j.moreau@victim.example"));
  EXPECT_FALSE(info.to_replaced);
  std::string out = render(*t, kTag, kBare, "X-Drill-Class: backscatter\r\n");
  std::string head = header_of(out);

  EXPECT_THAT(out, StartsWith("X-Drill-Class: backscatter\r\n"));
  // The To field gets the envelope recipient (here the tagged one), display name kept.
  EXPECT_THAT(head, HasSubstr("To: \"Julie Moreau\" <prvs=1234abcdef=alice@example.org>\r\n"));
  // Fields only the final delivery adds are gone (RFC 5321 4.4).
  EXPECT_THAT(head, Not(HasSubstr("Return-Path")));
  EXPECT_THAT(head, Not(HasSubstr("Delivered-To")));
  EXPECT_THAT(head, Not(HasSubstr("X-Original-To")));
  // DSN fields that named the addressee name ours; the remote recipient is left alone.
  EXPECT_THAT(out, HasSubstr("X-Postfix-Sender: rfc822; alice@example.org\r\n"));
  EXPECT_THAT(out, HasSubstr("Original-Recipient: rfc822;alice@example.org\r\n"));
  EXPECT_THAT(out, HasSubstr("Final-Recipient: rfc822; kpatel@remote.example\r\n"));
  // The quoted original was sent "by" our user: bare address there.
  EXPECT_THAT(out, HasSubstr("Return-Path: <alice@example.org>\r\nReceived: from bot"));
  EXPECT_THAT(out, HasSubstr("From: \"Julie\" <alice@example.org>\r\n"));
  EXPECT_THAT(out, HasSubstr("from alice@example.org could not be"));
  // Longer addresses that merely contain the old one are not touched.
  EXPECT_THAT(out, HasSubstr("xj.moreau@victim.example,"));
  EXPECT_THAT(out, HasSubstr("j.moreau@victim.example.net."));
  // Nothing else of the old addressee is left.
  std::string rest = out;
  for (std::string_view keep : {"xj.moreau@victim.example", "j.moreau@victim.example.net"}) {
    size_t at = rest.find(keep);
    ASSERT_NE(at, std::string::npos);
    rest.erase(at, keep.size());
  }
  EXPECT_FALSE(core::icontains(rest, "j.moreau@victim.example")) << rest;
  EXPECT_EQ(info.slots, 6u);  // To, X-Postfix-Sender, Original-Recipient, Return-Path, From, text
  EXPECT_THAT(out, HasSubstr("\r\n.a line that starts with a dot\r\n"));  // stuffing is later
}

TEST(MakeTemplate, TheClassifierStillReadsTheRewrittenBounce) {
  auto classifier = classify::Classifier::create();
  ASSERT_TRUE(classifier);
  auto t = make_template(kBounce);
  ASSERT_TRUE(t);
  auto c = classifier->classify(render(*t, "bob@example.org", "bob@example.org"));
  EXPECT_EQ(c.cls, classify::Class::kBounce);
  EXPECT_EQ(c.original.from, "\"Julie\" <bob@example.org>");
}

TEST(MakeTemplate, ToWithoutAnAddressIsReplacedAndAMissingOneAdded) {
  ReaddressInfo info;
  auto t = make_template("From: a@b.example\nTo: undisclosed-recipients:;\nSubject: x\n\nbody\n",
                         nullptr, &info);
  ASSERT_TRUE(t);
  EXPECT_TRUE(info.to_replaced);
  std::string out = render(*t, "bob@example.org", "bob@example.org");
  EXPECT_THAT(out, HasSubstr("To: bob@example.org\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("undisclosed")));

  t = make_template("From: a@b.example\nSubject: x\n\nbody\n", nullptr, &info);
  ASSERT_TRUE(t);
  EXPECT_TRUE(info.to_replaced);
  out = render(*t, "bob@example.org", "bob@example.org");
  EXPECT_EQ(header_of(out), "From: a@b.example\r\nSubject: x\r\nTo: bob@example.org");
}

TEST(MakeTemplate, TheAddresseeMayComeFromADeliveryFieldAlone) {
  auto t = make_template(
      "Delivered-To: carol@victim.example\nFrom: auto@x.example\nTo: list@x.example\n"
      "Subject: Out of office\n\nI am away; carol@victim.example will answer later.\n");
  ASSERT_TRUE(t);
  std::string out = render(*t, "bob@example.org", "bob@example.org");
  EXPECT_THAT(out, HasSubstr("To: bob@example.org\r\n"));  // named nobody of ours: replaced
  EXPECT_THAT(out, HasSubstr("bob@example.org will answer"));
  EXPECT_THAT(out, Not(HasSubstr("Delivered-To")));
}

TEST(MakeTemplate, RefusesWhatHasNoHeader) {
  std::string why;
  EXPECT_FALSE(make_template("", &why));
  EXPECT_EQ(why, "no header block");
  EXPECT_FALSE(make_template("\n\njust a body\n", &why));
  EXPECT_FALSE(make_template("this is not a header line\nnor this\n", &why));
}

TEST(StripDeliveryFields, OnlyTheTopLevelHeader) {
  std::string in = normalize(
      "Return-Path: <x@y.example>\nSubject: s\nDelivered-To: a@b.example\n"
      "\nReturn-Path: stays in the body\n");
  EXPECT_EQ(strip_delivery_fields(in), "Subject: s\r\n\r\nReturn-Path: stays in the body\r\n");
}

TEST(RelayHop, BecomesTheNewestHopOfTheQuotedOriginal) {
  Relay relay{"out.example.org", *core::parse_ip("198.51.100.77")};
  auto with = insert_relay_hop(normalize(kBounce), relay, "mx.remote.example", "Q1",
                               "Tue, 12 Mar 2024 09:14:04 +0100");
  ASSERT_TRUE(with);
  EXPECT_THAT(*with, HasSubstr("Content-Type: message/rfc822\r\n\r\n"
                               "Received: from out.example.org (out.example.org [198.51.100.77])"
                               "\r\n\tby mx.remote.example with ESMTPS id Q1; Tue, 12 Mar 2024 "
                               "09:14:04 +0100\r\nReturn-Path: <j.moreau@victim.example>"));
  auto t = make_template(*with);
  ASSERT_TRUE(t);
  auto classifier = classify::Classifier::create();
  auto c = classifier->classify(render(*t, "bob@example.org", "bob@example.org"));
  ASSERT_TRUE(c.original.found);
  ASSERT_GE(c.original.received.size(), 2u);
  EXPECT_EQ(c.original.received[0].from_ip, "198.51.100.77");
  EXPECT_EQ(c.original.received[0].from_host, "out.example.org");
  EXPECT_EQ(c.original.received[1].from_ip, "62.141.37.200");
}

TEST(RelayHop, HeadersOnlyPartsWorkEncodedPartsAndNoPartDoNot) {
  Relay relay{"out.example.org", *core::parse_ip("198.51.100.77")};
  std::string headers_only = normalize(
      "From: postmaster@r.example\nTo: a@b.example\nContent-Type: multipart/report; "
      "boundary=\"X\"\n\n--X\nContent-Type: text/rfc822-headers\n\nFrom: a@b.example\n"
      "Subject: s\n\n--X--\n");
  auto with = insert_relay_hop(headers_only, relay, "r.example", "1", "d");
  ASSERT_TRUE(with);
  EXPECT_THAT(*with, HasSubstr("text/rfc822-headers\r\n\r\nReceived: from out.example.org"));

  std::string encoded = normalize(
      "From: postmaster@r.example\nContent-Type: multipart/mixed; boundary=\"X\"\n\n--X\n"
      "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogYQ==\n--X--\n");
  EXPECT_FALSE(insert_relay_hop(encoded, relay, "r.example", "1", "d"));
  EXPECT_FALSE(insert_relay_hop(normalize("From: a@b.example\n\nplain text bounce\n"), relay,
                                "r.example", "1", "d"));
  // "message/global-headers" is a quoted original; "message/rfc822x" is not.
  std::string odd = normalize("From: a@b.example\n\n--X\nContent-Type: message/rfc822x\n\nA: b\n");
  EXPECT_FALSE(insert_relay_hop(odd, relay, "r.example", "1", "d"));
}

TEST(SyntheticDsn, IsABounceWhoseOriginalWeSent) {
  DsnSpec spec{"alice@example.org",
               "gone@remote.example",
               "mx.remote.example",
               rfc5322_date(1710231246),
               "ABC1",
               "Figures"};
  std::string dsn = synthetic_dsn(spec);
  auto classifier = classify::Classifier::create();
  auto c = classifier->classify(dsn);
  EXPECT_EQ(c.cls, classify::Class::kBounce);
  EXPECT_EQ(c.status, "5.1.1");
  ASSERT_TRUE(c.original.found);
  EXPECT_EQ(c.original.from, "alice@example.org");
  ASSERT_EQ(c.recipients.size(), 1u);
  EXPECT_EQ(c.recipients[0], "gone@remote.example");
}

TEST(Rfc5322Date, Format) {
  EXPECT_EQ(rfc5322_date(1795559388), "Tue, 24 Nov 2026 22:29:48 +0000");
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

}  // namespace
}  // namespace backstop::drill
