// Unit tests of src/message/received.h: Received fields (RFC 5321 4.4) as Postfix, Sendmail,
// Exim, qmail, Exchange and Gmail write them (hand-written samples in each MTA's layout),
// plus broken and hostile values.
#include "message/received.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::message {
namespace {

struct Case {
  const char* name;
  const char* value;
  const char* from_host;
  const char* from_ip;
  const char* by_host;
};

void expect_hop(const Case& c) {
  ReceivedHop h = parse_received(c.value);
  EXPECT_EQ(h.from_host, c.from_host) << c.name;
  EXPECT_EQ(h.from_ip, c.from_ip) << c.name;
  EXPECT_EQ(h.by_host, c.by_host) << c.name;
}

TEST(ParseReceived, Postfix) {
  const Case cases[] = {
      {"postfix",
       "from smtp-out.example.org (smtp-out.example.org [62.141.37.200]) by "
       "mx.example.net (Postfix) with ESMTPS id 4TvB0x1QZkz2Bcd for "
       "<kpatel@example.net>; Tue, 12 Mar 2024 09:14:05 +0100 (CET)",
       "smtp-out.example.org", "62.141.37.200", "mx.example.net"},
      {"postfix no rdns",
       "from ws-pc17.lan.example.org (unknown [192.168.10.45]) by "
       "smtp-out.example.org (Postfix) with ESMTP id 1F2E0C0048; Tue, 12 Mar 2024",
       "ws-pc17.lan.example.org", "192.168.10.45", "smtp-out.example.org"},
      {"postfix helo unknown",
       "from unknown (unknown [81.2.69.160]) by mx.example.net (Postfix) "
       "with SMTP id 3A; Tue, 12 Mar 2024",
       "", "81.2.69.160", "mx.example.net"},
      {"postfix helo differs",
       "from bot-pc (cpe-73-42-190-5.example.net [73.42.190.5]) by "
       "relay.example.org (Postfix) with SMTP id 4V4; Thu, 28 Mar 2024",
       "bot-pc", "73.42.190.5", "relay.example.org"},
      {"postfix ipv6",
       "from mail.example.org (mail.example.org [IPv6:2a01:4f8:c0c:1234::1]) by "
       "mx.example.com (Postfix) with ESMTPS id 9F; Mon, 1 Apr 2024",
       "mail.example.org", "2a01:4f8:c0c:1234::1", "mx.example.com"},
  };
  for (const auto& c : cases) expect_hop(c);
}

TEST(ParseReceived, Sendmail) {
  const Case cases[] = {
      {"sendmail",
       "from static-93-184-12-7.example.net (static-93-184-12-7.example.net "
       "[93.184.12.7]) by relay2.example.org (8.17.1.9/8.17.1.9) with SMTP id "
       "426HgUfR031187 for <m.oduya@example.org>; Wed, 6 Mar 2024 17:42:29 GMT",
       "static-93-184-12-7.example.net", "93.184.12.7", "relay2.example.org"},
      {"sendmail may be forged",
       "from helo.example.org (rdns.example.net [85.214.132.117] (may "
       "be forged)) by mailhub.example.org (8.15.2/8.15.2) with ESMTP "
       "id 42L; Thu, 21 Mar 2024 08:33:08 +0100",
       "helo.example.org", "85.214.132.117", "mailhub.example.org"},
      {"sendmail literal helo",
       "from [94.23.157.201] ([94.23.157.201]) by gateway.example.org "
       "(8.15.2/8.15.2) with SMTP id 42QDPdxW028814; Tue, 26 Mar 2024",
       "", "94.23.157.201", "gateway.example.org"},
      {"sendmail localhost",
       "from localhost (localhost) by relay2.example.org "
       "(8.17.1.9/8.17.1.9) id 426HgUfR031187; Wed, 6 Mar 2024 17:42:30 GMT",
       "localhost", "", "relay2.example.org"},
  };
  for (const auto& c : cases) expect_hop(c);
}

TEST(ParseReceived, Exim) {
  const Case cases[] = {
      {"exim literal",
       "from [37.120.160.11] (helo=pc-office) by mx2.example.net with esmtp "
       "(Exim 4.89) (envelope-from <support@example.com>) id 1riXy7-00071s-2W for "
       "d.hargreaves@example.net; Fri, 08 Mar 2024 11:20:43 +0000",
       "pc-office", "37.120.160.11", "mx2.example.net"},
      {"exim rdns",
       "from mail-ej1-f45.example.com ([209.85.218.45]) by mx.example.org with "
       "esmtps (TLS1.3) tls TLS_AES_128_GCM_SHA256 (Exim 4.96) (envelope-from "
       "<a@example.com>) id 1rs8; Mon, 01 Apr 2024 10:00:00 +0000",
       "mail-ej1-f45.example.com", "209.85.218.45", "mx.example.org"},
      {"exim rdns and helo",
       "from rdns.example.net ([85.1.2.3] helo=helo.example.net) by "
       "mx.example.org with esmtp (Exim 4.96) id 1rs9; Mon, 1 Apr 2024",
       "rdns.example.net", "85.1.2.3", "mx.example.org"},
      {"exim port",
       "from [45.137.21.60] (port=52114 helo=mailer) by "
       "server12.hosting.example.net with esmtp (Exim 4.96.2) id 1rsnyz; Fri, 5 Apr",
       "mailer", "45.137.21.60", "server12.hosting.example.net"},
      {"exim local",
       "from mailnull by mx2.example.net with local (Exim 4.89) id "
       "1riXy8-00073C-0r for support@example.com; Fri, 08 Mar 2024 11:20:44 +0000",
       "mailnull", "", "mx2.example.net"},
  };
  for (const auto& c : cases) expect_hop(c);
}

TEST(ParseReceived, Qmail) {
  const Case cases[] = {
      {"qmail network",
       "from unknown (HELO user-pc) (109.173.5.66) by mail.example.org with "
       "SMTP; 14 Mar 2024 02:05:50 -0000",
       "user-pc", "109.173.5.66", "mail.example.org"},
      {"qmail rdns",
       "from mx.example.net (HELO mx.example.net) (185.70.41.30) by "
       "mail.example.org with ESMTPS; 14 Mar 2024 02:05:50 -0000",
       "mx.example.net", "185.70.41.30", "mail.example.org"},
      {"qmail bounce", "(qmail 22817 invoked for bounce); 14 Mar 2024 02:05:50 -0000", "", "", ""},
  };
  for (const auto& c : cases) expect_hop(c);
}

// Postfix's stamp on locally submitted mail has "from" only inside its comment: the hop names
// the receiving host and no sender (RFC 5321 4.4: the From clause is optional).
TEST(ParseReceived, PostfixLocalPickupNamesOnlyTheReceiver) {
  expect_hop({"postfix local pickup",
              "by mx.example.net (Postfix, from userid 0) id "
              "4TvB0x1QZkz2Bcd; Tue, 12 Mar 2024 09:14:06 +0100 (CET)",
              "", "", "mx.example.net"});
}

// qmail's comment-only stamps name no host: "network" and "uid" are not hosts, and a hop that
// says nothing must not appear to name one (forensics lists bouncing relays).
TEST(ParseReceived, QmailCommentStampsNameNoHost) {
  expect_hop({"qmail invoked from network",
              "(qmail 22811 invoked from network); 14 Mar 2024 02:05:50 -0000", "", "", ""});
  expect_hop(
      {"qmail uid", "(qmail 22817 invoked by uid 89); 14 Mar 2024 02:05:50 -0000", "", "", ""});
}

TEST(ParseReceived, Exchange) {
  const Case cases[] = {
      {"exchange internal",
       "from exch01.corp.example.org (10.40.2.11) by mail-relay.example.org "
       "(10.40.1.5) with Microsoft SMTP Server id 15.1.2507.35; Mon, 18 Mar "
       "2024 15:02:14 +0100",
       "exch01.corp.example.org", "10.40.2.11", "mail-relay.example.org"},
      {"exchange ipv6",
       "from AM9PR02MB7102.eurprd02.prod.example.com (2603:10a6:20b:3c4::18) by "
       "DB9PR02MB6713.eurprd02.prod.example.com with HTTPS; Mon, 18 Mar 2024 "
       "14:02:19 +0000",
       "am9pr02mb7102.eurprd02.prod.example.com", "2603:10a6:20b:3c4::18",
       "db9pr02mb6713.eurprd02.prod.example.com"},
      {"exchange tls",
       "from mail-relay.example.org (154.41.229.17) by "
       "AM9PR02MB7102.eurprd02.prod.example.com (2603:10a6:20b:3c4::18) with "
       "Microsoft SMTP Server (version=TLS1_2, "
       "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7386.25; Mon, 18 "
       "Mar 2024 14:02:16 +0000",
       "mail-relay.example.org", "154.41.229.17", "am9pr02mb7102.eurprd02.prod.example.com"},
  };
  for (const auto& c : cases) expect_hop(c);
}

TEST(ParseReceived, GmailInternalHop) {
  expect_hop({"gmail by only",
              "by 2002:a05:6512:3b9:b0:513:dd0c:91a7 with SMTP id v25csp1124lfp; "
              "Sat, 23 Mar 2024 12:47:01 -0700 (PDT)",
              "", "", "2002:a05:6512:3b9:b0:513:dd0c:91a7"});
}

TEST(ParseReceived, KeywordsAreCaseInsensitiveWholeWords) {
  expect_hop({"upper", "FROM host.example.org ([85.1.2.3]) BY mx.example.org; date",
              "host.example.org", "85.1.2.3", "mx.example.org"});
  expect_hop({"by inside names",
              "from bygone.example.org (bygone.example.org [85.1.2.4]) by "
              "fromage.example.net; date",
              "bygone.example.org", "85.1.2.4", "fromage.example.net"});
}

TEST(ParseReceived, PrefersTheBracketedLiteral) {
  // The HELO name is itself an IP: the name is the reverse DNS one, and the bracketed
  // address is what the receiver saw.
  expect_hop({"helo ip", "from 10.9.9.9 (rdns.example.net [85.1.2.5]) by mx.example.org; d",
              "rdns.example.net", "85.1.2.5", "mx.example.org"});
}

TEST(ParseReceived, BrokenValues) {
  expect_hop({"empty", "", "", "", ""});
  expect_hop({"only date", "; Tue, 12 Mar 2024 09:14:05 +0100", "", "", ""});
  expect_hop({"from without by", "from lonely.example.org ([85.1.2.6])", "lonely.example.org",
              "85.1.2.6", ""});
  expect_hop({"no ip", "from a.example.org (a.example.org) by b.example.org; date", "a.example.org",
              "", "b.example.org"});
  expect_hop({"junk", "((((([[[[ ;;; by", "", "", ""});
}

TEST(ParseReceived, HugeValueIsHandled) {
  std::string v = "from big.example.org ([85.1.2.7]) by mx.example.org with ESMTP id ";
  v += std::string(1 << 20, 'x');
  v += "; Tue, 12 Mar 2024";
  ReceivedHop h = parse_received(v);
  EXPECT_EQ(h.from_host, "big.example.org");
  EXPECT_EQ(h.from_ip, "85.1.2.7");
  EXPECT_EQ(h.by_host, "mx.example.org");
}

}  // namespace
}  // namespace backstop::message
