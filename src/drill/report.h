// The drill's output: the report table, the verdict line, the --json object and the live
// progress line. Pure formatting of the counters in stats.h.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "drill/mix.h"
#include "drill/pools.h"
#include "drill/stats.h"

namespace backstop::drill {

struct RunInfo {
  std::string target;  // "127.0.0.1:2525"
  std::string domain;
  double duration_s = 0;
  uint32_t concurrency = 0;  // closed loop: sessions in flight; with a rate: the in-flight cap
  double rate = 0;           // sessions/s asked for; 0: closed loop at --concurrency
  uint32_t threads = 1;
  Mix mix;
  std::string corpus;  // where the messages came from
  PoolCounts pools;
  uint16_t sink_port = 0;  // 0: no sink
  uint64_t seed = 0;
};

// "verdict: backscatter blocked 99.95%, legit delivered 100.00%, legit bounces delivered
// 100.00%, probes answered 100.00%" ("n/a" for a class not played).
std::string verdict_line(const Verdict& v);

// The whole human-readable report: run, per-class table, rejects by stage and reply, errors,
// downstream arrivals, sessions/s, latency, and the verdict line last.
std::string format_report(const Stats& s, const RunInfo& run);

// One object: backscatter_blocked_pct, legit_delivered_pct, legit_bounces_delivered_pct,
// probes_ok_pct, unknown_rejected_pct, sessions_per_s, legit_latency_ms {p50, p99, max},
// classes {NAME: {...}}, downstream {...} (with a sink), run {...}. Percentages of classes not
// played are null.
nlohmann::json to_json(const Stats& s, const RunInfo& run);

// Live counters, read while the run goes on.
struct ClassCounts {
  uint64_t sent = 0, accepted = 0, rejected = 0, errors = 0;
};
struct Progress {
  double elapsed_s = 0;
  double duration_s = 0;
  std::array<ClassCounts, kClassCount> classes;
};

// "drill 3.0/5s  5120 sessions  1706/s  blocked 100.0%  legit 100.0%  legit-bounces 100.0%
// probes 100.0%  errors 0"
std::string progress_line(const Progress& p);

}  // namespace backstop::drill
