// The non-template core of IpTable: maps networks to 32-bit ids and finds the longest prefix
// that holds an address. One open-addressing hash table per prefix length. A lookup probes only
// the lengths that can match, longest first, and prefetches the probes so that their cache
// misses overlap. Which lengths can match: the short ones (IPv4 below /16, IPv6 below /32) are
// always probed (few, small tables); for the long ones a filter indexed by a hash of the
// address's first 16 (IPv4) or 32 (IPv6) bits holds the lengths in use under those bits. The
// filter grows with the table and is rebuilt after many erases (erases leave stale bits, which
// only cost a probe). Measured in bench/lists.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/ip.h"
#include "lists/cidr.h"

namespace backstop::lists {

class PrefixIndex {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  PrefixIndex();

  // The id stored for exactly this network, or kNone.
  uint32_t find(const Cidr& net) const;
  // Stores id for net unless net is present; returns the id already there, or kNone when it
  // stored id. net must be normalised (host bits clear, as parse_cidr/network_of make it).
  uint32_t insert(const Cidr& net, uint32_t id);
  // Removes net; returns its id, or kNone when it was absent.
  uint32_t erase(const Cidr& net);
  // The id of the longest prefix that contains ip (same family), or kNone.
  uint32_t lookup(const core::IpAddress& ip, int* prefix = nullptr) const;

  void clear();
  size_t size() const { return size_; }
  // Bytes held by the hash tables (not counting the object itself).
  size_t memory_bytes() const;

  struct Key6 {
    uint64_t hi = 0, lo = 0;
    bool operator==(const Key6&) const = default;
  };
  template <class Key>
  struct Table {
    struct Slot {
      Key key{};
      uint32_t id = kNone;
    };
    std::vector<Slot> slots;  // power-of-two size, or empty
    size_t count = 0;
    int shift = 64;  // 64 - log2(slots.size())
  };

 private:
  std::array<Table<uint32_t>, 33> v4_;
  std::array<Table<Key6>, 129> v6_;
  uint64_t v4_lengths_ = 0;               // bit L set: v4_[L] is not empty
  std::array<uint64_t, 3> v6_lengths_{};  // bit L (of 129) set: v6_[L] is not empty
  // Bits of prefix lengths that may occur under a bucket; see the comment at the top.
  struct Filter {
    std::vector<uint64_t> masks;  // words per bucket: 1 (IPv4, bit = length) or 2 (IPv6,
                                  // bit = length - 32)
    int shift = 64;               // 64 - log2(buckets)
    size_t entries = 0;           // long entries in the tables
    size_t stale = 0;             // erases since the last rebuild
  };
  void rebuild_filter(bool v6, size_t buckets);

  uint64_t seed_ = 0;
  size_t size_ = 0;
  Filter f4_, f6_;
};

}  // namespace backstop::lists
