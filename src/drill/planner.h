// What each drill session says: the class from the mix, then the HELO name, envelope and
// message from the pools, re-addressed to a forged or real local part of the target domain
// and marked (X-Drill-Class, X-Drill-Id) so a downstream sink can attribute arrivals. Pure;
// one Planner per thread, deterministic for a seed.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "drill/mix.h"
#include "drill/pools.h"

namespace backstop::drill {

struct SessionPlan {
  MsgClass cls = MsgClass::kLegit;
  std::string_view variant;  // "forged", "real", "batv", "relay", "plain", "tagged"
  uint64_t id = 0;           // unique in the run; X-Drill-Id is "<token>.<id in hex>"
  std::string helo;
  std::string mail_from;  // empty: the null sender <>
  std::string rcpt;
  bool data = true;  // false for probes: MAIL, RCPT, then QUIT (or RSET, QUIT)
  bool rset_before_quit = false;
  std::string payload;  // the dot-stuffed message with its final ".\r\n"
};

// "X-Drill-Class: legit\r\nX-Drill-Id: TOKEN.ID\r\n".
std::string drill_headers(MsgClass cls, std::string_view token, uint64_t id);

// Parses an X-Drill-Id value of this run ("TOKEN.HEX"); nullopt for another run's or garbage.
std::optional<uint64_t> parse_drill_id(std::string_view value, std::string_view token);

class Planner {
 public:
  // stream: this planner's number (its ids are stream << 40 | n), seed: the run's seed.
  Planner(const Workload& w, const Mix& mix, uint64_t seed, uint32_t stream);
  SessionPlan next();

  // A made-up local part that is not one of the real recipients ("j.harlow", "sales2291"...).
  std::string forged_local();

  // Share of backscatter addressed to real recipients (the rest to forged local parts).
  static constexpr double kRealShare = 0.25;

 private:
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  std::string helo_name();
  std::string external_sender();
  void fill_backscatter(SessionPlan& p);
  void fill_probe(SessionPlan& p);
  void fill_unknown(SessionPlan& p);
  void fill_legit(SessionPlan& p);
  void fill_legit_bounce(SessionPlan& p);
  void set_payload(SessionPlan& p, std::string message);

  const Workload& w_;
  ClassPicker picker_;
  std::mt19937_64 rng_;
  uint64_t next_id_;
  uint64_t legit_bounces_ = 0;
};

}  // namespace backstop::drill
