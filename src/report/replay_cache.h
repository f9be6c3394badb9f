// The nonces of accepted reports, remembered while their timestamps are inside the window so
// that a captured packet cannot be accepted twice. Bounded: when full, the oldest nonce is
// forgotten and the cache's floor rises to its timestamp; from then on a report as old as the
// floor or older is refused (it can no longer be proved fresh). Only packets whose MAC verified
// reach the cache, so only key holders can fill it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <unordered_set>
#include <utility>

#include "report/wire.h"

namespace backstop::report {

class ReplayCache {
 public:
  explicit ReplayCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Forgets nonces with timestamps before oldest (reports that old are stale anyway).
  void expire(int64_t oldest);
  // True when the nonce was seen or timestamp <= floor().
  bool seen(const Nonce& nonce, int64_t timestamp) const;
  // Remembers a nonce, forgetting the oldest first when full.
  void insert(const Nonce& nonce, int64_t timestamp);

  size_t size() const { return nonces_.size(); }
  size_t capacity() const { return capacity_; }
  // Reports at or before this time are refused; INT64_MIN (and nothing refused) until the cache
  // first forgets a nonce for want of room.
  int64_t floor() const { return floor_; }

 private:
  struct NonceHash {
    size_t operator()(const Nonce& n) const;
  };
  size_t capacity_;
  int64_t floor_ = std::numeric_limits<int64_t>::min();
  bool floor_set_ = false;
  std::unordered_set<Nonce, NonceHash> nonces_;
  std::set<std::pair<int64_t, Nonce>> by_time_;
};

}  // namespace backstop::report
