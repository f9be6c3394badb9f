// MemoryStore: a std::map of rows with a version per write and a version index for the feed.
#include "store/memory_store.h"

#include <algorithm>

namespace backstop::store {

void MemoryStore::write_locked(const std::string& key, Row row) {
  row.version = ++version_;
  auto it = rows_.find(key);
  if (it != rows_.end()) {
    by_version_.erase(it->second.version);
    if (it->second.deleted) --tombstones_;
    it->second = std::move(row);
  } else {
    it = rows_.emplace(key, std::move(row)).first;
  }
  if (it->second.deleted) ++tombstones_;
  by_version_.emplace(it->second.version, key);
}

void MemoryStore::erase_locked(std::map<std::string, Row, std::less<>>::iterator it) {
  by_version_.erase(it->second.version);
  if (it->second.deleted) --tombstones_;
  rows_.erase(it);
}

Status MemoryStore::put(std::string_view key, std::string_view value, int64_t expires) {
  if (auto s = check_put(key, value, expires); !s) return s;
  std::lock_guard lock(mu_);
  write_locked(std::string(key), Row{std::string(value), expires, 0, false});
  return Status::ok();
}

Result<std::optional<Entry>> MemoryStore::get(std::string_view key, int64_t now) {
  if (auto s = check_key(key); !s) return s;
  std::lock_guard lock(mu_);
  auto it = rows_.find(key);
  if (it == rows_.end()) return std::optional<Entry>();
  Entry e{it->first, it->second.value, it->second.expires, it->second.deleted};
  if (!is_live(e, now)) return std::optional<Entry>();
  return std::optional<Entry>(std::move(e));
}

Status MemoryStore::del(std::string_view key) {
  if (auto s = check_key(key); !s) return s;
  std::lock_guard lock(mu_);
  auto it = rows_.find(key);
  if (it == rows_.end() || it->second.deleted) return Status::ok();
  write_locked(it->first, Row{"", 0, 0, true});
  return Status::ok();
}

Result<int64_t> MemoryStore::incr(std::string_view key, int64_t by, int64_t expires, int64_t now) {
  if (auto s = check_put(key, "", expires); !s) return s;
  std::lock_guard lock(mu_);
  int64_t current = 0;
  int64_t keep_expires = 0;
  auto it = rows_.find(key);
  if (it != rows_.end()) {
    Entry e{it->first, it->second.value, it->second.expires, it->second.deleted};
    if (is_live(e, now)) {
      auto v = parse_int64(e.value);
      if (!v) return Status::rejected("value is not an integer");
      current = *v;
      keep_expires = e.expires;
    }
  }
  int64_t next = 0;
  if (__builtin_add_overflow(current, by, &next)) return Status::rejected("integer overflow");
  write_locked(std::string(key),
               Row{std::to_string(next), expires != 0 ? expires : keep_expires, 0, false});
  return next;
}

Result<std::vector<Entry>> MemoryStore::scan(std::string_view prefix, int64_t now) {
  if (prefix.size() > kMaxKeyBytes) return Status::rejected("prefix too long");
  std::lock_guard lock(mu_);
  std::vector<Entry> out;
  for (auto it = rows_.lower_bound(prefix);
       it != rows_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    Entry e{it->first, it->second.value, it->second.expires, it->second.deleted};
    if (is_live(e, now)) out.push_back(std::move(e));
  }
  return out;
}

Status MemoryStore::expire(int64_t now) {
  std::lock_guard lock(mu_);
  for (auto it = rows_.begin(); it != rows_.end();) {
    const Row& r = it->second;
    auto next = std::next(it);
    if (!r.deleted && r.expires != 0 && r.expires <= now) erase_locked(it);
    it = next;
  }
  // Keep the newest feed_history_ deletion records; the reader that needed an older one
  // gets a reset.
  if (tombstones_ > feed_history_) {
    size_t drop = tombstones_ - feed_history_;
    for (auto it = by_version_.begin(); it != by_version_.end() && drop > 0;) {
      auto next = std::next(it);
      auto row = rows_.find(it->second);
      if (row->second.deleted) {
        horizon_ = std::max(horizon_, it->first);
        erase_locked(row);
        --drop;
      }
      it = next;
    }
  }
  return Status::ok();
}

Result<std::string> MemoryStore::head() {
  std::lock_guard lock(mu_);
  return std::to_string(version_);
}

Result<Changes> MemoryStore::changes_since(std::string_view cursor, size_t max) {
  if (max == 0 || max > kMaxFeedBatch) return Status::rejected("feed batch size out of range");
  std::lock_guard lock(mu_);
  Changes out;
  auto from = parse_int64(cursor);
  if (!from || *from < 0 || static_cast<uint64_t>(*from) < horizon_ ||
      static_cast<uint64_t>(*from) > version_) {
    out.reset = true;
    out.cursor = std::to_string(version_);
    return out;
  }
  uint64_t last = version_;
  for (auto it = by_version_.upper_bound(static_cast<uint64_t>(*from)); it != by_version_.end();
       ++it) {
    if (out.entries.size() == max) {
      out.more = true;
      break;
    }
    const Row& r = rows_.find(it->second)->second;
    out.entries.push_back(Entry{it->second, r.value, r.expires, r.deleted});
    last = it->first;
  }
  out.cursor = std::to_string(out.more ? last : version_);
  return out;
}

}  // namespace backstop::store
