// HashRing: consistent hashing of keys onto servers (a ring of virtual nodes, as memcached's
// ketama and rspamd's upstreams do), so adding or removing one of N servers moves only about
// 1/N of the keys, and every process with the same server list places a key on the same server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace backstop::store {

// A stable 64-bit hash (FNV-1a, then a 64-bit finaliser to spread similar strings). It must
// never change: every node of a cluster has to agree on it.
uint64_t stable_hash(std::string_view bytes);

class HashRing {
 public:
  // servers: names that identify each server ("host:port"); the index of a name in this list is
  // what server_for() returns. vnodes: points per server (more: smoother spread).
  explicit HashRing(const std::vector<std::string>& servers, int vnodes = 160);

  // The server index for key; 0 when there is one server (or none).
  size_t server_for(std::string_view key) const;
  size_t servers() const { return servers_; }

 private:
  size_t servers_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> points_;  // (hash, server index), sorted
};

}  // namespace backstop::store
