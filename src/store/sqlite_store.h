// SqliteStore: the embedded default Store, one SQLite file in WAL mode. Several processes (two
// daemons on one host) may open the same file: every write takes a new version from a counter
// in the same transaction, so the feed shows each process the others' writes in commit order.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "store/store.h"

namespace backstop::store {

struct SqliteOptions {
  std::string path;              // the database file (created if absent; its directory must exist)
  int busy_timeout_ms = 500;     // how long a call waits for another process's write lock
  size_t feed_history = 100000;  // deletion records kept for the feed
};

class SqliteStore final : public Store {
 public:
  // Opens (creating and migrating as needed). Fails, as a value, on an unreadable or foreign
  // file, or a schema newer than this build.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::string describe() const override { return "sqlite " + options_.path; }
  Status put(std::string_view key, std::string_view value, int64_t expires) override;
  Status put_many(std::span<const PutItem> items) override;
  Result<std::optional<Entry>> get(std::string_view key, int64_t now) override;
  Status del(std::string_view key) override;
  Result<int64_t> incr(std::string_view key, int64_t by, int64_t expires, int64_t now) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, int64_t now) override;
  Status expire(int64_t now) override;
  Result<std::string> head() override;
  Result<Changes> changes_since(std::string_view cursor, size_t max) override;

 private:
  struct Statements;
  SqliteStore(SqliteOptions options, sqlite3* db);
  Status prepare();
  // Runs body inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK if body or COMMIT fails).
  template <class Body>
  Status write_transaction(Body&& body);
  Result<int64_t> next_version();
  Status write_row(std::string_view key, std::string_view value, int64_t expires, bool deleted);
  Result<std::optional<Entry>> read_row(std::string_view key);  // including deletion records

  SqliteOptions options_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> st_;
};

}  // namespace backstop::store
