// The SQLite store's schema and its versioned migrations. A database records the version it is
// at in schema_version; opening applies the missing migrations in order, each in its own
// transaction, so opening twice (or from two processes at once) is harmless.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace backstop::store {

struct Migration {
  int version = 0;       // 1, 2, ... in order
  std::string_view sql;  // one or more statements
};

// Every migration this build knows, oldest first.
const std::vector<Migration>& sqlite_migrations();
// The newest schema version this build knows.
int sqlite_schema_version();

// Brings db up to sqlite_schema_version(). Rejected if the database is newer than this build
// (a newer backstop wrote it), unavailable if it is locked or unreadable.
Status migrate(sqlite3* db);

// A Status for SQLite result code rc: unavailable for busy, locked, I/O, full, out of memory;
// rejected for the rest. `what` names the operation.
Status sqlite_error(sqlite3* db, int rc, std::string_view what);

// The version recorded in db (0 for a new database), or an error.
Result<int> schema_version(sqlite3* db);

}  // namespace backstop::store
