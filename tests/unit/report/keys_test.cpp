// Unit tests for report keys and the key file: which key signs, comments, and every error
// reported with path and line (never the secret).
#include "report/keys.h"

#include <gtest/gtest.h>

namespace backstop::report {
namespace {

TEST(ReportKeys, FirstListedSigns) {
  auto r = parse_report_keys(
      "# report keys\n"
      "\n"
      "2024b   the new secret, long enough  \r\n"
      "\t2024a\tthe old secret still verifies\n",
      "keys");
  ASSERT_TRUE(r.keys) << r.errors.front();
  EXPECT_EQ(r.keys->size(), 2u);
  EXPECT_EQ(r.keys->signing()->id, "2024b");
  EXPECT_EQ(r.keys->signing()->secret, "the new secret, long enough");
  EXPECT_EQ(r.keys->find("2024a")->secret, "the old secret still verifies");
  EXPECT_EQ(r.keys->find("2024c"), nullptr);
}

TEST(ReportKeys, ReportsBadLines) {
  auto r = parse_report_keys(
      "k1 0123456789abcdef\n"                              // 1 ok
      "k2 short\n"                                         // 2
      "k/3 0123456789abcdef\n"                             // 3
      "k1 another-long-secret!!\n"                         // 4 duplicate
      "k4\n"                                               // 5 no secret
          + std::string(33, 'k') + " 0123456789abcdef\n",  // 6 id too long
      "/etc/backstop/report.keys");
  EXPECT_FALSE(r.keys);
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0], "/etc/backstop/report.keys:2: key k2 has a secret shorter than 16 bytes");
  EXPECT_EQ(r.errors[1].substr(0, 28), "/etc/backstop/report.keys:3:");
  EXPECT_EQ(r.errors[2], "/etc/backstop/report.keys:4: key k1 is defined twice");
  EXPECT_EQ(r.errors[3].substr(0, 28), "/etc/backstop/report.keys:5:");
  for (const auto& e : r.errors) EXPECT_EQ(e.find("short\n"), std::string::npos);
  EXPECT_EQ(parse_report_keys("# nothing\n", "p").errors,
            std::vector<std::string>{"p: no keys (expected lines 'ID SECRET')"});
  auto missing = load_report_keys("/nonexistent/keys");
  EXPECT_EQ(missing.errors,
            std::vector<std::string>{"/nonexistent/keys: No such file or directory"});
}

TEST(ReportKeys, AddChecks) {
  ReportKeys k;
  EXPECT_EQ(k.signing(), nullptr);
  EXPECT_TRUE(k.add("a", std::string(16, 's')));
  EXPECT_FALSE(k.add("a", std::string(16, 't')));
  EXPECT_FALSE(k.add("b", std::string(15, 's')));
  EXPECT_FALSE(k.add("", std::string(16, 's')));
  EXPECT_FALSE(k.add("a b", std::string(16, 's')));
  EXPECT_TRUE(k.add("b", std::string(16, 't')));
  EXPECT_EQ(k.signing()->id, "a");
}

}  // namespace
}  // namespace backstop::report
