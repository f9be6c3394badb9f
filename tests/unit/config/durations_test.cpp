// Unit tests for config durations ("30s", "5m", "2h", "1d", seconds) and sizes ("25M", bytes):
// what parses, what does not, overflow, and the shortest printed forms.
#include "config/durations.h"

#include <gtest/gtest.h>

namespace backstop::config {
namespace {

using std::chrono::seconds;

TEST(Duration, ParsesUnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration("30s"), seconds(30));
  EXPECT_EQ(parse_duration("5m"), seconds(300));
  EXPECT_EQ(parse_duration("2h"), seconds(7200));
  EXPECT_EQ(parse_duration("1d"), seconds(86400));
  EXPECT_EQ(parse_duration("45"), seconds(45));
  EXPECT_EQ(parse_duration("0"), seconds(0));
  EXPECT_EQ(parse_duration("0s"), seconds(0));
  EXPECT_EQ(parse_duration("007m"), seconds(420));
}

TEST(Duration, RejectsEverythingElse) {
  for (const char* bad : {"", "s", "m5", "5 m", " 5m", "5m ", "5M", "1w", "1.5h", "-1", "+1",
                          "5min", "1h30m", "ten", "5ms", "0x10"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(Duration, RejectsOverflow) {
  EXPECT_EQ(parse_duration("4294967295"), seconds(4294967295LL));
  EXPECT_FALSE(parse_duration("4294967296").has_value());
  EXPECT_FALSE(parse_duration("49711d").has_value());  // just over 2^32 seconds
  EXPECT_TRUE(parse_duration("49710d").has_value());
  EXPECT_FALSE(parse_duration("99999999999999999999999").has_value());
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(seconds(0)), "0s");
  EXPECT_EQ(format_duration(seconds(90)), "90s");
  EXPECT_EQ(format_duration(seconds(300)), "5m");
  EXPECT_EQ(format_duration(seconds(7200)), "2h");
  EXPECT_EQ(format_duration(seconds(86400)), "1d");
  EXPECT_EQ(format_duration(seconds(90000)), "25h");
  for (const char* text : {"30s", "5m", "2h", "1d", "61s", "3m"})
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
}

TEST(Size, ParsesBinaryMultiples) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512K"), 512u * 1024);
  EXPECT_EQ(parse_size("25M"), 25u << 20);
  EXPECT_EQ(parse_size("1G"), uint64_t(1) << 30);
  EXPECT_EQ(parse_size("25MiB"), 25u << 20);
  EXPECT_EQ(parse_size("25mb"), 25u << 20);
  EXPECT_EQ(parse_size("256kib"), 256u << 10);
  EXPECT_EQ(parse_size("100b"), 100u);
}

TEST(Size, RejectsEverythingElse) {
  for (const char* bad : {"", "M", "25 M", "2.5M", "-1", "25T", "25MBs", "lots"})
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  EXPECT_FALSE(parse_size("9007199254740993").has_value());  // over 2^53
  EXPECT_FALSE(parse_size("8388609G").has_value());
}

TEST(Size, FormatsShortestExactForm) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(256u << 10), "256K");
  EXPECT_EQ(format_size(25u << 20), "25M");
  EXPECT_EQ(format_size(uint64_t(2) << 30), "2G");
}

}  // namespace
}  // namespace backstop::config
