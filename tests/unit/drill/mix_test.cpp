// Unit tests for the drill's command-line values: the --mix parser (good input, and bad input
// with clear errors), the even interleaving of classes, --relay, --recipients, --duration.
#include "drill/mix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

namespace backstop::drill {
namespace {

using ::testing::HasSubstr;

std::string mix_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_mix(text, &error).has_value()) << text;
  return error;
}

TEST(Mix, ParsesTheIssueDefault) {
  std::string error;
  auto m = parse_mix("backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1", &error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(*m, default_mix());
  EXPECT_EQ(m->total(), 100u);
  EXPECT_EQ(format_mix(*m), "backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1");
}

TEST(Mix, ClassesLeftOutGetZeroAndBlanksAndCaseAreAllowed) {
  std::string error;
  auto m = parse_mix(" Legit = 5 , BACKSCATTER=95 ", &error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ((*m)[MsgClass::kLegit], 5u);
  EXPECT_EQ((*m)[MsgClass::kBackscatter], 95u);
  EXPECT_EQ((*m)[MsgClass::kProbe], 0u);
  EXPECT_EQ((*m)[MsgClass::kLegitBounce], 0u);
}

TEST(Mix, BadInputGivesClearErrors) {
  EXPECT_THAT(mix_error("backscatter=90,bounces=10"), HasSubstr("unknown class 'bounces'"));
  EXPECT_THAT(mix_error("backscatter=90,bounces=10"),
              HasSubstr("backscatter, probes, unknown, legit, legit-bounces"));
  EXPECT_THAT(mix_error("backscatter"), HasSubstr("has no '='"));
  EXPECT_THAT(mix_error("backscatter=ninety"), HasSubstr("whole number from 0 to 1000000"));
  EXPECT_THAT(mix_error("backscatter=-1"), HasSubstr("whole number"));
  EXPECT_THAT(mix_error("backscatter=1.5"), HasSubstr("whole number"));
  EXPECT_THAT(mix_error("backscatter=2000000"), HasSubstr("whole number"));
  EXPECT_THAT(mix_error("backscatter="), HasSubstr("whole number"));
  EXPECT_THAT(mix_error("legit=1,legit=2"), HasSubstr("names legit twice"));
  EXPECT_THAT(mix_error("legit=1,,probes=2"), HasSubstr("empty item"));
  EXPECT_THAT(mix_error("legit=1,"), HasSubstr("empty item"));
  EXPECT_THAT(mix_error("legit=0,probes=0"), HasSubstr("every weight is 0"));
  EXPECT_THAT(mix_error(""), HasSubstr("empty"));
  EXPECT_THAT(mix_error("   "), HasSubstr("empty"));
}

TEST(Mix, PickerIsExactOverEveryCycleAndInterleaved) {
  ClassPicker picker(default_mix());
  for (int cycle = 0; cycle < 3; ++cycle) {
    std::array<int, kClassCount> n{};
    for (int i = 0; i < 100; ++i) ++n[static_cast<size_t>(picker.next())];
    EXPECT_EQ(n, (std::array<int, kClassCount>{90, 3, 4, 2, 1}));
  }
  // The rare classes are spread out, not bunched at the end of the cycle: every class shows
  // up within the first half of a cycle except the one with weight 1.
  ClassPicker fresh(default_mix());
  std::array<int, kClassCount> first_half{};
  for (int i = 0; i < 50; ++i) ++first_half[static_cast<size_t>(fresh.next())];
  EXPECT_GE(first_half[static_cast<size_t>(MsgClass::kProbe)], 1);
  EXPECT_GE(first_half[static_cast<size_t>(MsgClass::kUnknown)], 1);
  EXPECT_GE(first_half[static_cast<size_t>(MsgClass::kLegit)], 1);
}

TEST(Mix, PickerNeverPicksAClassWithWeightZero) {
  std::string error;
  auto m = parse_mix("legit=1", &error);
  ASSERT_TRUE(m);
  ClassPicker picker(*m);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(picker.next(), MsgClass::kLegit);
}

TEST(Mix, ClassNamesRoundTrip) {
  for (auto c : kAllClasses) EXPECT_EQ(class_from_string(to_string(c)), c);
  EXPECT_FALSE(class_from_string("probe"));
}

TEST(Relay, ParsesHostAndAddress) {
  std::string error;
  auto r = parse_relay("Out.Example.ORG=192.0.2.10", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->host, "out.example.org");
  EXPECT_EQ(r->ip.str(), "192.0.2.10");
  EXPECT_TRUE(parse_relay("out.example.org=2001:db8::25", &error));
  EXPECT_FALSE(parse_relay("out.example.org", &error));
  EXPECT_THAT(error, HasSubstr("HOST=IP"));
  EXPECT_FALSE(parse_relay("out.example.org=300.1.1.1", &error));
  EXPECT_THAT(error, HasSubstr("not an IP address"));
  EXPECT_FALSE(parse_relay("=192.0.2.10", &error));
  EXPECT_THAT(error, HasSubstr("not a host name"));
}

TEST(Recipients, MustBeInTheDomainAndDistinct) {
  std::string error;
  auto r = parse_recipients("alice@example.org, Bob@Example.org", "example.org", &error);
  ASSERT_TRUE(r) << error;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].str(), "Bob@example.org");
  EXPECT_FALSE(parse_recipients("alice@example.net", "example.org", &error));
  EXPECT_THAT(error, HasSubstr("not in the target domain"));
  EXPECT_FALSE(parse_recipients("alice@example.org,ALICE@example.org", "example.org", &error));
  EXPECT_THAT(error, HasSubstr("twice"));
  EXPECT_FALSE(parse_recipients("alice", "example.org", &error));
  EXPECT_THAT(error, HasSubstr("not local@domain"));
  EXPECT_FALSE(parse_recipients(" , ", "example.org", &error));
  EXPECT_THAT(error, HasSubstr("empty"));
}

TEST(Duration, Forms) {
  std::string error;
  EXPECT_EQ(parse_drill_duration("30s", &error), std::chrono::milliseconds(30000));
  EXPECT_EQ(parse_drill_duration("2m", &error), std::chrono::milliseconds(120000));
  EXPECT_EQ(parse_drill_duration("1h", &error), std::chrono::milliseconds(3600000));
  EXPECT_EQ(parse_drill_duration("500ms", &error), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_drill_duration("7", &error), std::chrono::milliseconds(7000));
  for (const char* bad : {"", "0s", "-5s", "5x", "1.5s", "25h", "s"}) {
    EXPECT_FALSE(parse_drill_duration(bad, &error)) << bad;
    EXPECT_THAT(error, HasSubstr("--duration")) << bad;
  }
}

}  // namespace
}  // namespace backstop::drill
