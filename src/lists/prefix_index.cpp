// Per-prefix-length hash tables for longest-prefix match; see prefix_index.h. Linear probing
// with backward-shift deletion (no tombstones), load factor at most 1/2. The hash is seeded per
// index so that a list whose entries an attacker chooses cannot be made to collide on purpose.
#include "lists/prefix_index.h"

#include <random>

namespace backstop::lists {

namespace {

using Key6 = PrefixIndex::Key6;
constexpr uint32_t kNone = PrefixIndex::kNone;

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMul2 = 0xBF58476D1CE4E5B9ull;

inline uint64_t hash_key(uint32_t k, uint64_t seed) {
  uint64_t x = (k ^ seed) * kMul1;
  x ^= x >> 29;
  return x * kMul2;
}
inline uint64_t hash_key(const Key6& k, uint64_t seed) {
  uint64_t x = (k.hi ^ seed) * kMul1;
  x ^= (x >> 29) ^ k.lo;
  x *= kMul2;
  x ^= x >> 31;
  return x * kMul1;
}

inline uint64_t mask64(int n) {
  return n <= 0 ? 0 : (n >= 64 ? ~0ull : ~0ull << (64 - n));
}
inline uint32_t mask32(int n) {
  return n <= 0 ? 0 : (n >= 32 ? ~0u : ~0u << (32 - n));
}

inline uint32_t load32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t load64(const uint8_t* p) {
  return (uint64_t{load32(p)} << 32) | load32(p + 4);
}

inline uint32_t key4(const core::IpAddress& ip, int len) {
  return load32(ip.bytes.data()) & mask32(len);
}
inline Key6 key6(const core::IpAddress& ip, int len) {
  Key6 k{load64(ip.bytes.data()), load64(ip.bytes.data() + 8)};
  if (len <= 64) {
    k.hi &= mask64(len);
    k.lo = 0;
  } else {
    k.lo &= mask64(len - 64);
  }
  return k;
}

template <class Key>
using Table = PrefixIndex::Table<Key>;

template <class Key>
inline size_t home(const Table<Key>& t, const Key& k, uint64_t seed) {
  return static_cast<size_t>(hash_key(k, seed) >> t.shift);
}

template <class Key>
uint32_t table_find(const Table<Key>& t, const Key& k, uint64_t seed) {
  if (t.slots.empty()) return kNone;
  const size_t mask = t.slots.size() - 1;
  for (size_t i = home(t, k, seed);; i = (i + 1) & mask) {
    const auto& s = t.slots[i];
    if (s.id == kNone) return kNone;
    if (s.key == k) return s.id;
  }
}

template <class Key>
void table_resize(Table<Key>& t, size_t new_size, uint64_t seed) {
  std::vector<typename Table<Key>::Slot> old;
  old.swap(t.slots);
  t.slots.assign(new_size, {});
  int log2 = 0;
  while ((size_t{1} << log2) < new_size) ++log2;
  t.shift = 64 - log2;
  const size_t mask = new_size - 1;
  for (const auto& s : old) {
    if (s.id == kNone) continue;
    size_t i = home(t, s.key, seed);
    while (t.slots[i].id != kNone) i = (i + 1) & mask;
    t.slots[i] = s;
  }
}

template <class Key>
uint32_t table_insert(Table<Key>& t, const Key& k, uint32_t id, uint64_t seed) {
  if ((t.count + 1) * 2 > t.slots.size())
    table_resize(t, t.slots.empty() ? 8 : t.slots.size() * 2, seed);
  const size_t mask = t.slots.size() - 1;
  size_t i = home(t, k, seed);
  for (;; i = (i + 1) & mask) {
    auto& s = t.slots[i];
    if (s.id == kNone) break;
    if (s.key == k) return s.id;
  }
  t.slots[i].key = k;
  t.slots[i].id = id;
  ++t.count;
  return kNone;
}

template <class Key>
uint32_t table_erase(Table<Key>& t, const Key& k, uint64_t seed) {
  if (t.slots.empty()) return kNone;
  const size_t mask = t.slots.size() - 1;
  size_t i = home(t, k, seed);
  for (;; i = (i + 1) & mask) {
    if (t.slots[i].id == kNone) return kNone;
    if (t.slots[i].key == k) break;
  }
  const uint32_t id = t.slots[i].id;
  // Backward shift: move later members of the probe run into the hole when their home slot
  // is not cyclically within (hole, their position].
  for (size_t j = i;;) {
    j = (j + 1) & mask;
    if (t.slots[j].id == kNone) break;
    const size_t h = home(t, t.slots[j].key, seed);
    const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (!stays) {
      t.slots[i] = t.slots[j];
      i = j;
    }
  }
  t.slots[i] = {};
  --t.count;
  if (t.count == 0) {
    t.slots.clear();
    t.slots.shrink_to_fit();
    t.shift = 64;
  } else if (t.slots.size() > 16 && t.count * 8 < t.slots.size()) {
    table_resize(t, t.slots.size() / 2, seed);
  }
  return id;
}

constexpr int kLong4 = 16;  // IPv4 lengths from here on go through the filter
constexpr int kLong6 = 32;  // IPv6 likewise
constexpr size_t kMinBuckets = 64;
constexpr size_t kMaxBuckets = size_t{1} << 18;
constexpr size_t kEntriesPerBucket = 4;  // the filter grows beyond this

inline size_t filter_bucket(uint64_t lead, uint64_t seed, int shift) {
  uint64_t x = (lead ^ seed) * kMul2;
  x ^= x >> 31;
  x *= kMul1;
  return static_cast<size_t>(x >> shift);
}

size_t buckets_for(size_t entries) {
  size_t b = kMinBuckets;
  while (b < kMaxBuckets && b * kEntriesPerBucket < entries) b *= 2;
  return b;
}

int seed_marker;

uint64_t make_seed() {
  try {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  } catch (...) {
    return 0x5bd1e9955bd1e995ull ^ reinterpret_cast<uintptr_t>(&seed_marker);
  }
}

}  // namespace

PrefixIndex::PrefixIndex() : seed_(make_seed()) {}

uint32_t PrefixIndex::find(const Cidr& net) const {
  if (!net.v6()) {
    if (net.prefix < 0 || net.prefix > 32) return kNone;
    return table_find(v4_[net.prefix], key4(net.address, net.prefix), seed_);
  }
  if (net.prefix < 0 || net.prefix > 128) return kNone;
  return table_find(v6_[net.prefix], key6(net.address, net.prefix), seed_);
}

uint32_t PrefixIndex::insert(const Cidr& net, uint32_t id) {
  uint32_t old;
  if (!net.v6()) {
    if (net.prefix < 0 || net.prefix > 32) return id;
    const uint32_t k = key4(net.address, net.prefix);
    old = table_insert(v4_[net.prefix], k, id, seed_);
    v4_lengths_ |= uint64_t{1} << net.prefix;
    if (old == kNone && net.prefix >= kLong4) {
      if (f4_.masks.empty() || ((f4_.entries + 1) > kEntriesPerBucket * f4_.masks.size() &&
                                f4_.masks.size() < kMaxBuckets)) {
        ++f4_.entries;
        rebuild_filter(false, buckets_for(f4_.entries));
      } else {
        ++f4_.entries;
        f4_.masks[filter_bucket(k >> 16, seed_, f4_.shift)] |= uint64_t{1} << net.prefix;
      }
    }
  } else {
    if (net.prefix < 0 || net.prefix > 128) return id;
    const Key6 k = key6(net.address, net.prefix);
    old = table_insert(v6_[net.prefix], k, id, seed_);
    v6_lengths_[net.prefix / 64] |= uint64_t{1} << (net.prefix % 64);
    if (old == kNone && net.prefix >= kLong6) {
      const size_t buckets = f6_.masks.size() / 2;
      if (f6_.masks.empty() ||
          ((f6_.entries + 1) > kEntriesPerBucket * buckets && buckets < kMaxBuckets)) {
        ++f6_.entries;
        rebuild_filter(true, buckets_for(f6_.entries));
      } else {
        ++f6_.entries;
        const int bit = net.prefix - kLong6;
        f6_.masks[2 * filter_bucket(k.hi >> 32, seed_, f6_.shift) + bit / 64] |= uint64_t{1}
                                                                                 << (bit % 64);
      }
    }
  }
  if (old == kNone) ++size_;
  return old;
}

uint32_t PrefixIndex::erase(const Cidr& net) {
  uint32_t id;
  if (!net.v6()) {
    if (net.prefix < 0 || net.prefix > 32) return kNone;
    auto& t = v4_[net.prefix];
    id = table_erase(t, key4(net.address, net.prefix), seed_);
    if (t.count == 0) v4_lengths_ &= ~(uint64_t{1} << net.prefix);
    if (id != kNone && net.prefix >= kLong4) {
      --f4_.entries;
      if (++f4_.stale > f4_.entries / 2 + 1024) rebuild_filter(false, buckets_for(f4_.entries));
    }
  } else {
    if (net.prefix < 0 || net.prefix > 128) return kNone;
    auto& t = v6_[net.prefix];
    id = table_erase(t, key6(net.address, net.prefix), seed_);
    if (t.count == 0) v6_lengths_[net.prefix / 64] &= ~(uint64_t{1} << (net.prefix % 64));
    if (id != kNone && net.prefix >= kLong6) {
      --f6_.entries;
      if (++f6_.stale > f6_.entries / 2 + 1024) rebuild_filter(true, buckets_for(f6_.entries));
    }
  }
  if (id != kNone) --size_;
  return id;
}

uint32_t PrefixIndex::lookup(const core::IpAddress& ip, int* prefix) const {
  // Compute every probe's home slot first and prefetch it, then probe longest first: the
  // probes are independent, so their cache misses overlap instead of adding up.
  if (!ip.v6) {
    struct Probe {
      const Table<uint32_t>* t;
      uint32_t key;
      size_t pos;
      int len;
    };
    Probe probes[33];
    int n = 0;
    const uint32_t addr = load32(ip.bytes.data());
    uint64_t candidates = v4_lengths_ & ((uint64_t{1} << kLong4) - 1);
    if (!f4_.masks.empty())
      candidates |= f4_.masks[filter_bucket(addr >> 16, seed_, f4_.shift)] & v4_lengths_;
    for (uint64_t lens = candidates; lens != 0;) {
      const int len = 63 - __builtin_clzll(lens);
      lens &= ~(uint64_t{1} << len);
      const Table<uint32_t>& t = v4_[len];
      const uint32_t k = addr & mask32(len);
      const size_t pos = home(t, k, seed_);
      __builtin_prefetch(&t.slots[pos]);
      probes[n++] = Probe{&t, k, pos, len};
    }
    for (int p = 0; p < n; ++p) {
      const Table<uint32_t>& t = *probes[p].t;
      const size_t mask = t.slots.size() - 1;
      for (size_t i = probes[p].pos;; i = (i + 1) & mask) {
        const auto& s = t.slots[i];
        if (s.id == kNone) break;
        if (s.key == probes[p].key) {
          if (prefix) *prefix = probes[p].len;
          return s.id;
        }
      }
    }
    return kNone;
  }
  struct Probe {
    const Table<Key6>* t;
    Key6 key;
    size_t pos;
    int len;
  };
  Probe probes[129];
  int n = 0;
  const uint64_t hi = load64(ip.bytes.data()), lo = load64(ip.bytes.data() + 8);
  uint64_t candidates[3] = {v6_lengths_[0] & ((uint64_t{1} << kLong6) - 1), 0, 0};
  if (!f6_.masks.empty()) {
    const size_t b = 2 * filter_bucket(hi >> 32, seed_, f6_.shift);
    const uint64_t a = f6_.masks[b], c = f6_.masks[b + 1];  // lengths 32-95, 96-128
    candidates[0] |= (a << 32) & v6_lengths_[0];
    candidates[1] = ((a >> 32) | (c << 32)) & v6_lengths_[1];
    candidates[2] = (c >> 32) & v6_lengths_[2];
  }
  for (int word = 2; word >= 0; --word) {
    for (uint64_t lens = candidates[word]; lens != 0;) {
      const int bit = 63 - __builtin_clzll(lens);
      lens &= ~(uint64_t{1} << bit);
      const int len = word * 64 + bit;
      const Table<Key6>& t = v6_[len];
      const Key6 k = len <= 64 ? Key6{hi & mask64(len), 0} : Key6{hi, lo & mask64(len - 64)};
      const size_t pos = home(t, k, seed_);
      __builtin_prefetch(&t.slots[pos]);
      probes[n++] = Probe{&t, k, pos, len};
    }
  }
  for (int p = 0; p < n; ++p) {
    const Table<Key6>& t = *probes[p].t;
    const size_t mask = t.slots.size() - 1;
    for (size_t i = probes[p].pos;; i = (i + 1) & mask) {
      const auto& s = t.slots[i];
      if (s.id == kNone) break;
      if (s.key == probes[p].key) {
        if (prefix) *prefix = probes[p].len;
        return s.id;
      }
    }
  }
  return kNone;
}

void PrefixIndex::clear() {
  for (auto& t : v4_) t = {};
  for (auto& t : v6_) t = {};
  v4_lengths_ = 0;
  v6_lengths_ = {};
  size_ = 0;
  f4_ = {};
  f6_ = {};
}

void PrefixIndex::rebuild_filter(bool v6, size_t buckets) {
  Filter& f = v6 ? f6_ : f4_;
  f.stale = 0;
  if (f.entries == 0) {
    f.masks.clear();
    f.masks.shrink_to_fit();
    f.shift = 64;
    return;
  }
  const size_t words = v6 ? 2 : 1;
  f.masks.assign(buckets * words, 0);
  f.masks.shrink_to_fit();
  int log2 = 0;
  while ((size_t{1} << log2) < buckets) ++log2;
  f.shift = 64 - log2;
  if (!v6) {
    for (int len = kLong4; len <= 32; ++len)
      for (const auto& s : v4_[len].slots)
        if (s.id != kNone)
          f.masks[filter_bucket(s.key >> 16, seed_, f.shift)] |= uint64_t{1} << len;
    return;
  }
  for (int len = kLong6; len <= 128; ++len) {
    const int bit = len - kLong6;
    for (const auto& s : v6_[len].slots)
      if (s.id != kNone)
        f.masks[2 * filter_bucket(s.key.hi >> 32, seed_, f.shift) + bit / 64] |= uint64_t{1}
                                                                                 << (bit % 64);
  }
}

size_t PrefixIndex::memory_bytes() const {
  size_t n = 0;
  for (const auto& t : v4_) n += t.slots.capacity() * sizeof(t.slots[0]);
  for (const auto& t : v6_) n += t.slots.capacity() * sizeof(t.slots[0]);
  return n + (f4_.masks.capacity() + f6_.masks.capacity()) * sizeof(uint64_t);
}

}  // namespace backstop::lists
