// Verifier: the receiving end of UDP reports. A packet is accepted only when it parses, names a
// known key, carries that key's HMAC (compared in constant time), was sent within the window
// around now, and its nonce was not accepted before. Drops are counted by cause. Pure: the
// caller passes the time in; one Verifier per receiving socket, not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/keys.h"
#include "report/replay_cache.h"
#include "report/wire.h"

namespace backstop::report {

enum class Verdict { kAccepted, kMalformed, kUnknownKey, kBadMac, kStale, kReplay };
// "accepted", "malformed", "unknown_key", "bad_mac", "stale", "replay".
const char* to_string(Verdict v);

struct VerifierOptions {
  int64_t window_seconds = 300;  // accepted: now - window <= timestamp <= now + window
  size_t max_nonces = 65536;     // replay cache bound (see replay_cache.h)
};

struct VerifierStats {
  uint64_t accepted = 0, malformed = 0, unknown_key = 0, bad_mac = 0, stale = 0, replay = 0;
  uint64_t dropped() const { return malformed + unknown_key + bad_mac + stale + replay; }
};

class Verifier {
 public:
  explicit Verifier(ReportKeys keys, VerifierOptions options = {});

  // Checks in this order: malformed, unknown key, bad MAC, stale, replay. On kAccepted, *out
  // (if given) holds the report and its nonce is remembered.
  Verdict verify(std::string_view packet, int64_t now, Report* out = nullptr);

  // New keys (a reload); the replay cache and the counters are kept.
  void set_keys(ReportKeys keys) { keys_ = std::move(keys); }
  const ReportKeys& keys() const { return keys_; }
  const VerifierStats& stats() const { return stats_; }
  const ReplayCache& replay_cache() const { return cache_; }

 private:
  ReportKeys keys_;
  VerifierOptions options_;
  ReplayCache cache_;
  VerifierStats stats_;
};

}  // namespace backstop::report
