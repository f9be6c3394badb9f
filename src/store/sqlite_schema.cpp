// SQLite schema migrations. Add a migration by appending {N+1, "SQL"} below; never edit a
// migration that has shipped.
#include "store/sqlite_schema.h"

namespace backstop::store {

namespace {

// v1: one table for entries and deletion records (deleted = 1, value empty); `version` is the
// feed position of the row's last write; meta holds the newest version and the history horizon.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE kv (
  key     BLOB PRIMARY KEY,
  value   BLOB NOT NULL,
  expires INTEGER NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX kv_version ON kv(version);
CREATE INDEX kv_expires ON kv(expires) WHERE expires > 0 AND deleted = 0;
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta(name, value) VALUES ('version', 0), ('horizon', 0);
)sql";

}  // namespace

Status sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string msg = "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
      primary == SQLITE_FULL || primary == SQLITE_CANTOPEN || primary == SQLITE_NOMEM ||
      primary == SQLITE_PROTOCOL) {
    return Status::unavailable(std::move(msg));
  }
  return Status::rejected(std::move(msg));
}

namespace {

Status exec(sqlite3* db, const std::string& sql) {
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, sql.substr(0, 40));
  return Status::ok();
}

}  // namespace

const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> migrations = {{1, kV1}};
  return migrations;
}

int sqlite_schema_version() {
  return sqlite_migrations().back().version;
}

Result<int> schema_version(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "read schema_version");
  int version = 0;
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    version = sqlite3_column_int(stmt, 0);
  } else if (rc != SQLITE_DONE) {
    Status s = sqlite_error(db, rc, "read schema_version");
    sqlite3_finalize(stmt);
    return s;
  }
  sqlite3_finalize(stmt);
  return version;
}

Status migrate(sqlite3* db) {
  if (auto s = exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      !s) {
    return s;
  }
  for (const Migration& m : sqlite_migrations()) {
    // Cheap check outside a write lock: most opens find nothing to do.
    auto current = schema_version(db);
    if (!current) return current.status();
    if (*current > sqlite_schema_version()) {
      return Status::rejected("sqlite: database schema version " + std::to_string(*current) +
                              " is newer than this build's " +
                              std::to_string(sqlite_schema_version()));
    }
    if (*current >= m.version) continue;
    // BEGIN IMMEDIATE takes the write lock, so a second process migrating at the same time
    // waits, then finds the work done.
    if (auto s = exec(db, "BEGIN IMMEDIATE"); !s) return s;
    current = schema_version(db);
    Status s;
    if (!current) {
      s = current.status();
    } else if (*current < m.version) {
      s = exec(db, std::string(m.sql));
      if (s) {
        s = exec(db, "DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
                         std::to_string(m.version) + ")");
      }
    }
    if (!s) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
    if (auto c = exec(db, "COMMIT"); !c) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return c;
    }
  }
  return Status::ok();
}

}  // namespace backstop::store
