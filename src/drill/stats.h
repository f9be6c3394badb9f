// What the drill counts: per class, sessions sent, accepted, rejected at which stage with which
// reply, errors; latencies; and what a downstream sink saw arrive. Plain values, one Stats per
// thread, merged at the end. Replies come from the target under test and are not trusted to
// be sane: codes and texts are bounded before they become keys.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drill/mix.h"

namespace backstop::drill {

// Where in the SMTP transaction a session ended (RFC 5321 3.3 order).
enum class Stage : uint8_t { kConnect, kGreeting, kHelo, kMail, kRcpt, kData, kEndOfData, kQuit };
std::string_view to_string(Stage s);  // "connect", "greeting", "helo", ... "end-of-data"

enum class Result : uint8_t {
  kAccepted,  // DATA answered 250 (probes: RCPT answered 250)
  kRejected,  // a 4xx or 5xx reply at some stage
  kError,     // no usable reply: connect failed, timeout, connection closed, garbage
};

struct Outcome {
  MsgClass cls = MsgClass::kLegit;
  std::string_view variant;
  uint64_t id = 0;
  Result result = Result::kError;
  Stage stage = Stage::kConnect;
  int code = 0;             // the reply that decided it (rejected), 0 for errors
  std::string enhanced;     // its enhanced status code, if any
  std::string error;        // for errors: "timeout", "closed", "refused", "bad-reply", ...
  uint64_t latency_us = 0;  // connect to the deciding reply
};

// Latency samples, bounded: the first kCap are kept, later ones replace random earlier ones
// (reservoir sampling), so percentiles stay fair in long runs. max and count are exact.
class Latencies {
 public:
  static constexpr size_t kCap = 1u << 20;
  void add(uint64_t us);
  void merge(const Latencies& other);
  uint64_t count() const { return count_; }
  uint64_t max_us() const { return max_; }
  // The q-quantile (0..1) of the samples, nearest rank; 0 when empty.
  uint64_t quantile_us(double q) const;

 private:
  std::vector<uint32_t> samples_;  // microseconds, saturated at 2^32-1 (71 minutes)
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t rng_ = 0x2545f4914f6cdd1dull;
};

struct VariantStats {
  uint64_t sent = 0;
  uint64_t accepted = 0;
};

struct ClassStats {
  uint64_t sent = 0;  // sessions started
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t errors = 0;
  uint64_t tempfailed = 0;                      // of rejected, with a 4xx
  std::map<std::string, uint64_t> rejects;      // "rcpt 550 5.1.1" -> n
  std::map<std::string, uint64_t> error_kinds;  // "timeout at data" -> n
  std::map<std::string, VariantStats> variants;
  Latencies latency;  // connect to the reply that decided the session (errors excluded)
  // With a sink: messages of this class that arrived downstream (distinct ids), and the two
  // ways arrivals and answers can disagree.
  uint64_t arrived = 0;
  uint64_t arrived_not_accepted = 0;   // arrived although the client was not answered 250
  uint64_t accepted_not_arrived = 0;   // answered 250 but never arrived
  std::vector<uint64_t> accepted_ids;  // kept only when a sink is counting
};

struct Arrival {
  std::string cls;  // X-Drill-Class as received
  std::string id;   // X-Drill-Id as received
};

struct Stats {
  std::array<ClassStats, kClassCount> classes;
  double elapsed_s = 0;   // from the first connect to the last session's end
  uint64_t skipped = 0;   // --rate: sessions not started because the in-flight cap was hit
  bool keep_ids = false;  // record accepted ids (a sink is counting)
  // With a sink.
  bool sink = false;
  uint64_t sink_messages = 0;    // messages the sink took in all
  uint64_t sink_foreign = 0;     // without a drill id of this run
  uint64_t sink_duplicates = 0;  // an id that arrived more than once

  ClassStats& operator[](MsgClass c) { return classes[static_cast<size_t>(c)]; }
  const ClassStats& operator[](MsgClass c) const { return classes[static_cast<size_t>(c)]; }
  void count_start(MsgClass c) { ++(*this)[c].sent; }
  void add(const Outcome& o);
  // Sessions that were started and never finished (the run's hard stop) become errors.
  void close_unfinished();
  void merge(const Stats& other);
  uint64_t sessions() const;  // finished sessions (accepted + rejected + errors)
  // Matches the sink's arrivals (of this run's token) against the answers.
  void attribute(const std::vector<Arrival>& arrivals, std::string_view token);
};

// The headline figures, as percentages (nullopt when the class was not played).
struct Verdict {
  std::optional<double> backscatter_blocked_pct;  // refused at any stage
  std::optional<double> legit_delivered_pct;      // answered 250 at end of DATA
  std::optional<double> legit_bounces_delivered_pct;
  std::optional<double> probes_ok_pct;         // RCPT answered 250
  std::optional<double> unknown_rejected_pct;  // refused (at RCPT, normally)
  double sessions_per_s = 0;
  // With a sink: the same, counted from what arrived downstream.
  std::optional<double> downstream_backscatter_blocked_pct;
  std::optional<double> downstream_legit_delivered_pct;
  std::optional<double> downstream_legit_bounces_delivered_pct;
};
Verdict verdict(const Stats& s);

}  // namespace backstop::drill
