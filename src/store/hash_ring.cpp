// HashRing: sorted (point, server) pairs; a key belongs to the first point at or after its hash,
// wrapping round.
#include "store/hash_ring.h"

#include <algorithm>

namespace backstop::store {

uint64_t stable_hash(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV 64 prime
  }
  // A 64-bit avalanche finaliser: FNV alone leaves "server#1" and "server#2" close together.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

HashRing::HashRing(const std::vector<std::string>& servers, int vnodes) : servers_(servers.size()) {
  if (servers_ < 2) return;
  if (vnodes < 1) vnodes = 1;
  points_.reserve(servers_ * static_cast<size_t>(vnodes));
  for (size_t i = 0; i < servers_; ++i) {
    for (int v = 0; v < vnodes; ++v) {
      points_.emplace_back(stable_hash(servers[i] + "#" + std::to_string(v)),
                           static_cast<uint32_t>(i));
    }
  }
  std::sort(points_.begin(), points_.end());
}

size_t HashRing::server_for(std::string_view key) const {
  if (points_.empty()) return 0;
  uint64_t h = stable_hash(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(h, uint32_t{0}));
  if (it == points_.end()) it = points_.begin();
  return it->second;
}

}  // namespace backstop::store
