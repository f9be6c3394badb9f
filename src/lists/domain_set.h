// DomainSet<V>: host-name patterns (domain_pattern.h, rbldnsd's dnset meaning) mapped to values.
// The most specific match wins: the name itself before its parent, its parent before the
// grandparent, and so on; at the same name an exclusion wins over an inclusion, and "x" over
// ".x". Lookups are case-insensitive, ignore a trailing dot and do not allocate; one pass over
// the name finds all its suffixes (name_index.h).
// Thread-compatible: const members may run concurrently, the caller locks around writes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lists/domain_pattern.h"
#include "lists/name_index.h"

namespace backstop::lists {

template <class V>
class DomainSet {
 public:
  struct Match {
    DomainPattern pattern;  // the pattern that decided
    const V* value;         // never null (an exclusion has a value too: whatever was stored)
  };

  // Stores value for the pattern (the exclusion flag is part of the pattern: "x" and "!x" are
  // two entries). Replaces the value of an equal pattern. True when the pattern was new.
  bool insert(const DomainPattern& p, V value) {
    const uint32_t id = index_.insert(p.name);
    if (id >= slots_.size()) slots_.resize(id + 1, kEmptySlots);
    uint32_t& slot = slots_[id][slot_of(p)];
    if (slot != kNone) {
      entries_[slot] = std::move(value);
      return false;
    }
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      entries_[slot] = std::move(value);
    } else {
      slot = static_cast<uint32_t>(entries_.size());
      entries_.push_back(std::move(value));
    }
    ++size_;
    return true;
  }

  // Removes exactly this pattern. True when it was there.
  bool erase(const DomainPattern& p) {
    const uint32_t id = index_.find(p.name);
    if (id == NameIndex::kNone) return false;
    uint32_t& slot = slots_[id][slot_of(p)];
    if (slot == kNone) return false;
    entries_[slot] = V{};
    free_.push_back(slot);
    slot = kNone;
    --size_;
    if (slots_[id] == kEmptySlots) index_.erase(id);
    return true;
  }

  // The value stored for exactly this pattern, or nullptr.
  const V* find(const DomainPattern& p) const {
    const uint32_t id = index_.find(p.name);
    if (id == NameIndex::kNone) return nullptr;
    const uint32_t slot = slots_[id][slot_of(p)];
    return slot == kNone ? nullptr : &entries_[slot];
  }

  // The value of the most specific pattern matching host, or nullptr when none matches or the
  // most specific match is an exclusion.
  const V* lookup(std::string_view host) const {
    uint32_t id = 0;
    int slot = 0;
    if (!best(host, &id, &slot) || (slot & 1)) return nullptr;
    return &entries_[slots_[id][slot]];
  }
  // The deciding pattern (exclusions included), or nullopt.
  std::optional<Match> match(std::string_view host) const {
    uint32_t id = 0;
    int slot = 0;
    if (!best(host, &id, &slot)) return std::nullopt;
    DomainPattern p{index_.name(id), kind_of(slot), (slot & 1) != 0};
    return Match{std::move(p), &entries_[slots_[id][slot]]};
  }

  void clear() {
    index_.clear();
    slots_.clear();
    entries_.clear();
    free_.clear();
    size_ = 0;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Calls f(const DomainPattern&, const V&) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (uint32_t id = 0; id < index_.id_limit(); ++id) {
      if (!index_.live(id)) continue;
      for (int i = 0; i < kSlots; ++i)
        if (slots_[id][i] != kNone)
          f(DomainPattern{index_.name(id), kind_of(i), (i & 1) != 0}, entries_[slots_[id][i]]);
    }
  }

 private:
  static constexpr uint32_t kNone = 0xffffffffu;
  // Slot 2*kind + excluded: 0 exact, 1 !exact, 2 *., 3 !*., 4 ., 5 !.
  static constexpr int kSlots = 6;
  using Slots = std::array<uint32_t, kSlots>;
  static constexpr Slots kEmptySlots = {kNone, kNone, kNone, kNone, kNone, kNone};
  static int slot_of(const DomainPattern& p) {
    return 2 * static_cast<int>(p.match) + (p.excluded ? 1 : 0);
  }
  static DomainMatch kind_of(int slot) { return static_cast<DomainMatch>(slot / 2); }

  // Finds the deciding (name id, slot) for host. At the name itself: !exact, !both, exact,
  // both; at each parent: !sub, !both, sub, both. A name with an empty label matches nothing.
  bool best(std::string_view host, uint32_t* id_out, int* slot_out) const {
    if (size_ == 0) return false;
    char buf[kMaxDomainName];
    const size_t n = normalize_domain(host, buf);
    if (n == 0) return false;
    const std::string_view name(buf, n);
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
      return false;
    uint32_t ids[NameIndex::kMaxSuffixes];
    const size_t count = index_.suffixes(name, ids, NameIndex::kMaxSuffixes);
    static constexpr int kSelf[4] = {1, 5, 0, 4};
    static constexpr int kParent[4] = {3, 5, 2, 4};
    for (size_t level = 0; level < count; ++level) {
      if (ids[level] == NameIndex::kNone) continue;
      const Slots& slots = slots_[ids[level]];
      const int* order = level == 0 ? kSelf : kParent;
      for (int k = 0; k < 4; ++k) {
        if (slots[order[k]] == kNone) continue;
        *id_out = ids[level];
        *slot_out = order[k];
        return true;
      }
    }
    return false;
  }

  NameIndex index_;
  std::vector<Slots> slots_;  // by name id
  std::vector<V> entries_;    // indexed by the slots
  std::vector<uint32_t> free_;
  size_t size_ = 0;
};

}  // namespace backstop::lists
