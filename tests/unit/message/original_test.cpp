// Unit tests of src/message/original.h: the origin reading of a Received chain, URL hosts in a
// body, Message-ID extraction, and recovery of the original from attached and quoted forms.
#include "message/original.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace backstop::message {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(OriginIp, EmptyChain) {
  EXPECT_EQ(origin_ip({}), "");
}

TEST(OriginIp, PrivateInternalHopThenPublicHop) {
  // Newest first: the public relay hop, then the sender's LAN hop.
  std::vector<Hop> chain = {{"smtp-out.example.org", "62.141.37.200", "mx.example.net"},
                            {"ws-pc17.lan.example.org", "192.168.10.45", "smtp-out.example.org"}};
  EXPECT_EQ(origin_ip(chain), "62.141.37.200");
}

TEST(OriginIp, TheOldestPublicHopWins) {
  std::vector<Hop> chain = {{"relay2", "85.1.2.3", "mx"},
                            {"relay1", "62.141.37.200", "relay2"},
                            {"bot", "109.173.5.66", "relay1"},
                            {"lan", "10.0.0.23", "bot"}};
  EXPECT_EQ(origin_ip(chain), "109.173.5.66");
}

TEST(OriginIp, HopsWithoutAddressOrSpecialPurposeAreSkipped) {
  std::vector<Hop> chain = {{"relay", "37.120.160.11", "mx"}, {"local", "", "relay"},
                            {"loop", "127.0.0.1", "local"},   {"doc", "203.0.113.9", "loop"},
                            {"cgnat", "100.64.3.3", "doc"},   {"bad", "not-an-ip", "cgnat"}};
  EXPECT_EQ(origin_ip(chain), "37.120.160.11");
}

TEST(OriginIp, AllPrivateMeansUnknown) {
  std::vector<Hop> chain = {{"a", "10.1.1.1", "b"}, {"c", "172.16.0.2", "a"}, {"d", "", "c"}};
  EXPECT_EQ(origin_ip(chain), "");
}

TEST(OriginIp, PublicIpv6) {
  std::vector<Hop> chain = {{"a", "2a01:4f8:c0c:1234::1", "b"}, {"c", "fd00::5", "a"}};
  EXPECT_EQ(origin_ip(chain), "2a01:4f8:c0c:1234::1");
}

TEST(FindUrlHosts, SchemesAndBareWww) {
  EXPECT_THAT(find_url_hosts("Order now at http://spam-shop.example.net/buy?id=8812 or "
                             "HTTPS://Deals.Example.ORG/watches/ or ftp://files.example.com/x "
                             "or www.cheap.example.net/page"),
              ElementsAre("spam-shop.example.net", "deals.example.org", "files.example.com",
                          "www.cheap.example.net"));
}

TEST(FindUrlHosts, DistinctAndBounded) {
  EXPECT_THAT(find_url_hosts("http://a.example.net/1 http://A.example.net/2 http://b.example.net"),
              ElementsAre("a.example.net", "b.example.net"));
  std::string many;
  for (int i = 0; i < 100; ++i) many += "http://h" + std::to_string(i) + ".example.net/ ";
  EXPECT_EQ(find_url_hosts(many).size(), 32u);
  EXPECT_EQ(find_url_hosts(many, 5).size(), 5u);
}

TEST(FindUrlHosts, UserinfoPortsAndTrailingPunctuation) {
  EXPECT_THAT(find_url_hosts("http://evil.example.net:8080/x"), ElementsAre("evil.example.net"));
  EXPECT_THAT(find_url_hosts("http://victim.example.org@evil.example.net/x"),
              ElementsAre("evil.example.net"));
  EXPECT_THAT(find_url_hosts("see http://example.org. and (http://b.example.org)"),
              ElementsAre("example.org", "b.example.org"));
}

TEST(FindUrlHosts, IpHostsAndNonHosts) {
  EXPECT_THAT(find_url_hosts("http://85.1.2.3/login"), ElementsAre("85.1.2.3"));
  EXPECT_THAT(find_url_hosts("http://localhost/ and http:// and https:///x"), IsEmpty());
  EXPECT_THAT(find_url_hosts("xwww.example.com and swww.example.org"), IsEmpty());
  EXPECT_THAT(find_url_hosts(""), IsEmpty());
}

TEST(FindUrlHosts, HtmlAttributes) {
  EXPECT_THAT(find_url_hosts("<a href=\"https://invoice-portal.example.net/login\">portal</a>"),
              ElementsAre("invoice-portal.example.net"));
}

TEST(ExtractMessageId, Forms) {
  EXPECT_EQ(extract_message_id("<a81f93c2e4b7@ws-pc17.lan.example.org>"),
            "a81f93c2e4b7@ws-pc17.lan.example.org");
  EXPECT_EQ(extract_message_id("  <id@example.org> (added by relay)"), "id@example.org");
  EXPECT_EQ(extract_message_id("<first@example.org> <second@example.org>"), "first@example.org");
  EXPECT_EQ(extract_message_id("bare@example.org"), "bare@example.org");
  EXPECT_EQ(extract_message_id("bare@example.org trailing"), "bare@example.org");
  EXPECT_EQ(extract_message_id("<unterminated@example.org"), "unterminated@example.org");
  EXPECT_EQ(extract_message_id("< spaced@example.org >"), "spaced@example.org");
  EXPECT_EQ(extract_message_id(""), "");
  EXPECT_EQ(extract_message_id("<>"), "");
}

class RecoverOriginal : public ::testing::Test {
 protected:
  void SetUp() override { init_mime(); }
};

TEST_F(RecoverOriginal, FromAnAttachedMessage) {
  ParsedMessage m;
  AttachedMessage a;
  a.headers.add("Received",
                "from smtp-out.example.org (smtp-out.example.org [62.141.37.200]) "
                "by mx.example.net (Postfix); Tue, 12 Mar 2024");
  a.headers.add("Received", "from ws-pc17 (unknown [192.168.10.45]) by smtp-out.example.org; x");
  a.headers.add("Return-Path", "<j.moreau@example.com>");
  a.headers.add("From", "\"Julie Moreau\" <j.moreau@example.com>");
  a.headers.add("To", "kpatel@example.net");
  a.headers.add("Subject", "=?UTF-8?Q?Cheap_watches?=");
  a.headers.add("Date", "Tue, 12 Mar 2024 09:13:58 +0100");
  a.headers.add("Message-ID", "<a81f93c2e4b7@ws-pc17.lan.example.org>");
  a.body_text = "Order at http://spam-shop.example.net/buy\n";
  m.attached.push_back(a);
  Original o = recover_original(m);
  EXPECT_TRUE(o.found);
  EXPECT_FALSE(o.headers_only);
  EXPECT_EQ(o.message_id, "a81f93c2e4b7@ws-pc17.lan.example.org");
  EXPECT_EQ(o.from, "\"Julie Moreau\" <j.moreau@example.com>");
  EXPECT_EQ(o.to, "kpatel@example.net");
  EXPECT_EQ(o.subject, "Cheap watches");
  EXPECT_EQ(o.date, "Tue, 12 Mar 2024 09:13:58 +0100");
  EXPECT_EQ(o.return_path, "<j.moreau@example.com>");
  ASSERT_EQ(o.received.size(), 2u);
  EXPECT_EQ(o.received[0], (Hop{"smtp-out.example.org", "62.141.37.200", "mx.example.net"}));
  EXPECT_EQ(o.received[1].from_ip, "192.168.10.45");
  EXPECT_EQ(o.origin_ip, "62.141.37.200");
  EXPECT_THAT(o.urls, ElementsAre("spam-shop.example.net"));
}

TEST_F(RecoverOriginal, PrefersAFullMessageOverHeadersOnly) {
  ParsedMessage m;
  AttachedMessage h;
  h.headers_only = true;
  h.headers.add("Message-ID", "<headers-only@example.org>");
  AttachedMessage full;
  full.headers.add("Message-ID", "<full@example.org>");
  full.body_text = "body";
  m.attached = {h, full};
  Original o = recover_original(m);
  EXPECT_EQ(o.message_id, "full@example.org");
  EXPECT_FALSE(o.headers_only);
}

TEST_F(RecoverOriginal, SkipsAttachmentsThatIdentifyNothing) {
  ParsedMessage m;
  AttachedMessage junk;
  junk.headers.add("Content-Type", "text/plain");
  m.attached.push_back(junk);
  EXPECT_FALSE(recover_original(m).found);
}

TEST_F(RecoverOriginal, XOriginatingIpWhenNoHopIsPublic) {
  ParsedMessage m;
  AttachedMessage a;
  a.headers.add("Received", "from webmail (localhost [127.0.0.1]) by mail.example.org; x");
  a.headers.add("X-Originating-IP", "[81.2.69.160]");
  a.headers.add("Message-ID", "<webmail.1@example.org>");
  m.attached.push_back(a);
  EXPECT_EQ(recover_original(m).origin_ip, "81.2.69.160");
}

TEST_F(RecoverOriginal, QuotedInlineInTheNoticeText) {
  ParsedMessage m;
  Part p;
  p.type = "text/plain";
  p.text =
      "Hi. This is the qmail-send program at mail.example.org.\n\n"
      "--- Below this line is a copy of the message.\n\n"
      "Received: from unknown (HELO user-pc) (109.173.5.66)\n"
      "  by mail.example.org with SMTP; 14 Mar 2024 02:05:50 -0000\n"
      "Message-ID: <000d01da75af$3c1e2b40@user-pc>\n"
      "From: \"Newsletter\" <newsletter@example.com>\n"
      "Subject: Your account bonus is waiting\n\n"
      "Claim it: http://bonus-claim.example.net/r/77a1\n";
  m.parts.push_back(p);
  Original o = recover_original(m);
  EXPECT_TRUE(o.found);
  EXPECT_FALSE(o.headers_only);
  EXPECT_EQ(o.message_id, "000d01da75af$3c1e2b40@user-pc");
  EXPECT_EQ(o.origin_ip, "109.173.5.66");
  EXPECT_THAT(o.urls, ElementsAre("bonus-claim.example.net"));
}

TEST_F(RecoverOriginal, QuotedHeadersWithoutBodyAreHeadersOnly) {
  ParsedMessage m;
  Part p;
  p.type = "text/plain";
  p.text = "The headers were:\n\nMessage-ID: <x@example.org>\nSubject: Document\nDate: today\n";
  m.parts.push_back(p);
  Original o = recover_original(m);
  EXPECT_TRUE(o.found);
  EXPECT_TRUE(o.headers_only);
}

TEST_F(RecoverOriginal, NothingToRecover) {
  ParsedMessage m;
  Part p;
  p.type = "text/plain";
  p.text = "I am out of the office until Monday.\n";
  m.parts.push_back(p);
  Original o = recover_original(m);
  EXPECT_FALSE(o.found);
  EXPECT_EQ(o.message_id, "");
  EXPECT_TRUE(o.received.empty());
}

TEST_F(RecoverOriginal, IgnoresTextInsideAttachedMessages) {
  ParsedMessage m;
  Part p;
  p.type = "text/plain";
  p.message_depth = 1;
  p.text = "Message-ID: <inner@example.org>\nSubject: inner\nDate: x\n\nbody\n";
  m.parts.push_back(p);
  EXPECT_FALSE(recover_original(m).found);
}

}  // namespace
}  // namespace backstop::message
