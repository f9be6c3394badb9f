// Unit tests of src/core/text.h: ASCII case folding, searching, trimming, line splitting and
// whitespace collapsing, including arbitrary (non-UTF-8, NUL-bearing) bytes.
#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::core {
namespace {

using namespace std::string_view_literals;

TEST(Text, AsciiLowerOnlyFoldsAsciiLetters) {
  EXPECT_EQ(ascii_lower('A'), 'a');
  EXPECT_EQ(ascii_lower('Z'), 'z');
  EXPECT_EQ(ascii_lower('a'), 'a');
  EXPECT_EQ(ascii_lower('@'), '@');
  EXPECT_EQ(ascii_lower('['), '[');
  EXPECT_EQ(ascii_lower('\xC4'), '\xC4');  // Latin-1 capital A umlaut is left alone
  static_assert(ascii_lower('Q') == 'q');
}

TEST(Text, ToLower) {
  EXPECT_EQ(to_lower("MAILER-DAEMON@Example.ORG"), "mailer-daemon@example.org");
  EXPECT_EQ(to_lower(""), "");
  std::string bytes("A\0B\xFF", 4);
  EXPECT_EQ(to_lower(bytes), std::string("a\0b\xFF", 4));
}

TEST(Text, Iequals) {
  EXPECT_TRUE(iequals("Received", "RECEIVED"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Received", "Receive"));
  EXPECT_FALSE(iequals("from", "form"));
}

TEST(Text, IstartsAndIendsWith) {
  EXPECT_TRUE(istarts_with("Content-Type: text/plain", "content-type:"));
  EXPECT_TRUE(istarts_with("abc", ""));
  EXPECT_FALSE(istarts_with("ab", "abc"));
  EXPECT_TRUE(iends_with("mx.EXAMPLE.org", ".example.ORG"));
  EXPECT_FALSE(iends_with("org", "example.org"));
  EXPECT_TRUE(iends_with("x", ""));
}

TEST(Text, IfindFindsFirstCaseInsensitiveOccurrence) {
  EXPECT_EQ(ifind("Hi. This is the QMAIL-send program", "qmail-SEND"), 16u);
  EXPECT_EQ(ifind("aaa", "a", 1), 1u);
  EXPECT_EQ(ifind("abcabc", "ABC", 1), 3u);
  EXPECT_EQ(ifind("abc", "abcd"), std::string_view::npos);
  EXPECT_EQ(ifind("abc", "x"), std::string_view::npos);
  EXPECT_EQ(ifind("", "x"), std::string_view::npos);
}

TEST(Text, IfindEmptyNeedleAndOutOfRangeStart) {
  EXPECT_EQ(ifind("abc", ""), 0u);
  EXPECT_EQ(ifind("abc", "", 3), 3u);
  EXPECT_EQ(ifind("abc", "", 4), std::string_view::npos);
  EXPECT_EQ(ifind("abc", "c", 10), std::string_view::npos);
}

// ifind looks for the needle's first byte in each case separately; these mix the cases of
// first-byte candidates that fail and succeed, and check a needle ending at the text's end.
TEST(Text, IfindMixedCaseCandidates) {
  EXPECT_EQ(ifind("SaId sAx SAID: x", "said:"), 9u);
  EXPECT_EQ(ifind("sAsAsAId", "said"), 4u);
  EXPECT_EQ(ifind("xyzSaId", "said"), 3u);
  EXPECT_EQ(ifind("xyzSaI", "said"), std::string_view::npos);
  EXPECT_EQ(ifind("a.b.c.", ".C."), 3u);
  EXPECT_EQ(ifind("WWW.www.WwW.x", "www.x", 1), 8u);
  EXPECT_EQ(ifind("Said said", "SAID", 1), 5u);
}

TEST(Text, IfindMatchAtTheVeryEnd) {
  EXPECT_EQ(ifind("status 5.1.1", "5.1.1"), 7u);
  EXPECT_EQ(ifind("xxY", "y"), 2u);
}

TEST(Text, Icontains) {
  EXPECT_TRUE(icontains("Delivery Status Notification (Failure)", "(failure)"));
  EXPECT_FALSE(icontains("Delivery", "failure"));
  EXPECT_TRUE(icontains("anything", ""));
}

TEST(Text, TrimRemovesAsciiWhitespaceOnly) {
  EXPECT_EQ(trim("  \t value \r\n"), "value");
  EXPECT_EQ(trim("\r\n\t "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("a b"), "a b");
  EXPECT_EQ(trim("\vx\v"), "\vx\v");  // vertical tab is not stripped
}

TEST(Text, SplitLinesHandlesLfAndCrlf) {
  auto lines = split_lines("one\r\ntwo\nthree");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "one");
  EXPECT_EQ(lines[1], "two");
  EXPECT_EQ(lines[2], "three");
}

TEST(Text, SplitLinesTrailingNewlineAddsNoEmptyLine) {
  auto lines = split_lines("a\nb\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "b");
  EXPECT_TRUE(split_lines("").empty());
}

TEST(Text, SplitLinesKeepsEmptyLinesInside) {
  auto lines = split_lines("a\n\r\n\nb");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], "b");
}

TEST(Text, SplitLinesLoneCrIsKept) {
  auto lines = split_lines("a\rb\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "a\rb");
}

TEST(Text, CollapseSpaceJoinsFoldedHeaderLines) {
  EXPECT_EQ(collapse_space("smtp; 550 5.1.1 <a@example.org>: Recipient address\r\n    rejected"),
            "smtp; 550 5.1.1 <a@example.org>: Recipient address rejected");
  EXPECT_EQ(collapse_space("  leading and trailing  "), "leading and trailing");
  EXPECT_EQ(collapse_space("a\t\tb"), "a b");
  EXPECT_EQ(collapse_space(" \r\n\t"), "");
}

TEST(Text, DaysSinceEpoch) {
  static_assert(days_since_epoch(0) == 0);
  EXPECT_EQ(days_since_epoch(86399), 0);
  EXPECT_EQ(days_since_epoch(86400), 1);
  EXPECT_EQ(days_since_epoch(-1), -1);
  EXPECT_EQ(days_since_epoch(-86400), -1);
  EXPECT_EQ(days_since_epoch(-86401), -2);
  EXPECT_EQ(days_since_epoch(1710201600), 19794);  // 2024-03-12T00:00:00Z
}

TEST(Text, ArbitraryBytesDoNotConfuseSearch) {
  std::string hay("\xFF\xFE\0Mailer-Daemon\0", 17);
  EXPECT_EQ(ifind(hay, "mailer-daemon"), 3u);
  EXPECT_TRUE(icontains(hay, std::string_view("\0", 1)));
}

}  // namespace
}  // namespace backstop::core
