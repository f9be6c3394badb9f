// Unit tests for the drill's counters and output: the verdict figures and their denominators,
// rejects keyed by stage and reply, downstream attribution, latency percentiles, merging, the
// verdict line, the JSON keys the issue names, and the progress line.
#include "drill/stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "drill/planner.h"
#include "drill/report.h"

namespace backstop::drill {
namespace {

using ::testing::HasSubstr;

Outcome outcome(MsgClass cls, Result r, Stage s, int code = 0, std::string enhanced = {},
                uint64_t id = 0, uint64_t latency_us = 1000) {
  Outcome o;
  o.cls = cls;
  o.variant = "plain";
  o.result = r;
  o.stage = s;
  o.code = code;
  o.enhanced = std::move(enhanced);
  o.id = id;
  o.latency_us = latency_us;
  if (r == Result::kError) o.error = "timeout";
  return o;
}

void play(Stats& s, const Outcome& o) {
  s.count_start(o.cls);
  s.add(o);
}

TEST(Stats, VerdictCountsEverySessionStarted) {
  Stats s;
  for (int i = 0; i < 98; ++i)
    play(s, outcome(MsgClass::kBackscatter, Result::kRejected, Stage::kRcpt, 550, "5.1.1"));
  play(s, outcome(MsgClass::kBackscatter, Result::kAccepted, Stage::kEndOfData, 250));
  play(s, outcome(MsgClass::kBackscatter, Result::kError, Stage::kData));  // not blocked
  for (int i = 0; i < 4; ++i)
    play(s, outcome(MsgClass::kLegit, Result::kAccepted, Stage::kEndOfData, 250));
  s.count_start(MsgClass::kLegit);  // started, never finished
  play(s, outcome(MsgClass::kProbe, Result::kAccepted, Stage::kRcpt, 250));
  play(s, outcome(MsgClass::kProbe, Result::kRejected, Stage::kRcpt, 450, "4.7.1"));
  s.close_unfinished();
  s.elapsed_s = 2;
  Verdict v = verdict(s);
  EXPECT_DOUBLE_EQ(*v.backscatter_blocked_pct, 98.0);
  EXPECT_DOUBLE_EQ(*v.legit_delivered_pct, 80.0);
  EXPECT_DOUBLE_EQ(*v.probes_ok_pct, 50.0);
  EXPECT_FALSE(v.legit_bounces_delivered_pct);  // not played
  EXPECT_DOUBLE_EQ(v.sessions_per_s, 53.5);     // 107 ended (the cut one too) in 2 s
  EXPECT_EQ(s[MsgClass::kBackscatter].rejects.at("rcpt 550 5.1.1"), 98u);
  EXPECT_EQ(s[MsgClass::kBackscatter].error_kinds.at("timeout at data"), 1u);
  EXPECT_EQ(s[MsgClass::kLegit].error_kinds.at("unfinished at end"), 1u);
  EXPECT_EQ(s[MsgClass::kProbe].tempfailed, 1u);
  EXPECT_EQ(verdict_line(v),
            "verdict: backscatter blocked 98.00%, legit delivered 80.00%, legit bounces "
            "delivered n/a, probes answered 50.00%");
}

TEST(Stats, RepliesFromTheTargetBecomeBoundedPrintableKeys) {
  Stats s;
  play(s, outcome(MsgClass::kUnknown, Result::kRejected, Stage::kMail, 553, "5.7.1\x01\xff junk"));
  EXPECT_EQ(s[MsgClass::kUnknown].rejects.begin()->first, "mail 553 5.7.1???jun");
}

TEST(Stats, DownstreamAttribution) {
  Stats s;
  s.keep_ids = true;
  play(s, outcome(MsgClass::kLegit, Result::kAccepted, Stage::kEndOfData, 250, "", 1));
  play(s, outcome(MsgClass::kLegit, Result::kAccepted, Stage::kEndOfData, 250, "", 2));
  play(s, outcome(MsgClass::kProbe, Result::kAccepted, Stage::kRcpt, 250, "", 3));
  play(s, outcome(MsgClass::kBackscatter, Result::kRejected, Stage::kEndOfData, 550, "", 4));
  std::vector<Arrival> arrivals = {
      {"legit", "tok.1"},
      {"legit", "tok.1"},        // a duplicate
      {"backscatter", "tok.4"},  // arrived although refused
      {"legit", "other.9"},      // another run's
      {"", ""},                  // no drill fields
  };
  s.attribute(arrivals, "tok");
  EXPECT_TRUE(s.sink);
  EXPECT_EQ(s.sink_messages, 5u);
  EXPECT_EQ(s.sink_duplicates, 1u);
  EXPECT_EQ(s.sink_foreign, 2u);
  EXPECT_EQ(s[MsgClass::kLegit].arrived, 1u);
  EXPECT_EQ(s[MsgClass::kLegit].accepted_not_arrived, 1u);  // id 2
  EXPECT_EQ(s[MsgClass::kProbe].accepted_not_arrived, 0u);  // probes send no message
  EXPECT_EQ(s[MsgClass::kBackscatter].arrived_not_accepted, 1u);
  Verdict v = verdict(s);
  EXPECT_DOUBLE_EQ(*v.downstream_legit_delivered_pct, 50.0);
  EXPECT_DOUBLE_EQ(*v.downstream_backscatter_blocked_pct, 0.0);
}

TEST(Latencies, QuantilesMaxAndMerge) {
  Latencies a, b;
  for (uint64_t i = 1; i <= 100; ++i) a.add(i * 1000);
  EXPECT_EQ(a.quantile_us(0.5), 51000u);
  EXPECT_EQ(a.quantile_us(0.99), 100000u);
  EXPECT_EQ(a.max_us(), 100000u);
  b.add(5000000);
  a.merge(b);
  EXPECT_EQ(a.count(), 101u);
  EXPECT_EQ(a.max_us(), 5000000u);
  EXPECT_EQ(Latencies().quantile_us(0.5), 0u);
}

TEST(Latencies, BoundedInLongRuns) {
  Latencies l;
  for (uint64_t i = 0; i < Latencies::kCap + 1000; ++i) l.add(i % 1000);
  EXPECT_EQ(l.count(), Latencies::kCap + 1000);
  uint64_t p50 = l.quantile_us(0.5);
  EXPECT_GT(p50, 400u);
  EXPECT_LT(p50, 600u);
}

TEST(Stats, MergeAddsUp) {
  Stats a, b;
  play(a, outcome(MsgClass::kLegit, Result::kAccepted, Stage::kEndOfData, 250));
  play(b, outcome(MsgClass::kLegit, Result::kRejected, Stage::kEndOfData, 451, "4.4.1"));
  a.elapsed_s = 1;
  b.elapsed_s = 3;
  b.skipped = 2;
  a.merge(b);
  EXPECT_EQ(a[MsgClass::kLegit].sent, 2u);
  EXPECT_EQ(a[MsgClass::kLegit].accepted, 1u);
  EXPECT_EQ(a[MsgClass::kLegit].rejects.at("end-of-data 451 4.4.1"), 1u);
  EXPECT_EQ(a[MsgClass::kLegit].variants.at("plain").sent, 2u);
  EXPECT_EQ(a.elapsed_s, 3);
  EXPECT_EQ(a.skipped, 2u);
  EXPECT_EQ(a.sessions(), 2u);
}

TEST(Report, JsonHasTheKeysTheIssueNames) {
  Stats s;
  play(s, outcome(MsgClass::kBackscatter, Result::kRejected, Stage::kRcpt, 550, "5.1.1"));
  play(s, outcome(MsgClass::kLegit, Result::kAccepted, Stage::kEndOfData, 250, "", 0, 2500));
  s.elapsed_s = 1;
  RunInfo run;
  run.target = "127.0.0.1:2525";
  run.domain = "example.org";
  run.mix = default_mix();
  auto j = to_json(s, run);
  for (const char* k :
       {"backscatter_blocked_pct", "legit_delivered_pct", "legit_bounces_delivered_pct",
        "probes_ok_pct", "sessions_per_s", "legit_latency_ms", "classes"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["backscatter_blocked_pct"], 100.0);
  EXPECT_TRUE(j["legit_bounces_delivered_pct"].is_null());
  EXPECT_EQ(j["legit_latency_ms"]["p50"], 2.5);
  EXPECT_EQ(j["legit_latency_ms"]["max"], 2.5);
  EXPECT_TRUE(j["legit_latency_ms"].contains("p99"));
  EXPECT_EQ(j["classes"]["backscatter"]["rejected_at"]["rcpt 550 5.1.1"], 1);
  EXPECT_EQ(j["classes"].size(), kClassCount);
  EXPECT_FALSE(j.contains("downstream"));
  EXPECT_EQ(j["run"]["mix"], "backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1");
}

TEST(Report, TextEndsWithTheVerdictLine) {
  Stats s;
  play(s, outcome(MsgClass::kBackscatter, Result::kRejected, Stage::kEndOfData, 550, "5.7.1"));
  s.elapsed_s = 0.5;
  RunInfo run;
  run.target = "127.0.0.1:2525";
  run.domain = "example.org";
  run.mix = default_mix();
  run.concurrency = 50;
  std::string text = format_report(s, run);
  EXPECT_THAT(text, HasSubstr("backscatter rejected at: end-of-data 550 5.7.1: 1\n"));
  EXPECT_THAT(text, HasSubstr("sessions/s: 2.0 (1 sessions in 0.50 s)\n"));
  EXPECT_TRUE(text.ends_with(verdict_line(verdict(s)) + "\n"));
}

TEST(Report, ProgressLine) {
  Progress p;
  p.elapsed_s = 2;
  p.duration_s = 5;
  p.classes[static_cast<size_t>(MsgClass::kBackscatter)] = {10, 0, 9, 1};
  p.classes[static_cast<size_t>(MsgClass::kLegit)] = {2, 2, 0, 0};
  EXPECT_EQ(progress_line(p),
            "drill 2.0/5s  12 sessions  6/s  blocked 90.0%  legit 100.0%  legit-bounces -  "
            "probes -  errors 1");
}

}  // namespace
}  // namespace backstop::drill
