// Host-name index for DomainSet; see name_index.h. Linear probing with backward-shift deletion,
// load at most 1/2; the hash is seeded per index (names in a list may be chosen by an attacker).
#include "lists/name_index.h"

#include <random>

namespace backstop::lists {

namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ull;

inline uint64_t finish(uint64_t h) {  // avalanche, so the top bits index the table
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

int seed_marker;

uint64_t make_seed() {
  try {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  } catch (...) {
    return 0xcbf29ce484222325ull ^ reinterpret_cast<uintptr_t>(&seed_marker);
  }
}

}  // namespace

NameIndex::NameIndex() : seed_(make_seed()) {}

uint64_t NameIndex::hash_of(std::string_view name) const {
  uint64_t h = seed_;
  for (size_t i = name.size(); i-- > 0;) h = (h ^ static_cast<uint8_t>(name[i])) * kFnvPrime;
  return finish(h);
}

uint32_t NameIndex::find(std::string_view name) const {
  if (slots_.empty()) return kNone;
  const uint64_t h = hash_of(name);
  const size_t mask = slots_.size() - 1;
  for (size_t i = home(h);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.id == kNone) return kNone;
    if (s.hash == h && names_[s.id] == name) return s.id;
  }
}

void NameIndex::resize(size_t n) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(n, {});
  int log2 = 0;
  while ((size_t{1} << log2) < n) ++log2;
  shift_ = 64 - log2;
  const size_t mask = n - 1;
  for (const Slot& s : old) {
    if (s.id == kNone) continue;
    size_t i = home(s.hash);
    while (slots_[i].id != kNone) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

uint32_t NameIndex::insert(std::string_view name) {
  if (const uint32_t id = find(name); id != kNone) return id;
  if ((count_ + 1) * 2 > slots_.size()) resize(slots_.empty() ? 16 : slots_.size() * 2);
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    names_[id] = std::string(name);
    live_[id] = true;
  } else {
    id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(name);
    live_.push_back(true);
  }
  const uint64_t h = hash_of(name);
  const size_t mask = slots_.size() - 1;
  size_t i = home(h);
  while (slots_[i].id != kNone) i = (i + 1) & mask;
  slots_[i] = Slot{h, id};
  ++count_;
  return id;
}

bool NameIndex::erase(uint32_t id) {
  if (!live(id)) return false;
  const uint64_t h = hash_of(names_[id]);
  const size_t mask = slots_.size() - 1;
  size_t i = home(h);
  while (slots_[i].id != id) i = (i + 1) & mask;  // present: live(id)
  for (size_t j = i;;) {                          // backward shift, as in prefix_index.cpp
    j = (j + 1) & mask;
    if (slots_[j].id == kNone) break;
    const size_t k = home(slots_[j].hash);
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
  --count_;
  names_[id].clear();
  names_[id].shrink_to_fit();
  live_[id] = false;
  free_.push_back(id);
  if (slots_.size() > 16 && count_ * 8 < slots_.size()) resize(slots_.size() / 2);
  return true;
}

size_t NameIndex::suffixes(std::string_view name, uint32_t* out, size_t max) const {
  if (max == 0) return 0;
  // Hash from the right; at each label start, note the suffix's hash (least specific first).
  uint64_t hashes[kMaxSuffixes];
  size_t starts[kMaxSuffixes];
  size_t n = 0;
  uint64_t h = seed_;
  for (size_t i = name.size(); i-- > 0;) {
    h = (h ^ static_cast<uint8_t>(name[i])) * kFnvPrime;
    if ((i == 0 || name[i - 1] == '.') && n < kMaxSuffixes) {
      hashes[n] = finish(h);
      starts[n] = i;
      ++n;
    }
  }
  const size_t count = n < max ? n : max;  // the most specific `count` suffixes
  if (slots_.empty()) {
    for (size_t k = 0; k < count; ++k) out[k] = kNone;
    return count;
  }
  for (size_t k = 0; k < count; ++k) __builtin_prefetch(&slots_[home(hashes[n - 1 - k])]);
  const size_t mask = slots_.size() - 1;
  for (size_t k = 0; k < count; ++k) {
    const uint64_t hk = hashes[n - 1 - k];
    const std::string_view suffix = name.substr(starts[n - 1 - k]);
    out[k] = kNone;
    for (size_t i = home(hk);; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id == kNone) break;
      if (s.hash == hk && names_[s.id] == suffix) {
        out[k] = s.id;
        break;
      }
    }
  }
  return count;
}

void NameIndex::clear() {
  slots_.clear();
  shift_ = 64;
  count_ = 0;
  names_.clear();
  live_.clear();
  free_.clear();
}

}  // namespace backstop::lists
