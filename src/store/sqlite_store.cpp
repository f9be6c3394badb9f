// SqliteStore: prepared statements over the schema of sqlite_schema.cpp. Keys and values are
// bound as BLOBs, so any bytes round-trip and prefix ranges compare with memcmp.
#include "store/sqlite_store.h"

#include <utility>

#include "store/sqlite_schema.h"

namespace backstop::store {

namespace {

// Deletes of expired rows go in batches so one expire() never holds the write lock for long.
constexpr int kExpireBatch = 5000;

class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  int prepare(sqlite3* db, const char* sql) {
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the call that used it returns, whatever path it takes.
class Use {
 public:
  explicit Use(const Stmt& s) : s_(s.get()) {}
  ~Use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  sqlite3_stmt* operator*() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

void bind_bytes(sqlite3_stmt* s, int i, std::string_view b) {
  // A null pointer would bind NULL, not an empty blob.
  sqlite3_bind_blob(s, i, b.data() ? b.data() : "", static_cast<int>(b.size()), SQLITE_STATIC);
}

std::string column_bytes(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

// The smallest byte string greater than every string starting with prefix, or nullopt when
// there is none (prefix empty or all 0xff).
std::optional<std::string> prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

}  // namespace

struct SqliteStore::Statements {
  Stmt begin_immediate, begin, commit, rollback;
  Stmt bump, upsert, get, scan, meta, feed;
  Stmt expire_rows, prune_find, prune_delete, set_horizon;
};

SqliteStore::SqliteStore(SqliteOptions options, sqlite3* db)
    : options_(std::move(options)), db_(db), st_(std::make_unique<Statements>()) {}

SqliteStore::~SqliteStore() {
  st_.reset();  // statements before the connection
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.path.empty()) return Status::rejected("sqlite: no database path");
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "sqlite: cannot open " + options.path + ": " +
                      (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return Status::unavailable(std::move(msg));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(options, db));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  // WAL: readers never block the writer and the other way round; NORMAL: no fsync per commit
  // (a crash may lose the last commits, never corrupt the file).
  rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", nullptr, nullptr,
                    nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "open " + options.path);
  if (auto s = migrate(db); !s) return s;
  if (auto s = store->prepare(); !s) return s;
  return store;
}

Status SqliteStore::prepare() {
  struct {
    Stmt* stmt;
    const char* sql;
  } const all[] = {
      {&st_->begin_immediate, "BEGIN IMMEDIATE"},
      {&st_->begin, "BEGIN"},
      {&st_->commit, "COMMIT"},
      {&st_->rollback, "ROLLBACK"},
      {&st_->bump, "UPDATE meta SET value = value + 1 WHERE name = 'version' RETURNING value"},
      {&st_->upsert,
       "INSERT INTO kv(key, value, expires, version, deleted) VALUES (?1, ?2, ?3, ?4, ?5) "
       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires, "
       "version = excluded.version, deleted = excluded.deleted"},
      {&st_->get, "SELECT value, expires, deleted FROM kv WHERE key = ?1"},
      {&st_->scan,
       "SELECT key, value, expires FROM kv WHERE key >= ?1 AND (?2 IS NULL OR key < ?2) "
       "AND deleted = 0 AND (expires = 0 OR expires > ?3)"},
      {&st_->meta,
       "SELECT (SELECT value FROM meta WHERE name = 'version'), "
       "(SELECT value FROM meta WHERE name = 'horizon')"},
      {&st_->feed,
       "SELECT key, value, expires, deleted, version FROM kv WHERE version > ?1 "
       "ORDER BY version LIMIT ?2"},
      {&st_->expire_rows,
       "DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE deleted = 0 AND expires > 0 "
       "AND expires <= ?1 LIMIT ?2)"},
      {&st_->prune_find,
       "SELECT version FROM kv WHERE deleted = 1 ORDER BY version DESC LIMIT 1 OFFSET ?1"},
      {&st_->prune_delete, "DELETE FROM kv WHERE deleted = 1 AND version <= ?1"},
      {&st_->set_horizon, "UPDATE meta SET value = max(value, ?1) WHERE name = 'horizon'"},
  };
  for (const auto& s : all) {
    int rc = s.stmt->prepare(db_, s.sql);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
  }
  return Status::ok();
}

template <class Body>
Status SqliteStore::write_transaction(Body&& body) {
  {
    Use u(st_->begin_immediate);
    int rc = sqlite3_step(*u);
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "begin");
  }
  Status s = body();
  if (s) {
    Use u(st_->commit);
    int rc = sqlite3_step(*u);
    if (rc == SQLITE_DONE) return s;
    s = sqlite_error(db_, rc, "commit");
  }
  Use u(st_->rollback);
  sqlite3_step(*u);
  return s;
}

Result<int64_t> SqliteStore::next_version() {
  Use u(st_->bump);
  int rc = sqlite3_step(*u);
  if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "version");
  return sqlite3_column_int64(*u, 0);
}

Status SqliteStore::write_row(std::string_view key, std::string_view value, int64_t expires,
                              bool deleted) {
  auto version = next_version();
  if (!version) return version.status();
  Use u(st_->upsert);
  bind_bytes(*u, 1, key);
  bind_bytes(*u, 2, value);
  sqlite3_bind_int64(*u, 3, expires);
  sqlite3_bind_int64(*u, 4, *version);
  sqlite3_bind_int(*u, 5, deleted ? 1 : 0);
  int rc = sqlite3_step(*u);
  if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "write");
  return Status::ok();
}

Result<std::optional<Entry>> SqliteStore::read_row(std::string_view key) {
  Use u(st_->get);
  bind_bytes(*u, 1, key);
  int rc = sqlite3_step(*u);
  if (rc == SQLITE_DONE) return std::optional<Entry>();
  if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "get");
  return std::optional<Entry>(Entry{std::string(key), column_bytes(*u, 0),
                                    sqlite3_column_int64(*u, 1), sqlite3_column_int(*u, 2) != 0});
}

Status SqliteStore::put(std::string_view key, std::string_view value, int64_t expires) {
  if (auto s = check_put(key, value, expires); !s) return s;
  return write_transaction([&] { return write_row(key, value, expires, false); });
}

Status SqliteStore::put_many(std::span<const PutItem> items) {
  for (const PutItem& i : items)
    if (auto s = check_put(i.key, i.value, i.expires); !s) return s;
  // One transaction: one fsync for the lot instead of one per entry (a million-entry import
  // took minutes row by row).
  return write_transaction([&]() -> Status {
    for (const PutItem& i : items)
      if (Status s = write_row(i.key, i.value, i.expires, false); !s) return s;
    return Status::ok();
  });
}

Result<std::optional<Entry>> SqliteStore::get(std::string_view key, int64_t now) {
  if (auto s = check_key(key); !s) return s;
  auto row = read_row(key);
  if (row && *row && !is_live(**row, now)) return std::optional<Entry>();
  return row;
}

Status SqliteStore::del(std::string_view key) {
  if (auto s = check_key(key); !s) return s;
  return write_transaction([&]() -> Status {
    auto row = read_row(key);
    if (!row) return row.status();
    if (!*row || (*row)->deleted) return Status::ok();  // nothing to record
    return write_row(key, "", 0, true);
  });
}

Result<int64_t> SqliteStore::incr(std::string_view key, int64_t by, int64_t expires, int64_t now) {
  if (auto s = check_put(key, "", expires); !s) return s;
  int64_t next = 0;
  Status s = write_transaction([&]() -> Status {
    auto row = read_row(key);
    if (!row) return row.status();
    int64_t current = 0;
    int64_t keep_expires = 0;
    if (*row && is_live(**row, now)) {
      auto v = parse_int64((*row)->value);
      if (!v) return Status::rejected("value is not an integer");
      current = *v;
      keep_expires = (*row)->expires;
    }
    if (__builtin_add_overflow(current, by, &next)) return Status::rejected("integer overflow");
    return write_row(key, std::to_string(next), expires != 0 ? expires : keep_expires, false);
  });
  if (!s) return s;
  return next;
}

Result<std::vector<Entry>> SqliteStore::scan(std::string_view prefix, int64_t now) {
  if (prefix.size() > kMaxKeyBytes) return Status::rejected("prefix too long");
  auto end = prefix_end(prefix);
  Use u(st_->scan);
  bind_bytes(*u, 1, prefix);
  if (end) bind_bytes(*u, 2, *end);  // unbound stays NULL: no upper bound
  sqlite3_bind_int64(*u, 3, now);
  std::vector<Entry> out;
  for (;;) {
    int rc = sqlite3_step(*u);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "scan");
    out.push_back(Entry{column_bytes(*u, 0), column_bytes(*u, 1), sqlite3_column_int64(*u, 2)});
  }
  return out;
}

Status SqliteStore::expire(int64_t now) {
  for (;;) {
    int changed = 0;
    Status s = write_transaction([&]() -> Status {
      Use u(st_->expire_rows);
      sqlite3_bind_int64(*u, 1, now);
      sqlite3_bind_int(*u, 2, kExpireBatch);
      int rc = sqlite3_step(*u);
      if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "expire");
      changed = sqlite3_changes(db_);
      return Status::ok();
    });
    if (!s) return s;
    if (changed < kExpireBatch) break;
  }
  // Keep the newest feed_history deletion records. A reader whose cursor is older than the
  // newest one dropped (the horizon) cannot know what it missed, and gets a reset.
  return write_transaction([&]() -> Status {
    int64_t cut = 0;
    {
      Use u(st_->prune_find);
      sqlite3_bind_int64(*u, 1, static_cast<int64_t>(options_.feed_history));
      int rc = sqlite3_step(*u);
      if (rc == SQLITE_DONE) return Status::ok();
      if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "prune");
      cut = sqlite3_column_int64(*u, 0);
    }
    {
      Use u(st_->prune_delete);
      sqlite3_bind_int64(*u, 1, cut);
      int rc = sqlite3_step(*u);
      if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "prune");
    }
    Use u(st_->set_horizon);
    sqlite3_bind_int64(*u, 1, cut);
    int rc = sqlite3_step(*u);
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "prune");
    return Status::ok();
  });
}

Result<std::string> SqliteStore::head() {
  Use u(st_->meta);
  int rc = sqlite3_step(*u);
  if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "head");
  return std::to_string(sqlite3_column_int64(*u, 0));
}

Result<Changes> SqliteStore::changes_since(std::string_view cursor, size_t max) {
  if (max == 0 || max > kMaxFeedBatch) return Status::rejected("feed batch size out of range");
  // One read transaction: the version counter and the rows come from the same snapshot.
  {
    Use u(st_->begin);
    int rc = sqlite3_step(*u);
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "begin");
  }
  Changes out;
  Status s = [&]() -> Status {
    int64_t version = 0;
    int64_t horizon = 0;
    {
      Use u(st_->meta);
      int rc = sqlite3_step(*u);
      if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "feed");
      version = sqlite3_column_int64(*u, 0);
      horizon = sqlite3_column_int64(*u, 1);
    }
    auto from = parse_int64(cursor);
    if (!from || *from < horizon || *from > version) {
      out.reset = true;
      out.cursor = std::to_string(version);
      return Status::ok();
    }
    int64_t last = version;
    Use u(st_->feed);
    sqlite3_bind_int64(*u, 1, *from);
    sqlite3_bind_int64(*u, 2, static_cast<int64_t>(max) + 1);
    for (;;) {
      int rc = sqlite3_step(*u);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_, rc, "feed");
      if (out.entries.size() == max) {
        out.more = true;
        break;
      }
      out.entries.push_back(Entry{column_bytes(*u, 0), column_bytes(*u, 1),
                                  sqlite3_column_int64(*u, 2), sqlite3_column_int(*u, 3) != 0});
      last = sqlite3_column_int64(*u, 4);
    }
    out.cursor = std::to_string(out.more ? last : version);
    return Status::ok();
  }();
  Use u(st_->commit);
  sqlite3_step(*u);
  if (!s) return s;
  return out;
}

}  // namespace backstop::store
