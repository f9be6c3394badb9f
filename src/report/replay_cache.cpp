// Replay cache; see replay_cache.h.
#include "report/replay_cache.h"

#include <algorithm>
#include <cstring>

namespace backstop::report {

size_t ReplayCache::NonceHash::operator()(const Nonce& n) const {
  // Nonces are random and come only from authenticated packets: a few bytes are hash enough.
  uint64_t a = 0, b = 0;
  std::memcpy(&a, n.data(), 8);
  std::memcpy(&b, n.data() + 8, 8);
  return static_cast<size_t>(a ^ (b * 0x9E3779B97F4A7C15ull));
}

void ReplayCache::expire(int64_t oldest) {
  while (!by_time_.empty() && by_time_.begin()->first < oldest) {
    nonces_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
}

bool ReplayCache::seen(const Nonce& nonce, int64_t timestamp) const {
  return (floor_set_ && timestamp <= floor_) || nonces_.count(nonce) != 0;
}

void ReplayCache::insert(const Nonce& nonce, int64_t timestamp) {
  if (nonces_.count(nonce)) return;
  while (nonces_.size() >= capacity_) {
    const auto oldest = by_time_.begin();
    floor_ = floor_set_ ? std::max(floor_, oldest->first) : oldest->first;
    floor_set_ = true;
    nonces_.erase(oldest->second);
    by_time_.erase(oldest);
  }
  nonces_.insert(nonce);
  by_time_.emplace(timestamp, nonce);
}

}  // namespace backstop::report
