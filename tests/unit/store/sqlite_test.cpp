// SQLite store specifics: two stores (two daemons) on one file see each other's writes through
// the feed, migrations are idempotent and refuse a newer schema, WAL mode, expire() and the
// pruning of deletion records, a locked database and unopenable files fail as values.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>

#include "backends.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_store.h"

namespace backstop::store {
namespace {

using testing::TempDir;

class SqliteTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open(size_t feed_history = 100000, int busy_ms = 500) {
    SqliteOptions o;
    o.path = path_;
    o.feed_history = feed_history;
    o.busy_timeout_ms = busy_ms;
    auto s = SqliteStore::open(o);
    EXPECT_TRUE(s) << s.error();
    return s ? std::move(*s) : nullptr;
  }
  // Runs sql on a separate connection; returns the first column of the first row, if any.
  std::string raw(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string out;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* p, int n, char** v, char**) {
          auto* o = static_cast<std::string*>(p);
          if (o->empty() && n > 0 && v[0]) *o = v[0];
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/backstop.db";
};

TEST_F(SqliteTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  auto head_a = a->head();
  auto head_b = b->head();
  ASSERT_TRUE(head_a && head_b);

  ASSERT_TRUE(a->put("block:192.0.2.1", "spam", 0));
  auto seen = b->changes_since(*head_b, 100);
  ASSERT_TRUE(seen) << seen.error();
  ASSERT_EQ(seen->entries.size(), 1u);
  EXPECT_EQ(seen->entries[0].key, "block:192.0.2.1");
  EXPECT_EQ(seen->entries[0].value, "spam");
  auto got = b->get("block:192.0.2.1", 0);
  ASSERT_TRUE(got && *got);

  ASSERT_TRUE(b->del("block:192.0.2.1"));
  ASSERT_TRUE(b->incr("count", 3, 0, 0));
  auto back = a->changes_since(*head_a, 100);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->entries[0].key, "block:192.0.2.1");
  EXPECT_TRUE(back->entries[0].deleted);
  EXPECT_EQ(back->entries[1].value, "3");
  // Versions are shared: both see the same head.
  EXPECT_EQ(*a->head(), *b->head());
}

TEST_F(SqliteTest, MigrationsAreIdempotent) {
  {
    auto a = open();
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->put("k", "v", 0));
  }
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(raw("SELECT count(*) FROM schema_version"), "1");
  EXPECT_EQ(raw("SELECT version FROM schema_version"), std::to_string(sqlite_schema_version()));
  auto got = a->get("k", 0);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->value, "v");
  EXPECT_EQ(raw("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteTest, RefusesANewerSchema) {
  ASSERT_TRUE(open());
  raw("UPDATE schema_version SET version = 99");
  SqliteOptions o;
  o.path = path_;
  auto s = SqliteStore::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kRejected);
  EXPECT_NE(s.error().find("newer"), std::string::npos) << s.error();
}

TEST_F(SqliteTest, RefusesAFileThatIsNotADatabase) {
  {
    std::ofstream f(path_);
    f << std::string(8192, 'x');
  }
  SqliteOptions o;
  o.path = path_;
  auto s = SqliteStore::open(o);
  EXPECT_FALSE(s);
  EXPECT_FALSE(s.error().empty());
}

TEST_F(SqliteTest, UnopenablePathFails) {
  SqliteOptions o;
  o.path = dir_.path() + "/no/such/dir/x.db";
  auto s = SqliteStore::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
  o.path = "";
  EXPECT_FALSE(SqliteStore::open(o));
}

TEST_F(SqliteTest, ExpireDeletesExpiredRows) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->put("old", "v", 1000));
  ASSERT_TRUE(s->put("new", "v", 3000));
  ASSERT_TRUE(s->put("forever", "v", 0));
  ASSERT_TRUE(s->expire(2000));
  EXPECT_FALSE(*s->get("old", 500));  // gone, not just dead
  EXPECT_TRUE(*s->get("new", 500));
  EXPECT_TRUE(*s->get("forever", 500));
  EXPECT_EQ(raw("SELECT count(*) FROM kv"), "2");
}

TEST_F(SqliteTest, PrunesDeletionRecordsBeyondFeedHistory) {
  auto s = open(/*feed_history=*/3);
  ASSERT_TRUE(s);
  auto start = *s->head();
  for (int i = 0; i < 5; ++i) {
    std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(s->put(k, "v", 0));
    ASSERT_TRUE(s->del(k));
  }
  auto late = *s->head();  // after every deletion: still readable after the prune
  ASSERT_TRUE(s->put("x", "v", 0));
  ASSERT_TRUE(s->expire(0));
  EXPECT_EQ(raw("SELECT count(*) FROM kv WHERE deleted = 1"), "3");
  auto c = s->changes_since(start, 100);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->reset);
  c = s->changes_since(late, 100);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->reset);
  ASSERT_EQ(c->entries.size(), 1u);
  EXPECT_EQ(c->entries[0].key, "x");
}

TEST_F(SqliteTest, ALockedDatabaseFailsAsUnavailableWithinTheBusyTimeout) {
  auto s = open(100000, /*busy_ms=*/50);
  ASSERT_TRUE(s);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto t0 = std::chrono::steady_clock::now();
  Status st = s->put("k", "v", 0);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(st.code(), Code::kUnavailable) << st.error();
  EXPECT_LT(took, std::chrono::seconds(1));
  // Reads still work under WAL while another connection writes.
  EXPECT_TRUE(s->get("k", 0));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(s->put("k", "v", 0));
}

}  // namespace
}  // namespace backstop::store
