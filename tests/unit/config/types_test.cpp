// Unit tests for the config value types: CIDR matching (IPv4 and IPv6, /0, /32, /128), host
// patterns and their wildcard rules, client lists, host:port, and backscatter action precedence.
#include <gtest/gtest.h>

#include "config/config.h"

namespace backstop::config {
namespace {

core::IpAddress ip(const char* text) {
  auto a = core::parse_ip(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(core::IpAddress{});
}

Cidr cidr(const char* text) {
  std::string error;
  auto c = parse_cidr(text, &error);
  EXPECT_TRUE(c.has_value()) << text << ": " << error;
  return c.value_or(Cidr{});
}

TEST(Cidr, Ipv4Networks) {
  Cidr net = cidr("192.0.2.0/24");
  EXPECT_TRUE(net.contains(ip("192.0.2.0")));
  EXPECT_TRUE(net.contains(ip("192.0.2.255")));
  EXPECT_FALSE(net.contains(ip("192.0.3.0")));
  EXPECT_FALSE(net.contains(ip("192.0.1.255")));
  Cidr odd = cidr("10.64.0.0/10");  // a prefix that is not a whole number of bytes
  EXPECT_TRUE(odd.contains(ip("10.127.255.255")));
  EXPECT_FALSE(odd.contains(ip("10.128.0.0")));
  EXPECT_FALSE(odd.contains(ip("10.63.255.255")));
}

TEST(Cidr, HostAndEverything) {
  Cidr host = cidr("192.0.2.10/32");
  EXPECT_TRUE(host.contains(ip("192.0.2.10")));
  EXPECT_FALSE(host.contains(ip("192.0.2.11")));
  Cidr bare = cidr("192.0.2.10");
  EXPECT_EQ(bare.prefix, 32);
  EXPECT_TRUE(bare.contains(ip("192.0.2.10")));
  Cidr all = cidr("0.0.0.0/0");
  EXPECT_TRUE(all.contains(ip("203.0.113.9")));
  EXPECT_TRUE(all.contains(ip("255.255.255.255")));
  EXPECT_FALSE(all.contains(ip("2001:db8::1")));  // families never mix
}

TEST(Cidr, Ipv6Networks) {
  Cidr net = cidr("2001:db8::/32");
  EXPECT_TRUE(net.contains(ip("2001:db8::1")));
  EXPECT_TRUE(net.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(net.contains(ip("2001:db9::")));
  EXPECT_FALSE(net.contains(ip("192.0.2.1")));
  Cidr host = cidr("2001:db8::25/128");
  EXPECT_TRUE(host.contains(ip("2001:db8::25")));
  EXPECT_FALSE(host.contains(ip("2001:db8::26")));
  Cidr bare = cidr("::1");
  EXPECT_EQ(bare.prefix, 128);
  Cidr all = cidr("::/0");
  EXPECT_TRUE(all.contains(ip("2001:db8::1")));
  EXPECT_FALSE(all.contains(ip("192.0.2.1")));
  Cidr odd = cidr("2001:db8:8000::/33");
  EXPECT_TRUE(odd.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(odd.contains(ip("2001:db8:7fff::1")));
}

TEST(Cidr, MappedIpv4IsIpv4) {
  // parse_ip turns ::ffff:a.b.c.d into IPv4, so a v4 network matches a mapped client.
  EXPECT_TRUE(cidr("192.0.2.0/24").contains(ip("::ffff:192.0.2.7")));
}

TEST(Cidr, Printing) {
  EXPECT_EQ(cidr("192.0.2.0/24").str(), "192.0.2.0/24");
  EXPECT_EQ(cidr("192.0.2.1").str(), "192.0.2.1");
  EXPECT_EQ(cidr("192.0.2.1/32").str(), "192.0.2.1");
  EXPECT_EQ(cidr("2001:DB8::/32").str(), "2001:db8::/32");
  EXPECT_EQ(cidr("0.0.0.0/0").str(), "0.0.0.0/0");
}

TEST(Cidr, Errors) {
  std::string error;
  EXPECT_FALSE(parse_cidr("192.0.2.0/33", &error));
  EXPECT_NE(error.find("more than 32"), std::string::npos) << error;
  EXPECT_FALSE(parse_cidr("2001:db8::/129", &error));
  EXPECT_NE(error.find("more than 128"), std::string::npos) << error;
  EXPECT_FALSE(parse_cidr("10.1.2.3/8", &error));
  EXPECT_NE(error.find("did you mean '10.0.0.0/8'"), std::string::npos) << error;
  EXPECT_FALSE(parse_cidr("2001:db8::1/32", &error));
  EXPECT_NE(error.find("'2001:db8::/32'"), std::string::npos) << error;
  for (const char* bad : {"", "/24", "192.0.2.0/", "192.0.2.0/x", "192.0.2/24", "300.0.0.1",
                          "192.0.2.0/-1", "[::1]", "IPv6:::1", "example.com", "192.0.2.0/2 4"})
    EXPECT_FALSE(parse_cidr(bad).has_value()) << bad;
}

TEST(HostPattern, ExactName) {
  auto p = parse_host_pattern("Mail.Example.COM");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pattern, "mail.example.com");
  EXPECT_TRUE(p->matches("mail.example.com"));
  EXPECT_TRUE(p->matches("MAIL.example.com"));
  EXPECT_TRUE(p->matches("mail.example.com."));
  EXPECT_FALSE(p->matches("a.mail.example.com"));
  EXPECT_FALSE(p->matches("example.com"));
  EXPECT_FALSE(p->matches("xmail.example.com"));
}

TEST(HostPattern, StarMeansSubdomainsOnly) {
  auto p = parse_host_pattern("*.example.com");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->matches("a.example.com"));
  EXPECT_TRUE(p->matches("a.b.example.com"));
  EXPECT_TRUE(p->matches("A.Example.Com"));
  EXPECT_FALSE(p->matches("example.com"));
  EXPECT_FALSE(p->matches("badexample.com"));
  EXPECT_FALSE(p->matches(".example.com"));
  EXPECT_FALSE(p->matches("example.com.evil.net"));
}

TEST(HostPattern, LeadingDotMeansDomainAndSubdomains) {
  auto p = parse_host_pattern(".example.com");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->matches("example.com"));
  EXPECT_TRUE(p->matches("a.example.com"));
  EXPECT_TRUE(p->matches("a.b.example.com"));
  EXPECT_FALSE(p->matches("badexample.com"));
  EXPECT_FALSE(p->matches("com"));
}

TEST(HostPattern, Errors) {
  std::string error;
  for (const char* bad :
       {"", "*", ".", "*.", "ex*ample.com", "*example.com", "a..b", "a.*.b", "-a.example.com",
        "a-.example.com", "exa mple.com", "a@b.com", "**.example.com", "..example.com"}) {
    EXPECT_FALSE(parse_host_pattern(bad, &error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  EXPECT_FALSE(parse_host_pattern(std::string(64, 'a') + ".com").has_value());
  EXPECT_TRUE(parse_host_pattern(std::string(63, 'a') + ".com").has_value());
  EXPECT_TRUE(parse_host_pattern("localhost").has_value());
  EXPECT_TRUE(parse_host_pattern("_dmarc.example.com").has_value());
}

TEST(ClientList, IpsCidrsAndHostsMixed) {
  ClientList list;
  EXPECT_TRUE(list.empty());
  std::string error;
  for (const char* entry : {"192.0.2.10", "198.51.100.0/24", "2001:db8::/48", "out.example.org",
                            "*.outgoing.example.com", ".partner.example"})
    EXPECT_TRUE(list.add(entry, true, &error)) << entry << ": " << error;
  EXPECT_FALSE(list.empty());
  EXPECT_EQ(list.networks.size(), 3u);
  EXPECT_EQ(list.hosts.size(), 3u);
  EXPECT_TRUE(list.contains_ip(ip("192.0.2.10")));
  EXPECT_FALSE(list.contains_ip(ip("192.0.2.11")));
  EXPECT_TRUE(list.contains_ip(ip("198.51.100.77")));
  EXPECT_TRUE(list.contains_ip(ip("2001:db8:0:1::9")));
  EXPECT_FALSE(list.contains_ip(ip("2001:db8:1::9")));
  EXPECT_TRUE(list.contains_host("out.example.org"));
  EXPECT_FALSE(list.contains_host("in.example.org"));
  EXPECT_TRUE(list.contains_host("mta7.outgoing.example.com"));
  EXPECT_FALSE(list.contains_host("outgoing.example.com"));
  EXPECT_TRUE(list.contains_host("partner.example"));
  EXPECT_TRUE(list.contains_host("mx.partner.example"));
  EXPECT_FALSE(list.contains_host(""));
}

TEST(ClientList, ExclusionsWinOverIncludingPatterns) {
  ClientList list;
  std::string error;
  for (const char* entry : {".partner.example", "!dialup.partner.example", "!*.pool.partner.example"})
    EXPECT_TRUE(list.add(entry, true, &error)) << entry << ": " << error;
  ASSERT_EQ(list.hosts.size(), 3u);
  EXPECT_TRUE(list.hosts[1].excluded);
  EXPECT_EQ(list.hosts[1].pattern, "dialup.partner.example");
  EXPECT_EQ(list.hosts[2].pattern, "*.pool.partner.example");
  EXPECT_TRUE(list.contains_host("mx.partner.example"));
  EXPECT_FALSE(list.contains_host("dialup.partner.example"));
  EXPECT_FALSE(list.contains_host("a.pool.partner.example"));
  EXPECT_TRUE(list.contains_host("pool.partner.example"));  // "*." excludes subdomains only
  // An exclusion alone includes nothing.
  ClientList only;
  EXPECT_TRUE(only.add("!x.example", true, &error));
  EXPECT_FALSE(only.contains_host("x.example"));
  EXPECT_FALSE(only.contains_host("y.example"));
  EXPECT_FALSE(list.add("!", true, &error));
  EXPECT_FALSE(list.add("!!x.example", true, &error));
}

TEST(ClientList, NumbersAreNeverHostNames) {
  ClientList list;
  std::string error;
  EXPECT_FALSE(list.add("192.0.2", true, &error));  // a truncated IP, not a host name
  EXPECT_FALSE(list.add("192.0.2.0/33", true, &error));
  EXPECT_FALSE(list.add("2001:db8::zz", true, &error));
  EXPECT_TRUE(list.empty());
}

TEST(ClientList, HostsRefusedWhereOnlyNetworksBelong) {
  ClientList list;
  std::string error;
  EXPECT_FALSE(list.add("mail.example.org", false, &error));
  EXPECT_NE(error.find("host names are not allowed here"), std::string::npos) << error;
  EXPECT_TRUE(list.add("10.0.0.0/8", false, &error));
}

TEST(ClientList, EmptyMatchesNothing) {
  ClientList list;
  EXPECT_FALSE(list.contains_ip(ip("127.0.0.1")));
  EXPECT_FALSE(list.contains_host("localhost"));
}

TEST(HostPort, Forms) {
  auto a = parse_host_port("127.0.0.1:2525");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 2525);
  auto b = parse_host_port("[2001:db8::1]:25");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "2001:db8::1");
  EXPECT_EQ(b->port, 25);
  auto c = parse_host_port("mail.internal");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 25);
  auto d = parse_host_port("::1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 25);
  EXPECT_EQ(parse_host_port("[::1]")->port, 25);
  EXPECT_EQ(parse_host_port("h:65535")->port, 65535);
  EXPECT_EQ(parse_host_port("h:1")->port, 1);
  for (const char* bad : {"", ":25", "h:", "h:0", "h:65536", "h:99999", "h:2x", "[::1", "[::1]x",
                          "[::1]:", "[]:25", "h:-1", "h:+25"})
    EXPECT_FALSE(parse_host_port(bad).has_value()) << bad;
}

TEST(Actions, Names) {
  EXPECT_STREQ(to_string(CheckAction::kOff), "off");
  EXPECT_STREQ(to_string(CheckAction::kNote), "note");
  EXPECT_STREQ(to_string(CheckAction::kReject), "reject");
  EXPECT_STREQ(to_string(CheckAction::kTempfail), "tempfail");
  EXPECT_STREQ(to_string(BackscatterAction::kReject), "reject");
  EXPECT_STREQ(to_string(BackscatterAction::kTempfail), "tempfail");
  EXPECT_STREQ(to_string(BackscatterAction::kDiscard), "discard");
  EXPECT_STREQ(to_string(BackscatterAction::kTag), "tag");
}

TEST(BackscatterAction, RecipientThenDomainThenDefault) {
  using A = BackscatterAction;
  Config c;
  EXPECT_EQ(c.backscatter_action_for("a@example.org"), A::kReject);  // the default default
  c.backscatter.action = A::kTempfail;
  c.backscatter.domains["example.org"] = A::kDiscard;
  c.backscatter.recipients["postmaster@example.org"] = A::kTag;
  c.backscatter.recipients["abuse@example.net"] = A::kReject;
  EXPECT_EQ(c.backscatter_action_for("postmaster@example.org"), A::kTag);
  EXPECT_EQ(c.backscatter_action_for("Postmaster@Example.ORG"), A::kTag);
  EXPECT_EQ(c.backscatter_action_for("info@example.org"), A::kDiscard);
  EXPECT_EQ(c.backscatter_action_for("info@EXAMPLE.org"), A::kDiscard);
  EXPECT_EQ(c.backscatter_action_for("abuse@example.net"), A::kReject);
  EXPECT_EQ(c.backscatter_action_for("info@example.net"), A::kTempfail);
  EXPECT_EQ(c.backscatter_action_for("info@sub.example.org"), A::kTempfail);  // exact domain
  EXPECT_EQ(c.backscatter_action_for("no-at-sign"), A::kTempfail);
  EXPECT_EQ(c.backscatter_action_for(""), A::kTempfail);
}

TEST(Domains, AnyRecipient) {
  DomainsConfig d;
  d.recipients = {"@example.org", "alice@example.net"};
  d.file_recipients = {"@example.com"};
  EXPECT_TRUE(d.any_recipient("example.org"));
  EXPECT_TRUE(d.any_recipient("EXAMPLE.org"));
  EXPECT_TRUE(d.any_recipient("example.com"));
  EXPECT_FALSE(d.any_recipient("example.net"));
  EXPECT_FALSE(d.any_recipient(""));
}

}  // namespace
}  // namespace backstop::config
