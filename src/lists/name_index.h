// The non-template core of DomainSet: normalised host names to 32-bit ids in one open-addressing
// table keyed by a 64-bit hash. Names are hashed from the right, so one pass over a looked-up
// name yields the hashes of all its suffixes at label boundaries; their probes are prefetched
// together, so a lookup costs about one round of cache misses however many labels it has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::lists {

class NameIndex {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  // Most suffixes a name of at most 253 bytes has.
  static constexpr size_t kMaxSuffixes = 128;

  NameIndex();

  // name must be normalised (lower case, no trailing dot).
  uint32_t find(std::string_view name) const;
  // The id of name, added if absent.
  uint32_t insert(std::string_view name);
  // Removes the name with this id; false if there is none.
  bool erase(uint32_t id);
  const std::string& name(uint32_t id) const { return names_[id]; }
  bool live(uint32_t id) const { return id < live_.size() && live_[id]; }
  // One past the largest id handed out (for iterating with live()).
  uint32_t id_limit() const { return static_cast<uint32_t>(names_.size()); }

  // The ids of name and of each suffix after a '.', most specific first (out[0] is name
  // itself); kNone where a suffix is absent. Returns how many were written (at most max).
  size_t suffixes(std::string_view name, uint32_t* out, size_t max) const;

  void clear();
  size_t size() const { return count_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t id = kNone;
  };
  uint64_t hash_of(std::string_view name) const;
  size_t home(uint64_t hash) const { return static_cast<size_t>(hash >> shift_); }
  void resize(size_t slots);

  std::vector<Slot> slots_;
  int shift_ = 64;
  size_t count_ = 0;
  std::vector<std::string> names_;  // by id
  std::vector<bool> live_;
  std::vector<uint32_t> free_;
  uint64_t seed_;
};

}  // namespace backstop::lists
