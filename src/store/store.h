// Store: the synchronous key-value interface of the reputation store (lists, greylisting, storm
// state, sent index), with expiry and a change feed. Called only from a background thread (see
// replica.h); nothing on the RCPT path waits on it. Keys and values are arbitrary bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace backstop::store {

// Bounds on what a store accepts (everything larger is rejected, never truncated).
inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxValueBytes = 64 * 1024;
// Largest batch changes_since() returns.
inline constexpr size_t kMaxFeedBatch = 10000;

struct Entry {
  std::string key;
  std::string value;     // empty for deletions
  int64_t expires = 0;   // Unix seconds; 0 = never
  bool deleted = false;  // only in the change feed: the key was deleted
  bool operator==(const Entry&) const = default;
};

// An entry is live at `now` unless deleted or its expiry has passed.
inline bool is_live(const Entry& e, int64_t now) {
  return !e.deleted && (e.expires == 0 || e.expires > now);
}

// One answer of the change feed.
struct Changes {
  // Entries written or deleted since the cursor, oldest first. A backend may coalesce several
  // writes of one key into its newest state (SQLite, memory) or list every write (Redis);
  // applying them in order gives the same result. Expiry is not announced: readers drop
  // entries whose `expires` has passed themselves.
  std::vector<Entry> entries;
  // Where to continue from.
  std::string cursor;
  // True: the feed lost history after the old cursor (trimmed, pruned, the store was wiped or
  // replaced). `entries` is empty and `cursor` is the current head: load everything with scan()
  // (after taking this cursor), then continue from it.
  bool reset = false;
  // True: there are more changes after `cursor` already; ask again.
  bool more = false;
  // Sharded Redis only: the servers that failed (the others' changes are in `entries`, and the
  // failed ones' part of the cursor did not move). Empty when everything answered.
  std::string partial_error;
};

// One write of put_many().
struct PutItem {
  std::string key;
  std::string value;
  int64_t expires = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite var/backstop.db", "redis shard 10.0.0.1:6379,10.0.0.2:6379", ... for logs.
  virtual std::string describe() const = 0;

  // Sets key to value. expires: Unix seconds, 0 = never; a time already past stores an entry
  // that is dead at once.
  virtual Status put(std::string_view key, std::string_view value, int64_t expires) = 0;
  // Sets many keys, for bulk imports. SQLite writes them in one transaction (all or nothing);
  // the other backends put() each in turn and stop at the first failure, the earlier ones kept.
  virtual Status put_many(std::span<const PutItem> items);
  // The live entry (expires unset or after `now`), or nullopt.
  virtual Result<std::optional<Entry>> get(std::string_view key, int64_t now) = 0;
  // Deletes key (absent is not an error). The deletion appears in the feed if the key existed.
  virtual Status del(std::string_view key) = 0;
  // Adds `by` to the decimal integer stored at key (absent or expired at `now`: 0) and returns
  // the new value. expires != 0 sets the entry's expiry; 0 keeps the existing one (a new key
  // never expires). A value that is not a decimal int64, or overflow: rejected, no change.
  virtual Result<int64_t> incr(std::string_view key, int64_t by, int64_t expires, int64_t now) = 0;
  // Every live entry whose key begins with prefix ("" = all), in no particular order.
  virtual Result<std::vector<Entry>> scan(std::string_view prefix, int64_t now) = 0;
  // Removes entries expired at `now` and prunes old deletion records. Redis expires keys itself
  // (TTLs), so it does nothing there.
  virtual Status expire(int64_t now) = 0;

  // The feed's current head: take it before a full scan(), then poll changes_since() from it.
  virtual Result<std::string> head() = 0;
  // Changes after cursor (a string from head() or an earlier Changes; opaque, valid only for
  // this store's configuration), at most `max` entries (1..kMaxFeedBatch). A cursor this store
  // cannot read answers reset.
  virtual Result<Changes> changes_since(std::string_view cursor, size_t max) = 0;
};

// Shared input checks: rejected Status for an empty or oversized key, an oversized value or a
// negative expiry; ok otherwise.
Status check_key(std::string_view key);
Status check_put(std::string_view key, std::string_view value, int64_t expires);

// Strict decimal int64 ("-12", "0", no sign '+', no spaces, no leading garbage); nullopt
// otherwise. Used for incr() on values written by anyone.
std::optional<int64_t> parse_int64(std::string_view text);

}  // namespace backstop::store
