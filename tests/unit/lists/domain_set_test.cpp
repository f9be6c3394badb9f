// Unit tests for domain patterns and DomainSet: rbldnsd's dnset meaning of "x", "*.x" and ".x",
// exclusions, most-specific-wins, case and trailing dots, and bad patterns.
#include "lists/domain_set.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace backstop::lists {
namespace {

DomainPattern pat(const char* s) {
  std::string error;
  auto p = parse_domain_pattern(s, &error);
  EXPECT_TRUE(p) << s << ": " << error;
  return p.value_or(DomainPattern{});
}

TEST(DomainPattern, ParsesKindsAndExclusions) {
  auto p = pat("Example.COM.");
  EXPECT_EQ(p.name, "example.com");
  EXPECT_EQ(p.match, DomainMatch::kExact);
  EXPECT_FALSE(p.excluded);
  EXPECT_EQ(pat("*.example.com").match, DomainMatch::kSubdomains);
  EXPECT_EQ(pat(".example.com").match, DomainMatch::kBoth);
  p = pat("!*.Out.Example.com");
  EXPECT_TRUE(p.excluded);
  EXPECT_EQ(p.str(), "!*.out.example.com");
  EXPECT_EQ(pat("!.x_y-z.example").str(), "!.x_y-z.example");
  EXPECT_EQ(pat("com").str(), "com");
  EXPECT_EQ(pat(std::string(63, 'a').c_str()).name.size(), 63u);
}

TEST(DomainPattern, RejectsBadPatterns) {
  const std::string long_label = std::string(64, 'a') + ".com";
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  long_name += "com";  // 259 characters
  const std::string bad[] = {"",
                             ".",
                             "*",
                             "*.",
                             "!",
                             "!!x.com",
                             "a..b",
                             "a.*.com",
                             "**.com",
                             "*example.com",
                             "a b.com",
                             "a/b.com",
                             "ex\xc3\xa9.com",
                             long_label,
                             long_name,
                             "..com",
                             ".*.com",
                             "x.com..",
                             "*.*.com"};
  for (const std::string& s : bad) {
    std::string error;
    EXPECT_FALSE(parse_domain_pattern(s, &error)) << s;
    EXPECT_FALSE(error.empty()) << s;
  }
}

TEST(DomainSet, DnsetMeaning) {
  DomainSet<int> s;
  s.insert(pat("exact.example"), 1);
  s.insert(pat("*.sub.example"), 2);
  s.insert(pat(".both.example"), 3);
  EXPECT_EQ(*s.lookup("exact.example"), 1);
  EXPECT_EQ(s.lookup("a.exact.example"), nullptr);
  EXPECT_EQ(s.lookup("sub.example"), nullptr);
  EXPECT_EQ(*s.lookup("a.sub.example"), 2);
  EXPECT_EQ(*s.lookup("a.b.c.sub.example"), 2);
  EXPECT_EQ(*s.lookup("both.example"), 3);
  EXPECT_EQ(*s.lookup("x.both.example"), 3);
  EXPECT_EQ(s.lookup("notboth.example"), nullptr);  // label boundaries only
  EXPECT_EQ(s.lookup("example"), nullptr);
  EXPECT_EQ(*s.lookup("EXACT.Example."), 1);
  EXPECT_EQ(*s.lookup("X.Both.EXAMPLE."), 3);
  EXPECT_EQ(s.lookup(""), nullptr);
  EXPECT_EQ(s.lookup("."), nullptr);
  EXPECT_EQ(s.lookup(std::string(300, 'a')), nullptr);
}

TEST(DomainSet, MostSpecificWinsAndExclusions) {
  DomainSet<std::string> s;
  s.insert(pat(".example.com"), "all");
  s.insert(pat("!*.outgoing.example.com"), "");
  s.insert(pat("bad.outgoing.example.com"), "bad");
  s.insert(pat("!mail.example.com"), "");
  EXPECT_EQ(*s.lookup("example.com"), "all");
  EXPECT_EQ(*s.lookup("www.example.com"), "all");
  EXPECT_EQ(*s.lookup("outgoing.example.com"), "all");  // "*." does not hold the name itself
  EXPECT_EQ(s.lookup("a.outgoing.example.com"), nullptr);
  EXPECT_EQ(s.lookup("x.y.outgoing.example.com"), nullptr);
  EXPECT_EQ(*s.lookup("bad.outgoing.example.com"), "bad");  // more specific than the exclusion
  EXPECT_EQ(s.lookup("mail.example.com"), nullptr);
  EXPECT_EQ(*s.lookup("x.mail.example.com"), "all");  // the exclusion was exact
  auto m = s.match("a.outgoing.example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pattern.str(), "!*.outgoing.example.com");
  m = s.match("q.example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pattern.str(), ".example.com");
  EXPECT_FALSE(s.match("example.org"));
}

TEST(DomainSet, SameNameTies) {
  DomainSet<int> s;
  s.insert(pat("x.test"), 1);
  s.insert(pat(".x.test"), 2);
  EXPECT_EQ(*s.lookup("x.test"), 1);  // exact before ".x"
  EXPECT_EQ(*s.lookup("a.x.test"), 2);
  s.insert(pat("*.x.test"), 3);
  EXPECT_EQ(*s.lookup("a.x.test"), 3);  // "*.x" before ".x"
  s.insert(pat("!x.test"), 0);
  EXPECT_EQ(s.lookup("x.test"), nullptr);  // an exclusion wins over an inclusion of equal rank
  s.insert(pat("!.x.test"), 0);
  EXPECT_EQ(s.lookup("a.x.test"), nullptr);
  EXPECT_EQ(s.size(), 5u);
}

TEST(DomainSet, InsertEraseFindForEach) {
  DomainSet<int> s;
  EXPECT_TRUE(s.insert(pat("a.test"), 1));
  EXPECT_FALSE(s.insert(pat("A.TEST."), 2));
  EXPECT_TRUE(s.insert(pat("!a.test"), 3));
  EXPECT_TRUE(s.insert(pat("*.a.test"), 4));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(*s.find(pat("a.test")), 2);
  EXPECT_EQ(s.find(pat(".a.test")), nullptr);
  std::map<std::string, int> seen;
  s.for_each([&](const DomainPattern& p, int v) { seen[p.str()] = v; });
  EXPECT_EQ(seen, (std::map<std::string, int>{{"a.test", 2}, {"!a.test", 3}, {"*.a.test", 4}}));
  EXPECT_FALSE(s.erase(pat(".a.test")));
  EXPECT_TRUE(s.erase(pat("!a.test")));
  EXPECT_EQ(*s.lookup("a.test"), 2);
  EXPECT_TRUE(s.erase(pat("a.test")));
  EXPECT_TRUE(s.erase(pat("*.a.test")));
  EXPECT_FALSE(s.erase(pat("a.test")));
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.lookup("b.a.test"), nullptr);
  EXPECT_TRUE(s.insert(pat("c.test"), 9));  // a freed slot is reused
  EXPECT_EQ(*s.lookup("c.test"), 9);
  s.clear();
  EXPECT_EQ(s.lookup("c.test"), nullptr);
}

TEST(DomainSet, EmptyLabelsMatchNothing) {
  DomainSet<int> s;
  s.insert(pat(".x.test"), 1);
  EXPECT_EQ(*s.lookup("a.x.test"), 1);
  EXPECT_EQ(s.lookup("a..x.test"), nullptr);
  EXPECT_EQ(s.lookup(".x.test"), nullptr);
  EXPECT_EQ(s.lookup("x.test.."), nullptr);
  std::string deep;
  for (int i = 0; i < 123; ++i) deep += "a.";
  deep += "x.test";  // 252 characters, 125 labels
  ASSERT_NE(s.lookup(deep), nullptr);
  EXPECT_EQ(s.lookup(deep + ".a"), nullptr);  // 254 characters: too long to be a name
}

TEST(DomainSet, ManyNamesGrowAndShrink) {
  DomainSet<int> s;
  for (int i = 0; i < 20000; ++i)
    ASSERT_TRUE(s.insert(pat(("h" + std::to_string(i) + ".example").c_str()), i));
  for (int i = 0; i < 20000; i += 3) ASSERT_EQ(*s.lookup("H" + std::to_string(i) + ".EXAMPLE."), i);
  for (int i = 0; i < 19990; ++i)
    ASSERT_TRUE(s.erase(pat(("h" + std::to_string(i) + ".example").c_str())));
  EXPECT_EQ(s.size(), 10u);
  EXPECT_EQ(s.lookup("h5.example"), nullptr);
  for (int i = 19990; i < 20000; ++i) ASSERT_EQ(*s.lookup("h" + std::to_string(i) + ".example"), i);
}

}  // namespace
}  // namespace backstop::lists
