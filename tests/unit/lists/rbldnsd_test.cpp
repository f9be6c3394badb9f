// Unit tests for the rbldnsd dataset readers and writers: every subject form of rbldnsd(8),
// values and defaults, specials, comments, exclusions, errors with path and line, and round
// trips through the writers.
#include "lists/rbldnsd.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace backstop::lists {
namespace {

std::vector<std::string> nets(const IpListFile& f) {
  std::vector<std::string> out;
  for (const auto& e : f.entries) out.push_back((e.excluded ? "!" : "") + e.network.str());
  return out;
}

std::string errors(const auto& f) {
  std::string s;
  for (const auto& e : f.errors) s += e + "\n";
  return s;
}

TEST(Ip4set, AllSpellingsOfOneSlash24) {
  // rbldnsd(8): every one of these is 127.0.0.0/24.
  for (const char* s : {"127.0.0.0/24", "127.0.0", "127/24", "127-127.0.0", "127.0.0.0-127.0.0.255",
                        "127.0.0.1-255"}) {
    auto f = parse_ip4set(s, "f");
    ASSERT_TRUE(f.ok()) << s << ": " << errors(f);
    if (std::string(s) == "127.0.0.1-255") {
      // starts at .1: the minimal cover of 127.0.0.1-127.0.0.255
      EXPECT_EQ(f.entries.size(), 8u) << s;
      EXPECT_EQ(f.entries.front().network.str(), "127.0.0.1");
      EXPECT_EQ(f.entries.back().network.str(), "127.0.0.128/25");
    } else {
      EXPECT_EQ(nets(f), std::vector<std::string>{"127.0.0.0/24"}) << s;
    }
  }
  for (const char* s : {"127.16.0.0-127.31.255.255", "127.16.0-127.31.255", "127.16-127.31",
                        "127.16-31", "127.16.0.0/12", "127.16.0/12", "127.16/12"}) {
    auto f = parse_ip4set(s, "f");
    ASSERT_TRUE(f.ok()) << s << ": " << errors(f);
    EXPECT_EQ(nets(f), std::vector<std::string>{"127.16.0.0/12"}) << s;
  }
  auto f = parse_ip4set("127.16.0-31", "f");  // a one-octet end replaces the last octet given
  EXPECT_EQ(nets(f), std::vector<std::string>{"127.16.0.0/19"});
  f = parse_ip4set("10\n10.1\n10.1.2.3\n0.0.0.0/0\n10.0.0.0-10.0.0.2", "f");
  EXPECT_EQ(nets(f), (std::vector<std::string>{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "0.0.0.0/0",
                                               "10.0.0.0/31", "10.0.0.2"}));
  f = parse_ip4set("0.0.0.0-255.255.255.255", "f");
  EXPECT_EQ(nets(f), std::vector<std::string>{"0.0.0.0/0"});
}

TEST(Ip4set, ValuesDefaultsExclusionsAndComments) {
  const char* text =
      "# a comment\n"
      "; another\n"
      "127.0.0.1\n"                                     // 3: built-in default
      ":127.0.0.2:IP address $ is listed\n"             // 4
      "127.0.0.4\n"                                     // 5: default A and TXT
      "127.0.0.5 :5\n"                                  // 6: own A, default TXT
      "127.0.0.6 :6:\n"                                 // 7: own A, no TXT
      "127.0.0.7 IP address $ running an open relay\n"  // 8: default A, own TXT
      "127.0.0.8 :1.2.3:both: with colons\n"            // 9
      "127/8 ; loopback network\n"                      // 10: comment, defaults
      "!127.0.0.9 :9:ignored\n"                         // 11
      "  127.0.0.10\t#\ttabbed\r\n"                     // 12
      "127.0.0.11:11:no blank\n";                       // 13
  auto f = parse_ip4set(text, "f");
  ASSERT_TRUE(f.ok()) << errors(f);
  ASSERT_EQ(f.entries.size(), 10u);
  const RblValue dflt{{127, 0, 0, 2}, "IP address $ is listed"};
  EXPECT_EQ(f.entries[0].value, RblValue{});
  EXPECT_EQ(f.entries[0].line, 3);
  EXPECT_EQ(f.entries[1].value, dflt);
  EXPECT_EQ(f.entries[2].value, (RblValue{{127, 0, 0, 5}, dflt.txt}));
  EXPECT_EQ(f.entries[3].value, (RblValue{{127, 0, 0, 6}, ""}));
  EXPECT_EQ(f.entries[4].value, (RblValue{{127, 0, 0, 2}, "IP address $ running an open relay"}));
  EXPECT_EQ(f.entries[5].value, (RblValue{{1, 2, 0, 3}, "both: with colons"}));  // as rbldnsd
  EXPECT_EQ(f.entries[6].network.str(), "127.0.0.0/8");
  EXPECT_EQ(f.entries[6].value, dflt);
  EXPECT_TRUE(f.entries[7].excluded);
  EXPECT_EQ(f.entries[7].value, RblValue{});
  EXPECT_EQ(f.entries[8].network.str(), "127.0.0.10");
  EXPECT_EQ(f.entries[8].line, 12);
  EXPECT_EQ(f.entries[9].value, (RblValue{{127, 0, 0, 11}, "no blank"}));
}

TEST(Ip4set, ShortAValuesAsRbldnsdReadsThem) {
  auto f = parse_ip4set("1.1.1.1 :5\n1.1.1.2 :1.2\n1.1.1.3 :0.5\n1.1.1.4 :10.0.0.1:\n", "f");
  ASSERT_TRUE(f.ok()) << errors(f);
  EXPECT_EQ(f.entries[0].value.a, (std::array<uint8_t, 4>{127, 0, 0, 5}));
  EXPECT_EQ(f.entries[1].value.a, (std::array<uint8_t, 4>{1, 0, 0, 2}));
  EXPECT_EQ(f.entries[2].value.a, (std::array<uint8_t, 4>{0, 0, 0, 5}));
  EXPECT_EQ(f.entries[3].value.a, (std::array<uint8_t, 4>{10, 0, 0, 1}));
}

TEST(Ip4set, SpecialsAreKept) {
  auto f = parse_ip4set(
      "$TTL 3600\n#$SOA 0 ns.example hostmaster.example 0 1h 1h 1w 1h\n;$NS 0 ns.example\n"
      ":$1 text\n$MAXRANGE4 /24\n192.0.2.1\n",
      "f");
  ASSERT_TRUE(f.ok()) << errors(f);
  EXPECT_EQ(f.specials,
            (std::vector<std::string>{"$TTL 3600",
                                      "$SOA 0 ns.example hostmaster.example 0 1h "
                                      "1h 1w 1h",
                                      "$NS 0 ns.example", "$1 text", "$MAXRANGE4 /24"}));
  EXPECT_EQ(f.entries.size(), 1u);
}

TEST(Ip4set, BadLinesAreReportedWithPathAndLine) {
  const char* text =
      "192.0.2.1\n"          // 1 ok
      "192.0.2.1/24\n"       // 2 host bits
      "192.0.2.256\n"        // 3
      "192.0.2.0/33\n"       // 4
      "10.0.0.9-10.0.0.1\n"  // 5 backwards
      "1.2.3.4.5\n"          // 6
      "!\n"                  // 7
      "host.example\n"       // 8
      "2001:db8::1\n"        // 9 (':' ends the subject: "2001" then a bad A value)
      "192.0.2.2 :300:x\n"   // 10 bad A
      ":1.2.3.4.5:x\n"       // 11 bad default A
      "10.0.0.0/8-10.1\n"    // 12
      "192.0.2.3 a\x01"
      "b\n"           // 13 control character
      "192.0.2.4\n";  // 14 ok
  auto f = parse_ip4set(text, "/etc/bl.txt");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error_count, 12u) << errors(f);
  ASSERT_EQ(f.errors.size(), 12u);
  EXPECT_EQ(f.errors[0], "/etc/bl.txt:2: host bits set below the prefix length");
  EXPECT_EQ(f.errors[3], "/etc/bl.txt:5: range ends before it starts");
  EXPECT_EQ(f.errors[5], "/etc/bl.txt:7: '!' without an entry");
  EXPECT_EQ(f.errors.back().substr(0, 15), "/etc/bl.txt:13:");
  EXPECT_EQ(nets(f), (std::vector<std::string>{"192.0.2.1", "192.0.2.4"}));
}

TEST(Ip4set, ErrorsAreCappedAndLongLinesRejected) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "bad\n";
  text += std::string(kMaxListLine + 1, '1') + "\n";
  auto f = parse_ip4set(text, "p");
  EXPECT_EQ(f.error_count, 501u);
  EXPECT_EQ(f.errors.size(), kMaxReportedErrors);
}

TEST(Ip6trie, ManualExamples) {
  const char* text =
      "# Default A and TXT template valuse\n"
      ":127.0.1.2: Listed, see http://example.com/lookup?$\n"
      "2001:21ab:c000/36\n"
      "2001:21ab:def7:4242 :127.0.1.3: This one smells funny\n"
      "2605:6001:42::/52\n"
      "::1                # localhost\n"
      "!2605:6001:42::bead   # exclusion\n"
      "2001:DB8:0:0:0:0:0:1\n"
      "!abac:adab:ad00:42f:face:0f:a:beef\n";
  auto f = parse_ip6trie(text, "f");
  ASSERT_TRUE(f.ok()) << errors(f);
  EXPECT_EQ(nets(f),
            (std::vector<std::string>{"2001:21ab:c000::/36", "2001:21ab:def7:4242::/64",
                                      "2605:6001:42::/52", "::1", "!2605:6001:42::bead",
                                      "2001:db8::1", "!abac:adab:ad00:42f:face:f:a:beef"}));
  EXPECT_EQ(f.entries[0].value.txt, "Listed, see http://example.com/lookup?$");
  EXPECT_EQ(f.entries[0].value.a, (std::array<uint8_t, 4>{127, 0, 1, 2}));
  EXPECT_EQ(f.entries[1].value, (RblValue{{127, 0, 1, 3}, "This one smells funny"}));
}

TEST(Ip6trie, BadLines) {
  auto f = parse_ip6trie(
      "192.0.2.1\n::ffff:192.0.2.1\n2001:db8::1/64\n1:2:3:4:5:6:7:8:9\n2001:db8::/200\n"
      "[::1]\n2001:db8:1\n",
      "f");
  EXPECT_EQ(f.error_count, 6u) << errors(f);
  EXPECT_EQ(nets(f), std::vector<std::string>{"2001:db8:1::/48"});
}

TEST(Dnset, PatternsValuesAndErrors) {
  const char* text =
      ":3:Domain $ is listed\n"
      "example.com\n"
      "*.Example.NET. :4:own text\n"
      ".example.org bare text\n"
      "!good.example.org\n"
      "bad..name\n"
      "a*.example\n";
  auto f = parse_dnset(text, "d");
  EXPECT_EQ(f.error_count, 2u) << errors(f);
  EXPECT_EQ(f.errors[0], "d:6: empty label in domain name");
  ASSERT_EQ(f.entries.size(), 4u);
  EXPECT_EQ(f.entries[0].pattern.str(), "example.com");
  EXPECT_EQ(f.entries[0].value, (RblValue{{127, 0, 0, 3}, "Domain $ is listed"}));
  EXPECT_EQ(f.entries[1].pattern.str(), "*.example.net");
  EXPECT_EQ(f.entries[1].value, (RblValue{{127, 0, 0, 4}, "own text"}));
  EXPECT_EQ(f.entries[2].pattern.str(), ".example.org");
  EXPECT_EQ(f.entries[2].value.txt, "bare text");
  EXPECT_TRUE(f.entries[3].pattern.excluded);
}

TEST(Writers, RoundTrip) {
  std::vector<IpListEntry> entries = {
      {*parse_cidr("192.0.2.0/24"), false, RblValue{}, 0},
      {*parse_cidr("192.0.2.7"), true, RblValue{}, 0},
      {*parse_cidr("198.51.100.1"), false, RblValue{{127, 0, 0, 3}, "listed: $ #1"}, 0},
      {*parse_cidr("198.51.100.2"), false, RblValue{{127, 0, 0, 4}, ""}, 0},
      {*parse_cidr("2001:db8::/32"), false, RblValue{{127, 0, 0, 5}, "six"}, 0},
      {*parse_cidr("2001:db8::1"), true, RblValue{}, 0},
      {*parse_cidr("::/0"), false, RblValue{}, 0},
  };
  for (const auto& dflt : {std::optional<RblValue>{},
                           std::optional<RblValue>{RblValue{{127, 0, 0, 3}, "listed: $ #1"}}}) {
    RbldnsdWriteOptions o;
    o.comment = "backstop export\nsecond line\x01";
    o.specials = {"$TTL 300", "not special"};
    o.default_value = dflt;
    const std::string v4 = write_ip4set(entries, o);
    auto f4 = parse_ip4set(v4, "v4");
    ASSERT_TRUE(f4.ok()) << errors(f4) << v4;
    EXPECT_EQ(f4.specials, std::vector<std::string>{"$TTL 300"});
    ASSERT_EQ(f4.entries.size(), 4u) << v4;
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(f4.entries[i].network, entries[i].network);
      EXPECT_EQ(f4.entries[i].excluded, entries[i].excluded);
      EXPECT_EQ(f4.entries[i].value, entries[i].value) << v4;
    }
    const std::string v6 = write_ip6trie(entries, o);
    auto f6 = parse_ip6trie(v6, "v6");
    ASSERT_TRUE(f6.ok()) << errors(f6) << v6;
    ASSERT_EQ(f6.entries.size(), 3u) << v6;
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(f6.entries[i].network, entries[4 + i].network);
      EXPECT_EQ(f6.entries[i].excluded, entries[4 + i].excluded);
      EXPECT_EQ(f6.entries[i].value, entries[4 + i].value) << v6;
    }
  }
  const std::string v4 = write_ip4set(entries);
  EXPECT_EQ(v4,
            "192.0.2.0/24\n!192.0.2.7\n198.51.100.1 :127.0.0.3:listed: $ #1\n"
            "198.51.100.2 :127.0.0.4:\n");
  std::vector<DomainListEntry> domains = {
      {*parse_domain_pattern(".example.com"), RblValue{}, 0},
      {*parse_domain_pattern("!*.ok.example.com"), RblValue{}, 0},
      {*parse_domain_pattern("x.test"), RblValue{{127, 0, 0, 9}, "bad\nline"}, 0},
  };
  const std::string d = write_dnset(domains);
  EXPECT_EQ(d, ".example.com\n!*.ok.example.com\nx.test :127.0.0.9:bad line\n");
  auto fd = parse_dnset(d, "d");
  ASSERT_TRUE(fd.ok()) << errors(fd);
  ASSERT_EQ(fd.entries.size(), 3u);
  EXPECT_EQ(fd.entries[1].pattern, domains[1].pattern);
  EXPECT_EQ(fd.entries[2].value.txt, "bad line");
}

TEST(Load, ReadsFilesAndReportsMissingOnes) {
  auto f = load_ip4set("/nonexistent/backstop-list");
  EXPECT_EQ(f.error_count, 1u);
  EXPECT_EQ(f.errors[0], "/nonexistent/backstop-list: No such file or directory");
  char path[] = "/tmp/backstop-lists-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = "example.com\nbad..x\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), ssize_t(text.size()));
  close(fd);
  auto d = load_dnset(path);
  EXPECT_EQ(d.entries.size(), 1u);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0], std::string(path) + ":2: empty label in domain name");
  std::remove(path);
}

}  // namespace
}  // namespace backstop::lists
