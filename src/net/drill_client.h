// The socket side of `backstop drill`: many concurrent SMTP client sessions as asio coroutines
// against a loopback target, each from its own random source address in 127.0.0.0/8 so that
// TIME_WAIT does not cap the run, and the downstream sink the target may relay to. Replies
// from the target are untrusted and bounded (smtp::ReplyReader); every step has a timeout and
// the whole run a hard stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "drill/mix.h"
#include "drill/pools.h"
#include "drill/report.h"
#include "drill/stats.h"

namespace backstop::net {

struct DrillClientOptions {
  std::string host = "127.0.0.1";  // must be loopback (check_loopback_target)
  uint16_t port = 25;
  std::chrono::milliseconds duration{30000};
  double rate = 0;            // sessions/s started on a clock; 0: closed loop at `concurrency`
  uint32_t concurrency = 50;  // closed loop: sessions in flight; with a rate: the cap
  uint32_t threads = 1;       // event loops; the load is split evenly between them
  std::chrono::milliseconds timeout{30000};     // per SMTP step (connect, each reply, the data)
  uint16_t sink_port = 0;                       // 0: no sink
  std::chrono::milliseconds sink_settle{2000};  // no new arrival for this long: stop waiting
  std::chrono::milliseconds sink_wait{30000};   // at most this long for late arrivals
  uint64_t seed = 1;
};

// Limits that keep the drill a rehearsal tool rather than a weapon or a fork bomb.
inline constexpr uint32_t kMaxDrillConcurrency = 20000;
inline constexpr uint32_t kMaxDrillThreads = 64;
inline constexpr double kMaxDrillRate = 200000;

// nullopt when host is a loopback address (127.0.0.0/8, ::1) or "localhost"; otherwise why the
// drill refuses it.
std::optional<std::string> check_loopback_target(std::string_view host);

// Called about five times a second from the calling thread while the run goes on.
using DrillProgressFn = std::function<void(const drill::Progress&)>;

// Runs the drill: starts the sink (if any), plays the workload for the duration, lets the
// sessions in flight finish (at most timeout + 5 s more), waits for late downstream arrivals,
// and returns the counters. nullopt and *error when it cannot start (bad target, sink port in
// use). token is this run's id in X-Drill-Id (the workload's).
std::optional<drill::Stats> run_drill(const drill::Workload& workload, const drill::Mix& mix,
                                      const DrillClientOptions& options,
                                      const DrillProgressFn& progress, std::string* error);

}  // namespace backstop::net
