// Unit tests of src/core/address.h: mailbox parsing in envelope and header forms, the finder
// that pulls addresses out of bounce prose, and the domain-name check.
#include "core/address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace backstop::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParseAddress, BareAddressLowerCasesOnlyTheDomain) {
  auto a = parse_address("John.Smith@Example.ORG");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->local, "John.Smith");
  EXPECT_EQ(a->domain, "example.org");
  EXPECT_EQ(a->str(), "John.Smith@example.org");
}

TEST(ParseAddress, AngleBracketsAndDisplayName) {
  EXPECT_EQ(parse_address("<bob@example.net>")->str(), "bob@example.net");
  EXPECT_EQ(parse_address("  \"Smith, Bob\" <bob@example.net>  ")->str(), "bob@example.net");
  EXPECT_EQ(parse_address("Mail Delivery System <MAILER-DAEMON@mx.example.net>")->str(),
            "MAILER-DAEMON@mx.example.net");
}

TEST(ParseAddress, NullPathIsNotAnAddress) {
  EXPECT_FALSE(parse_address("<>"));
  EXPECT_FALSE(parse_address(""));
  EXPECT_FALSE(parse_address("   "));
}

TEST(ParseAddress, RejectsMalformed) {
  EXPECT_FALSE(parse_address("no-at-sign"));
  EXPECT_FALSE(parse_address("@example.org"));
  EXPECT_FALSE(parse_address("user@"));
  EXPECT_FALSE(parse_address("<user@example.org"));  // unclosed bracket
  EXPECT_FALSE(parse_address("two words@example.org"));
  EXPECT_FALSE(parse_address("user@-bad.example.org"));
  EXPECT_FALSE(parse_address("user@example..org"));
  EXPECT_FALSE(parse_address("user@exa mple.org"));
}

TEST(ParseAddress, SourceRouteIsDropped) {
  // RFC 5321 4.1.2 A-d-l, still seen in old bounces.
  auto a = parse_address("<@relay1.example.net,@relay2.example.net:user@example.org>");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->str(), "user@example.org");
  EXPECT_FALSE(parse_address("<@relay.example.net>"));
}

TEST(ParseAddress, AddressLiteralDomain) {
  auto a = parse_address("postmaster@[192.0.2.1]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->domain, "[192.0.2.1]");
  EXPECT_FALSE(parse_address("postmaster@[192.0.2.1"));
}

TEST(ParseAddress, QuotedLocalPartAndSingleLabelDomain) {
  auto q = parse_address("\"john doe\"@example.org");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->local, "\"john doe\"");
  auto local = parse_address("root@localhost");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->domain, "localhost");
}

TEST(ParseAddress, PlusTagsAndBatvTagsAreLocalParts) {
  EXPECT_EQ(parse_address("user+tag@example.org")->local, "user+tag");
  EXPECT_EQ(parse_address("prvs=1234abcdef=user@example.com")->local, "prvs=1234abcdef=user");
}

TEST(ParseAddress, Utf8LocalPart) {
  auto a = parse_address("j\xC3\xBCrgen@example.de");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->local, "j\xC3\xBCrgen");
}

TEST(ParseAddress, OverlongLocalPartIsRejected) {
  std::string local(300, 'a');
  EXPECT_FALSE(parse_address(local + "@example.org"));
}

TEST(ParseAddress, Equality) {
  EXPECT_EQ(*parse_address("a@EXAMPLE.org"), *parse_address("<a@example.org>"));
  EXPECT_NE(*parse_address("A@example.org"), *parse_address("a@example.org"));
}

TEST(FindAddresses, InOrderDistinctAndLowerCased) {
  auto found = find_addresses(
      "<K.Patel@Example.NET>: host store.example.net said: 550 5.1.1 <k.patel@example.net>: "
      "Recipient address rejected; contact postmaster@example.net.");
  EXPECT_THAT(found, ElementsAre("k.patel@example.net", "postmaster@example.net"));
}

TEST(FindAddresses, StripsSurroundingPunctuation) {
  EXPECT_THAT(find_addresses("'user@example.org' and `other@example.com`."),
              ElementsAre("user@example.org", "other@example.com"));
  EXPECT_THAT(find_addresses("...dots@example.org..."), ElementsAre("dots@example.org"));
  EXPECT_THAT(find_addresses("rfc822;bob@example.net"), ElementsAre("bob@example.net"));
}

TEST(FindAddresses, IgnoresTokensWithoutADottedDomain) {
  EXPECT_THAT(find_addresses("root@localhost, W32/Mydoom.M@mm, @example.org, x@"), IsEmpty());
  EXPECT_THAT(find_addresses("no addresses here"), IsEmpty());
  EXPECT_THAT(find_addresses(""), IsEmpty());
}

TEST(FindAddresses, HonoursMax) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "u" + std::to_string(i) + "@example.org ";
  EXPECT_EQ(find_addresses(text).size(), 64u);
  EXPECT_EQ(find_addresses(text, 3).size(), 3u);
  EXPECT_THAT(find_addresses(text, 2), ElementsAre("u0@example.org", "u1@example.org"));
}

TEST(FindAddresses, ManyAtSignsStayBounded) {
  std::string text(100000, '@');
  EXPECT_THAT(find_addresses(text), IsEmpty());
  std::string long_local(5000, 'a');
  auto found = find_addresses(long_local + "@example.org");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_LE(found[0].size(), 257u + 11u);
}

TEST(IsDomainName, AcceptsHostNames) {
  EXPECT_TRUE(is_domain_name("example.org"));
  EXPECT_TRUE(is_domain_name("mx-1.mail.example.co.uk"));
  EXPECT_TRUE(is_domain_name("_dmarc.example.org"));
}

TEST(IsDomainName, RejectsNonNames) {
  EXPECT_FALSE(is_domain_name(""));
  EXPECT_FALSE(is_domain_name("localhost"));
  EXPECT_FALSE(is_domain_name(".example.org"));
  EXPECT_FALSE(is_domain_name("example.org."));
  EXPECT_FALSE(is_domain_name("-example.org"));
  EXPECT_FALSE(is_domain_name("example..org"));
  EXPECT_FALSE(is_domain_name("exa mple.org"));
  EXPECT_FALSE(is_domain_name("a/b.org"));
  EXPECT_FALSE(is_domain_name(std::string(250, 'a') + ".org"));
}

}  // namespace
}  // namespace backstop::core
