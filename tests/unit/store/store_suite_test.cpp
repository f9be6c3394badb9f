// One suite, three backends: the same cases run against MemoryStore, SqliteStore (a temporary
// file) and RedisStore (a private redis-server), so the backends cannot drift apart: values,
// deletion, incr and its errors, expiry, prefix scans with glob characters and binary bytes,
// the change feed with deletions, batches and resets, and bad input.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <set>

#include "backends.h"

namespace backstop::store {
namespace {

using testing::MemoryBackend;
using testing::RedisBackend;
using testing::SqliteBackend;

template <class B>
class StoreSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = backend_.unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << B::kName << " backend skipped: " << why;
    }
    store_ = backend_.open();
    ASSERT_NE(store_, nullptr);
  }

  std::optional<Entry> get(std::string_view key, int64_t at = 0) {
    auto r = store_->get(key, at ? at : now_);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : std::nullopt;
  }

  // Applies the feed from cursor to the end onto state; returns the deletions seen.
  std::set<std::string> follow(std::string& cursor, std::map<std::string, std::string>& state,
                               size_t batch = 1000) {
    std::set<std::string> deleted;
    for (int i = 0; i < 1000; ++i) {
      auto c = store_->changes_since(cursor, batch);
      EXPECT_TRUE(c) << c.error();
      if (!c) break;
      EXPECT_FALSE(c->reset);
      EXPECT_LE(c->entries.size(), batch);
      for (const Entry& e : c->entries) {
        if (e.deleted) {
          state.erase(e.key);
          deleted.insert(e.key);
        } else {
          state[e.key] = e.value;
        }
      }
      cursor = c->cursor;
      if (!c->more) break;
    }
    return deleted;
  }

  B backend_;
  std::unique_ptr<Store> store_;
  // Redis applies expiry with the real clock, so the suite works in real time.
  const int64_t now_ = static_cast<int64_t>(std::time(nullptr));
};

struct BackendNames {
  template <class B>
  static std::string GetName(int) {
    return B::kName;
  }
};

using Backends = ::testing::Types<MemoryBackend, SqliteBackend, RedisBackend>;
TYPED_TEST_SUITE(StoreSuite, Backends, BackendNames);

TYPED_TEST(StoreSuite, PutGetOverwriteAndBinaryValues) {
  auto& s = *this->store_;
  EXPECT_FALSE(this->get("greylist:1"));
  ASSERT_TRUE(s.put("greylist:1", "first", 0));
  ASSERT_TRUE(s.put("greylist:1", "second", 0));
  auto e = this->get("greylist:1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "greylist:1");
  EXPECT_EQ(e->value, "second");
  EXPECT_EQ(e->expires, 0);
  EXPECT_FALSE(e->deleted);

  const std::string binary("a\0b\xff\r\n*", 7);
  const std::string key("k\0\xfe", 3);
  ASSERT_TRUE(s.put(key, binary, 0));
  e = this->get(key);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, binary);
  EXPECT_EQ(e->key, key);

  ASSERT_TRUE(s.put("empty", "", 0));
  e = this->get("empty");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, "");

  const std::string big(kMaxValueBytes, 'v');
  ASSERT_TRUE(s.put("big", big, 0));
  e = this->get("big");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, big);
}

TYPED_TEST(StoreSuite, PutManyWritesEveryEntryAndFeedsThem) {
  auto& s = *this->store_;
  auto head = s.head();
  ASSERT_TRUE(head) << head.error();
  std::string cursor = *head;
  std::vector<PutItem> items;
  for (int i = 0; i < 2500; ++i)
    items.push_back({"block:192.0.2." + std::to_string(i), "v" + std::to_string(i),
                     i % 2 ? this->now_ + 3600 : 0});
  ASSERT_TRUE(s.put_many(items));
  EXPECT_EQ(this->get("block:192.0.2.7")->value, "v7");
  EXPECT_EQ(this->get("block:192.0.2.7")->expires, this->now_ + 3600);
  EXPECT_EQ(this->get("block:192.0.2.2499")->value, "v2499");
  auto all = s.scan("block:", this->now_);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2500u);
  std::map<std::string, std::string> state;
  this->follow(cursor, state);
  EXPECT_EQ(state.size(), 2500u);
  EXPECT_TRUE(s.put_many(std::vector<PutItem>{}));
  // A bad item (an empty key) is refused before anything of the batch is written where the
  // backend can do all or nothing (SQLite); every backend refuses it.
  std::vector<PutItem> bad = {{"block:198.51.100.1", "x", 0}, {"", "y", 0}};
  EXPECT_FALSE(s.put_many(bad));
}

TYPED_TEST(StoreSuite, Delete) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.put("a", "1", 0));
  ASSERT_TRUE(s.del("a"));
  EXPECT_FALSE(this->get("a"));
  EXPECT_TRUE(s.del("a"));      // already gone: fine
  EXPECT_TRUE(s.del("never"));  // never there: fine
  ASSERT_TRUE(s.put("a", "2", 0));
  ASSERT_TRUE(this->get("a"));
  EXPECT_EQ(this->get("a")->value, "2");
}

TYPED_TEST(StoreSuite, Incr) {
  auto& s = *this->store_;
  const int64_t now = this->now_;
  auto v = s.incr("storm:rate", 5, 0, now);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(*v, 5);
  v = s.incr("storm:rate", -7, 0, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, -2);
  EXPECT_EQ(this->get("storm:rate")->value, "-2");
  EXPECT_EQ(this->get("storm:rate")->expires, 0);

  // expires != 0 sets the expiry; 0 keeps it.
  v = s.incr("storm:rate", 1, now + 500, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(this->get("storm:rate")->expires, now + 500);
  v = s.incr("storm:rate", 1, 0, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 0);
  EXPECT_EQ(this->get("storm:rate")->expires, now + 500);

  // Not an integer: rejected, value untouched.
  ASSERT_TRUE(s.put("text", "abc", 0));
  v = s.incr("text", 1, 0, now);
  EXPECT_FALSE(v);
  EXPECT_EQ(v.status().code(), Code::kRejected);
  EXPECT_EQ(this->get("text")->value, "abc");
  ASSERT_TRUE(s.put("text", "12x", 0));
  EXPECT_FALSE(s.incr("text", 1, 0, now));
  ASSERT_TRUE(s.put("text", "", 0));
  EXPECT_FALSE(s.incr("text", 1, 0, now));

  // Overflow: rejected, value untouched.
  ASSERT_TRUE(s.put("max", "9223372036854775807", 0));
  v = s.incr("max", 1, 0, now);
  EXPECT_FALSE(v);
  EXPECT_EQ(v.status().code(), Code::kRejected);
  EXPECT_EQ(this->get("max")->value, "9223372036854775807");
  ASSERT_TRUE(s.put("min", "-9223372036854775808", 0));
  EXPECT_FALSE(s.incr("min", -1, 0, now));
  v = s.incr("min", 1, 0, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, -9223372036854775807LL);

  // An expired counter starts again from zero, with no old expiry.
  ASSERT_TRUE(s.put("old", "41", now - 10));
  v = s.incr("old", 1, 0, now);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 1);
  EXPECT_EQ(this->get("old")->expires, 0);
  // So does an expired non-integer.
  ASSERT_TRUE(s.put("oldtext", "abc", now - 10));
  v = s.incr("oldtext", 2, now + 60, now);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(*v, 2);
}

TYPED_TEST(StoreSuite, Expiry) {
  auto& s = *this->store_;
  const int64_t now = this->now_;
  ASSERT_TRUE(s.put("tmp:1", "x", now + 100));
  auto e = this->get("tmp:1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->expires, now + 100);
  EXPECT_TRUE(this->get("tmp:1", now + 99));
  EXPECT_FALSE(this->get("tmp:1", now + 100));  // expires is the first dead second
  EXPECT_FALSE(this->get("tmp:1", now + 1000));

  ASSERT_TRUE(s.put("tmp:dead", "x", now - 1));
  EXPECT_FALSE(this->get("tmp:dead"));

  auto all = s.scan("tmp:", now);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].expires, now + 100);
  all = s.scan("tmp:", now + 100);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  EXPECT_TRUE(s.expire(now));
  EXPECT_TRUE(this->get("tmp:1"));
}

TYPED_TEST(StoreSuite, ScanPrefixWithGlobCharactersAndBinaryBytes) {
  auto& s = *this->store_;
  const int64_t now = this->now_;
  for (const char* k :
       {"a*b:1", "a*b:2", "axb:1", "a?c", "abc", "a[1]x", "a1x", "a\\z", "az", "a^-", "b"}) {
    ASSERT_TRUE(s.put(k, k, 0)) << k;
  }
  auto keys = [&](std::string_view prefix) {
    std::set<std::string> out;
    auto r = s.scan(prefix, now);
    EXPECT_TRUE(r) << r.error();
    if (r) {
      for (const auto& e : *r) {
        EXPECT_EQ(e.value, e.key);
        out.insert(e.key);
      }
    }
    return out;
  };
  EXPECT_EQ(keys("a*b:"), (std::set<std::string>{"a*b:1", "a*b:2"}));
  EXPECT_EQ(keys("a*"), (std::set<std::string>{"a*b:1", "a*b:2"}));
  EXPECT_EQ(keys("a?"), (std::set<std::string>{"a?c"}));
  EXPECT_EQ(keys("a[1]"), (std::set<std::string>{"a[1]x"}));
  EXPECT_EQ(keys("a\\"), (std::set<std::string>{"a\\z"}));
  EXPECT_EQ(keys("a^"), (std::set<std::string>{"a^-"}));
  EXPECT_EQ(keys("a").size(), 10u);
  EXPECT_EQ(keys("").size(), 11u);
  EXPECT_TRUE(keys("nothing").empty());

  for (const std::string& k : {std::string("\xff\xff", 2),
                               std::string("\xff\xff"
                                           "a",
                                           3),
                               std::string("\xff\xfe", 2)}) {
    ASSERT_TRUE(s.put(k, k, 0));
  }
  EXPECT_EQ(keys(std::string("\xff\xff", 2)).size(), 2u);
  EXPECT_EQ(keys(std::string("\xff", 1)).size(), 3u);

  // Deleted entries are not scanned.
  ASSERT_TRUE(s.del("a*b:1"));
  EXPECT_EQ(keys("a*b:"), (std::set<std::string>{"a*b:2"}));
}

TYPED_TEST(StoreSuite, RejectsBadInput) {
  auto& s = *this->store_;
  const int64_t now = this->now_;
  EXPECT_EQ(s.put("", "v", 0).code(), Code::kRejected);
  EXPECT_EQ(s.put(std::string(kMaxKeyBytes + 1, 'k'), "v", 0).code(), Code::kRejected);
  EXPECT_TRUE(s.put(std::string(kMaxKeyBytes, 'k'), "v", 0));
  EXPECT_EQ(s.put("k", std::string(kMaxValueBytes + 1, 'v'), 0).code(), Code::kRejected);
  EXPECT_EQ(s.put("k", "v", -1).code(), Code::kRejected);
  EXPECT_FALSE(s.get("", now));
  EXPECT_FALSE(s.del(""));
  EXPECT_FALSE(s.incr("", 1, 0, now));
  EXPECT_FALSE(s.incr("k", 1, -5, now));
  EXPECT_FALSE(s.scan(std::string(kMaxKeyBytes + 1, 'k'), now));
  auto head = s.head();
  ASSERT_TRUE(head);
  EXPECT_FALSE(s.changes_since(*head, 0));
  EXPECT_FALSE(s.changes_since(*head, kMaxFeedBatch + 1));
  EXPECT_FALSE(this->get("k"));
}

TYPED_TEST(StoreSuite, FeedShowsWritesAndDeletions) {
  auto& s = *this->store_;
  const int64_t now = this->now_;
  ASSERT_TRUE(s.put("before", "x", 0));
  auto head = s.head();
  ASSERT_TRUE(head) << head.error();
  std::string cursor = *head;

  // Nothing new yet.
  auto c = s.changes_since(cursor, 100);
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->reset);
  EXPECT_TRUE(c->entries.empty());
  EXPECT_FALSE(c->more);

  ASSERT_TRUE(s.put("a", "1", 0));
  ASSERT_TRUE(s.put("b", "2", now + 300));
  ASSERT_TRUE(s.put("a", "3", 0));
  ASSERT_TRUE(s.del("before"));
  ASSERT_TRUE(s.del("never-existed"));
  ASSERT_TRUE(s.incr("n", 5, 0, now));

  std::map<std::string, std::string> state;
  auto deleted = this->follow(cursor, state);
  EXPECT_EQ(state, (std::map<std::string, std::string>{{"a", "3"}, {"b", "2"}, {"n", "5"}}));
  EXPECT_EQ(deleted, (std::set<std::string>{"before"}));

  // The expiry travels with the entry.
  c = s.changes_since(*head, 100);
  ASSERT_TRUE(c);
  bool saw_b = false;
  for (const auto& e : c->entries) {
    if (e.key == "b") {
      saw_b = true;
      EXPECT_EQ(e.expires, now + 300);
    }
  }
  EXPECT_TRUE(saw_b);

  // Caught up: nothing more, the cursor stays valid.
  c = s.changes_since(cursor, 100);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->entries.empty());
  EXPECT_FALSE(c->reset);
  ASSERT_TRUE(s.put("c", "4", 0));
  this->follow(cursor, state);
  EXPECT_EQ(state["c"], "4");
}

TYPED_TEST(StoreSuite, FeedComesInBatches) {
  auto& s = *this->store_;
  auto head = s.head();
  ASSERT_TRUE(head);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(s.put("k" + std::to_string(i), "v", 0));
  auto c = s.changes_since(*head, 10);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->entries.size(), 10u);
  EXPECT_TRUE(c->more);
  std::string cursor = *head;
  std::map<std::string, std::string> state;
  this->follow(cursor, state, 10);
  EXPECT_EQ(state.size(), 25u);
}

TYPED_TEST(StoreSuite, FeedResetsWhenHistoryIsLost) {
  auto store = this->backend_.open(/*feed_history=*/10);
  ASSERT_NE(store, nullptr);
  auto& s = *store;
  const int64_t now = this->now_;
  auto head = s.head();
  ASSERT_TRUE(head);
  for (int i = 0; i < 300; ++i) {
    std::string k = "gone" + std::to_string(i);
    ASSERT_TRUE(s.put(k, "v", 0));
    ASSERT_TRUE(s.del(k));
  }
  ASSERT_TRUE(s.put("kept", "v", 0));
  ASSERT_TRUE(s.expire(now));  // prunes deletion records (SQLite, memory)
  auto c = s.changes_since(*head, 1000);
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->reset);
  EXPECT_TRUE(c->entries.empty());
  // From the new cursor the feed is whole again.
  auto again = s.changes_since(c->cursor, 1000);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->reset);
  EXPECT_TRUE(again->entries.empty());
  ASSERT_TRUE(s.put("after", "v", 0));
  again = s.changes_since(c->cursor, 1000);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->reset);
  ASSERT_EQ(again->entries.size(), 1u);
  EXPECT_EQ(again->entries[0].key, "after");
}

TYPED_TEST(StoreSuite, UnreadableCursorResets) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.put("a", "1", 0));
  for (const char* bad :
       {"", "garbage", "-1", "99999999999", "r1;zz:1", "r1;", "r2;a:1", "18446744073709551616"}) {
    auto c = s.changes_since(bad, 10);
    ASSERT_TRUE(c) << bad << ": " << c.error();
    EXPECT_TRUE(c->reset) << bad;
    auto next = s.changes_since(c->cursor, 10);
    ASSERT_TRUE(next) << bad;
    EXPECT_FALSE(next->reset) << bad;
  }
}

}  // namespace
}  // namespace backstop::store
