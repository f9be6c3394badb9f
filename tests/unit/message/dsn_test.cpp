// Unit tests of src/message/dsn.h: RFC 3464 delivery-status fields (section 2.2 per-message,
// 2.3 per-recipient) as MTAs write them, with folding, comments, odd types and hostile input.
#include "message/dsn.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::message {
namespace {

TEST(StripType, RemovesTheTypePrefix) {
  EXPECT_EQ(strip_type("rfc822; kpatel@example.net"), "kpatel@example.net");
  EXPECT_EQ(strip_type("dns;mx.example.net"), "mx.example.net");
  EXPECT_EQ(strip_type("  smtp;  550 5.1.1 User unknown "), "550 5.1.1 User unknown");
  EXPECT_EQ(strip_type("no type here"), "no type here");
  EXPECT_EQ(strip_type(""), "");
  // A semicolon far into the value is part of the text, not a type separator.
  EXPECT_EQ(strip_type("550 this is a long diagnostic; with a semicolon"),
            "550 this is a long diagnostic; with a semicolon");
}

TEST(ParseDeliveryStatus, PostfixReport) {
  DeliveryStatus ds = parse_delivery_status(
      "Reporting-MTA: dns; mx.example.net\n"
      "X-Postfix-Queue-ID: 4TvB0x1QZkz2Bcd\n"
      "Arrival-Date: Tue, 12 Mar 2024 09:14:05 +0100 (CET)\n"
      "\n"
      "Final-Recipient: rfc822; kpatel@example.net\n"
      "Original-Recipient: rfc822;KPatel@Example.NET\n"
      "Action: failed\n"
      "Status: 5.1.1\n"
      "Remote-MTA: dns; Store.Example.NET\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <kpatel@example.net>: Recipient address\n"
      "    rejected: User unknown in local recipient table\n");
  EXPECT_EQ(ds.reporting_mta, "mx.example.net");
  ASSERT_EQ(ds.recipients.size(), 1u);
  const DsnRecipient& r = ds.recipients[0];
  EXPECT_EQ(r.final_recipient, "kpatel@example.net");
  EXPECT_EQ(r.original_recipient, "kpatel@example.net");
  EXPECT_EQ(r.action, "failed");
  EXPECT_EQ(r.status, "5.1.1");
  EXPECT_EQ(r.remote_mta, "store.example.net");
  EXPECT_EQ(r.diagnostic,
            "550 5.1.1 <kpatel@example.net>: Recipient address rejected: User unknown in local "
            "recipient table");
}

TEST(ParseDeliveryStatus, SeveralRecipientsCrlf) {
  DeliveryStatus ds = parse_delivery_status(
      "Reporting-MTA: dns; relay2.example.org\r\n"
      "\r\n"
      "Final-Recipient: RFC822; a@example.org\r\n"
      "Action: failed\r\n"
      "Status: 5.1.1\r\n"
      "\r\n"
      "Final-Recipient: RFC822; b@example.org\r\n"
      "Action: delayed\r\n"
      "Status: 4.4.7\r\n"
      "Will-Retry-Until: Sat, 30 Mar 2024 03:02:11 +0100\r\n"
      "\r\n"
      "\r\n"
      "Final-Recipient: RFC822; c@example.org\r\n"
      "Action: delivered\r\n"
      "Status: 2.0.0\r\n");
  EXPECT_EQ(ds.reporting_mta, "relay2.example.org");
  ASSERT_EQ(ds.recipients.size(), 3u);
  EXPECT_EQ(ds.recipients[1].final_recipient, "b@example.org");
  EXPECT_EQ(ds.recipients[1].action, "delayed");
  EXPECT_EQ(ds.recipients[1].status, "4.4.7");
  EXPECT_EQ(ds.recipients[2].action, "delivered");
  EXPECT_EQ(ds.recipients[2].status, "2.0.0");
}

TEST(ParseDeliveryStatus, CommentsAfterActionAndStatus) {
  DeliveryStatus ds = parse_delivery_status(
      "Reporting-MTA: dns; mx\n\n"
      "Final-Recipient: rfc822; a@example.org\n"
      "Action: Failed (permanent)\n"
      "Status: 5.2.2 (mailbox full)\n");
  ASSERT_EQ(ds.recipients.size(), 1u);
  EXPECT_EQ(ds.recipients[0].action, "failed");
  EXPECT_EQ(ds.recipients[0].status, "5.2.2");
}

TEST(ParseDeliveryStatus, EximOrderAndThreeDigitDetail) {
  // Exim writes Action before Final-Recipient; Exchange uses 5.1.10.
  DeliveryStatus ds = parse_delivery_status(
      "Reporting-MTA: dns; mx2.example.net\n\n"
      "Action: failed\n"
      "Final-Recipient: rfc822;h.ng@example.com\n"
      "Status: 5.1.10\n");
  ASSERT_EQ(ds.recipients.size(), 1u);
  EXPECT_EQ(ds.recipients[0].final_recipient, "h.ng@example.com");
  EXPECT_EQ(ds.recipients[0].status, "5.1.10");
}

TEST(ParseDeliveryStatus, RecipientBlockWithoutFinalRecipient) {
  DeliveryStatus ds = parse_delivery_status(
      "Reporting-MTA: dns; mx\n\nAction: failed\n"
      "Status: 5.0.0\n");
  ASSERT_EQ(ds.recipients.size(), 1u);
  EXPECT_EQ(ds.recipients[0].final_recipient, "");
  EXPECT_EQ(ds.recipients[0].status, "5.0.0");
}

TEST(ParseDeliveryStatus, OddRecipientForms) {
  DeliveryStatus ds = parse_delivery_status(
      "Final-Recipient: rfc822; <Angle@Example.ORG>\nAction: failed\nStatus: 5.1.1\n\n"
      "Final-Recipient: rfc822; |/usr/bin/procmail user@example.org\nAction: failed\n"
      "Status: 5.3.0\n\n"
      "Final-Recipient: untyped@example.org\nAction: failed\nStatus: 5.1.1\n\n"
      "Final-Recipient: utf-8; j\xC3\xBCrgen@example.de\nAction: failed\nStatus: 5.1.1\n");
  ASSERT_EQ(ds.recipients.size(), 4u);
  EXPECT_EQ(ds.recipients[0].final_recipient, "angle@example.org");
  EXPECT_EQ(ds.recipients[1].final_recipient, "user@example.org");
  EXPECT_EQ(ds.recipients[2].final_recipient, "untyped@example.org");
  EXPECT_EQ(ds.recipients[3].final_recipient, "j\xC3\xBCrgen@example.de");
}

TEST(ParseDeliveryStatus, JunkLinesBetweenBlocksAreSkipped) {
  DeliveryStatus ds = parse_delivery_status(
      "garbage line without a colon\n"
      "Reporting-MTA: dns; mx.example.org\n\n"
      "!!! more junk !!!\n"
      "Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n");
  EXPECT_EQ(ds.reporting_mta, "mx.example.org");
  ASSERT_EQ(ds.recipients.size(), 1u);
  EXPECT_EQ(ds.recipients[0].final_recipient, "a@example.org");
}

TEST(ParseDeliveryStatus, MaxRecipients) {
  std::string text = "Reporting-MTA: dns; mx\n\n";
  for (int i = 0; i < 500; ++i)
    text += "Final-Recipient: rfc822; u" + std::to_string(i) +
            "@example.org\nAction: failed\n"
            "Status: 5.1.1\n\n";
  EXPECT_EQ(parse_delivery_status(text).recipients.size(), 100u);
  DeliveryStatus few = parse_delivery_status(text, 3);
  ASSERT_EQ(few.recipients.size(), 3u);
  EXPECT_EQ(few.recipients[2].final_recipient, "u2@example.org");
}

TEST(ParseDeliveryStatus, EmptyAndHostileInput) {
  EXPECT_TRUE(parse_delivery_status("").recipients.empty());
  EXPECT_TRUE(parse_delivery_status("\n\n\r\n \t\n").recipients.empty());
  std::string colons(100000, ':');
  EXPECT_TRUE(parse_delivery_status(colons).recipients.empty());
  std::string newlines(100000, '\n');
  EXPECT_TRUE(parse_delivery_status(newlines).recipients.empty());
  std::string bin;
  for (int i = 0; i < 4096; ++i) bin.push_back(static_cast<char>(i * 37));
  DeliveryStatus ds = parse_delivery_status(bin);
  EXPECT_LE(ds.recipients.size(), 100u);
}

}  // namespace
}  // namespace backstop::message
