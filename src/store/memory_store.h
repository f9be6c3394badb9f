// MemoryStore: the in-process Store for tests and for running without any persistence. Same
// semantics as the SQLite store (versioned feed, coalesced entries, pruned deletion records);
// thread-safe, so two Replicas may share one to play two daemons.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "store/store.h"

namespace backstop::store {

class MemoryStore final : public Store {
 public:
  // feed_history: deletion records kept for the feed; a reader further behind gets a reset.
  explicit MemoryStore(size_t feed_history = 100000) : feed_history_(feed_history) {}

  std::string describe() const override { return "memory"; }
  Status put(std::string_view key, std::string_view value, int64_t expires) override;
  Result<std::optional<Entry>> get(std::string_view key, int64_t now) override;
  Status del(std::string_view key) override;
  Result<int64_t> incr(std::string_view key, int64_t by, int64_t expires, int64_t now) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, int64_t now) override;
  Status expire(int64_t now) override;
  Result<std::string> head() override;
  Result<Changes> changes_since(std::string_view cursor, size_t max) override;

 private:
  struct Row {
    std::string value;
    int64_t expires = 0;
    uint64_t version = 0;
    bool deleted = false;
  };
  // Writes row under a new version. Caller holds mu_.
  void write_locked(const std::string& key, Row row);
  void erase_locked(std::map<std::string, Row, std::less<>>::iterator it);

  const size_t feed_history_;
  std::mutex mu_;
  std::map<std::string, Row, std::less<>> rows_;
  std::map<uint64_t, std::string> by_version_;  // version -> key, for the feed
  uint64_t version_ = 0;                        // newest version written
  uint64_t horizon_ = 0;                        // history before this is lost
  size_t tombstones_ = 0;
};

}  // namespace backstop::store
