// Replica: the initial load, local writes seen at once and written behind, other writers seen
// through the feed, incr results, expired feed entries as deletions, reloads after a feed
// reset, down/up reports and write retention while the store is down, the bounded queue, the
// flush at stop, and the whole cycle against a redis-server that is killed and restarted.
#include "store/replica.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "backends.h"
#include "store/memory_store.h"
#include "store/redis_store.h"

namespace backstop::store {
namespace {

using namespace std::chrono_literals;

// Lets several Replicas share one store (two daemons) and lets a test take it down.
class SharedStore final : public Store {
 public:
  SharedStore(std::shared_ptr<Store> inner, std::shared_ptr<std::atomic<bool>> down)
      : inner_(std::move(inner)), down_(std::move(down)) {}
  std::string describe() const override { return "shared " + inner_->describe(); }
  Status put(std::string_view k, std::string_view v, int64_t e) override {
    return *down_ ? kDown : inner_->put(k, v, e);
  }
  Result<std::optional<Entry>> get(std::string_view k, int64_t now) override {
    if (*down_) return kDown;
    return inner_->get(k, now);
  }
  Status del(std::string_view k) override { return *down_ ? kDown : inner_->del(k); }
  Result<int64_t> incr(std::string_view k, int64_t by, int64_t e, int64_t now) override {
    if (*down_) return kDown;
    return inner_->incr(k, by, e, now);
  }
  Result<std::vector<Entry>> scan(std::string_view p, int64_t now) override {
    if (*down_) return kDown;
    return inner_->scan(p, now);
  }
  Status expire(int64_t now) override { return *down_ ? kDown : inner_->expire(now); }
  Result<std::string> head() override {
    if (*down_) return kDown;
    return inner_->head();
  }
  Result<Changes> changes_since(std::string_view c, size_t max) override {
    if (*down_) return kDown;
    return inner_->changes_since(c, max);
  }

 private:
  inline static const Status kDown = Status::unavailable("test: store is down");
  std::shared_ptr<Store> inner_;
  std::shared_ptr<std::atomic<bool>> down_;
};

// A subscriber that mirrors what it is told, the way a list would.
class Mirror {
 public:
  Subscriber subscriber(std::string prefix) {
    Subscriber s;
    s.prefix = std::move(prefix);
    s.on_entry = [this](const Entry& e) {
      std::lock_guard lock(mu_);
      if (e.deleted) {
        state_.erase(e.key);
        ++deletions_;
      } else {
        state_[e.key] = e;
      }
    };
    s.on_reload_begin = [this] {
      std::lock_guard lock(mu_);
      ++begins_;
      state_.clear();
    };
    s.on_reload_end = [this] {
      std::lock_guard lock(mu_);
      ++ends_;
    };
    return s;
  }
  std::optional<Entry> find(const std::string& k) const {
    std::lock_guard lock(mu_);
    auto it = state_.find(k);
    if (it == state_.end()) return std::nullopt;
    return it->second;
  }
  std::string value(const std::string& k) const {
    auto e = find(k);
    return e ? e->value : "<none>";
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return state_.size();
  }
  int begins() const {
    std::lock_guard lock(mu_);
    return begins_;
  }
  int ends() const {
    std::lock_guard lock(mu_);
    return ends_;
  }
  int deletions() const {
    std::lock_guard lock(mu_);
    return deletions_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> state_;
  int begins_ = 0, ends_ = 0, deletions_ = 0;
};

// Records on_state() calls.
class States {
 public:
  Replica::StateFn fn() {
    return [this](bool up, const std::string& error) {
      std::lock_guard lock(mu_);
      calls_.emplace_back(up, error);
    };
  }
  std::vector<std::pair<bool, std::string>> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::optional<bool> last() const {
    std::lock_guard lock(mu_);
    if (calls_.empty()) return std::nullopt;
    return calls_.back().first;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<bool, std::string>> calls_;
};

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

ReplicaOptions fast() {
  ReplicaOptions o;
  o.interval = 20ms;
  o.stop_deadline = 500ms;
  return o;
}

class ReplicaTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> view() { return std::make_unique<SharedStore>(inner_, down_); }

  core::SystemClock clock_;
  std::shared_ptr<Store> inner_ = std::make_shared<MemoryStore>();
  std::shared_ptr<std::atomic<bool>> down_ = std::make_shared<std::atomic<bool>>(false);
  const int64_t now_ = clock_.now();
};

TEST_F(ReplicaTest, LoadsEachSubscribersPrefixAtStart) {
  ASSERT_TRUE(inner_->put("bl:192.0.2.1", "spam", 0));
  ASSERT_TRUE(inner_->put("bl:192.0.2.2", "bounce", now_ + 3600));
  ASSERT_TRUE(inner_->put("bl:192.0.2.3", "old", now_ - 10));
  ASSERT_TRUE(inner_->put("gl:x", "1", 0));
  Mirror bl, gl;
  States states;
  Replica r(view(), clock_, fast());
  ASSERT_TRUE(r.subscribe(bl.subscriber("bl:")));
  ASSERT_TRUE(r.subscribe(gl.subscriber("gl:")));
  ASSERT_TRUE(r.on_state(states.fn()));
  r.start();
  ASSERT_TRUE(r.wait_loaded(2s));
  EXPECT_EQ(bl.size(), 2u);
  EXPECT_EQ(bl.value("bl:192.0.2.2"), "bounce");
  EXPECT_EQ(bl.find("bl:192.0.2.2")->expires, now_ + 3600);
  EXPECT_EQ(gl.size(), 1u);
  EXPECT_EQ(bl.begins(), 1);
  EXPECT_EQ(bl.ends(), 1);
  EXPECT_TRUE(eventually([&] { return states.last() == true; }));
  // Too late to subscribe.
  EXPECT_FALSE(r.subscribe(bl.subscriber("x:")));
  EXPECT_FALSE(r.on_state(states.fn()));
  EXPECT_TRUE(r.stats().loaded);
}

TEST_F(ReplicaTest, LocalWritesReachSubscribersAtOnceAndTheStoreBehind) {
  Mirror m;
  ReplicaOptions o = fast();
  o.interval = 10s;  // no feed: what the mirror sees comes from the local path
  Replica r(view(), clock_, o);
  ASSERT_TRUE(r.subscribe(m.subscriber("grey:")));
  r.start();
  ASSERT_TRUE(r.wait_loaded(2s));
  ASSERT_TRUE(r.put("grey:a", "1", 0));
  EXPECT_EQ(m.value("grey:a"), "1");  // before any flush
  ASSERT_TRUE(r.put("other:b", "2", 0));
  EXPECT_EQ(m.size(), 1u);  // not its prefix
  ASSERT_TRUE(r.flush(2s));
  auto got = inner_->get("grey:a", now_);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->value, "1");
  ASSERT_TRUE(r.del("grey:a"));
  EXPECT_FALSE(m.find("grey:a"));
  ASSERT_TRUE(r.flush(2s));
  EXPECT_FALSE(*inner_->get("grey:a", now_));
  // Expired on arrival: a deletion for the readers.
  ASSERT_TRUE(r.put("grey:b", "x", 0));
  ASSERT_TRUE(r.put("grey:b", "x", now_ - 1));
  EXPECT_FALSE(m.find("grey:b"));
  // Bad input is refused at once and not queued.
  EXPECT_FALSE(r.put("", "v", 0));
  EXPECT_FALSE(r.put("k", std::string(kMaxValueBytes + 1, 'v'), 0));
  EXPECT_FALSE(r.del(""));
  EXPECT_FALSE(r.incr("k", 1, -1));
  ASSERT_TRUE(r.flush(2s));
  auto st = r.stats();
  EXPECT_EQ(st.queued, 5u);
  EXPECT_EQ(st.written, 5u);
  EXPECT_EQ(st.dropped, 0u);
}

TEST_F(ReplicaTest, SeesAnotherReplicasWritesThroughTheFeed) {
  Mirror ma, mb;
  Replica a(view(), clock_, fast());
  Replica b(view(), clock_, fast());
  ASSERT_TRUE(a.subscribe(ma.subscriber("")));
  ASSERT_TRUE(b.subscribe(mb.subscriber("")));
  a.start();
  b.start();
  ASSERT_TRUE(a.wait_loaded(2s) && b.wait_loaded(2s));
  ASSERT_TRUE(a.put("block:1", "x", 0));
  EXPECT_TRUE(eventually([&] { return mb.value("block:1") == "x"; }));
  ASSERT_TRUE(a.incr("count", 1, now_ + 600));
  ASSERT_TRUE(b.incr("count", 1, now_ + 600));
  EXPECT_TRUE(eventually([&] { return ma.value("count") == "2" && mb.value("count") == "2"; }));
  EXPECT_EQ(ma.find("count")->expires, now_ + 600);
  ASSERT_TRUE(b.del("block:1"));
  EXPECT_TRUE(eventually([&] { return !ma.find("block:1"); }));
}

TEST_F(ReplicaTest, IncrWithoutExpiryDeliversTheStoredExpiry) {
  ASSERT_TRUE(inner_->put("n", "4", now_ + 900));
  Mirror m;
  Replica r(view(), clock_, fast());
  ASSERT_TRUE(r.subscribe(m.subscriber("")));
  r.start();
  ASSERT_TRUE(r.wait_loaded(2s));
  ASSERT_TRUE(r.incr("n", 3, 0));
  ASSERT_TRUE(r.flush(2s));
  auto e = m.find("n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, "7");
  EXPECT_EQ(e->expires, now_ + 900);
  // A rejected write (not an integer) is counted and dropped, and does not block the queue.
  ASSERT_TRUE(inner_->put("t", "text", 0));
  ASSERT_TRUE(r.incr("t", 1, 0));
  ASSERT_TRUE(r.put("after", "1", 0));
  ASSERT_TRUE(r.flush(2s));
  EXPECT_EQ(r.stats().write_rejected, 1u);
  EXPECT_TRUE(*inner_->get("after", now_));
}

TEST_F(ReplicaTest, ExpiredFeedEntriesArriveAsDeletions) {
  Mirror m;
  Replica r(view(), clock_, fast());
  ASSERT_TRUE(r.subscribe(m.subscriber("")));
  r.start();
  ASSERT_TRUE(r.wait_loaded(2s));
  ASSERT_TRUE(inner_->put("k", "v", 0));
  ASSERT_TRUE(eventually([&] { return m.find("k").has_value(); }));
  ASSERT_TRUE(inner_->put("k", "v", now_ - 5));
  EXPECT_TRUE(eventually([&] { return !m.find("k"); }));
}

TEST_F(ReplicaTest, ReloadsWhenTheFeedLostHistory) {
  inner_ = std::make_shared<MemoryStore>(/*feed_history=*/2);
  ASSERT_TRUE(inner_->put("a", "1", 0));
  Mirror m;
  ReplicaOptions o = fast();
  o.interval = 200ms;
  Replica r(view(), clock_, o);
  ASSERT_TRUE(r.subscribe(m.subscriber("")));
  r.start();
  ASSERT_TRUE(r.wait_loaded(2s));
  EXPECT_EQ(m.begins(), 1);
  // Behind the replica's back: many deletions, pruned before it polls.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(inner_->put("x" + std::to_string(i), "v", 0));
    ASSERT_TRUE(inner_->del("x" + std::to_string(i)));
  }
  ASSERT_TRUE(inner_->del("a"));
  ASSERT_TRUE(inner_->put("b", "2", 0));
  ASSERT_TRUE(inner_->expire(now_));
  EXPECT_TRUE(eventually([&] { return m.begins() == 2 && m.ends() == 2; }));
  EXPECT_FALSE(m.find("a"));
  EXPECT_EQ(m.value("b"), "2");
  EXPECT_EQ(m.size(), 1u);
}

TEST_F(ReplicaTest, ReportsDownAndUpAndKeepsWritesMeanwhile) {
  Mirror m;
  States states;
  Replica r(view(), clock_, fast());
  ASSERT_TRUE(r.subscribe(m.subscriber("")));
  ASSERT_TRUE(r.on_state(states.fn()));
  r.start();
  ASSERT_TRUE(r.wait_loaded(2s));
  ASSERT_TRUE(eventually([&] { return states.last() == true; }));
  *down_ = true;
  ASSERT_TRUE(eventually([&] { return states.last() == false; }));
  ASSERT_TRUE(r.put("while-down", "1", 0));
  EXPECT_EQ(m.value("while-down"), "1");  // local readers see it anyway
  std::this_thread::sleep_for(100ms);     // several failing ticks
  auto st = r.stats();
  EXPECT_FALSE(st.up);
  EXPECT_EQ(st.queue_depth, 1u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_NE(st.last_error.find("down"), std::string::npos);
  *down_ = false;
  ASSERT_TRUE(eventually([&] { return states.last() == true; }));
  ASSERT_TRUE(r.flush(2s));
  EXPECT_TRUE(*inner_->get("while-down", now_));
  // One report per transition: up, down, up (the reminder is once a minute).
  auto calls = states.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_TRUE(calls[0].first);
  EXPECT_FALSE(calls[1].first);
  EXPECT_EQ(calls[1].second, "test: store is down");
  EXPECT_TRUE(calls[2].first);
  EXPECT_TRUE(calls[2].second.empty());
}

TEST_F(ReplicaTest, RemindsWhileDown) {
  States states;
  ReplicaOptions o = fast();
  o.down_report_every = 0s;
  *down_ = true;
  Replica r(view(), clock_, o);
  ASSERT_TRUE(r.on_state(states.fn()));
  r.start();
  EXPECT_TRUE(eventually([&] { return states.calls().size() >= 3; }));
  for (auto& [up, error] : states.calls()) EXPECT_FALSE(up);
  EXPECT_FALSE(r.wait_loaded(10ms));
}

TEST_F(ReplicaTest, AFullQueueDropsTheOldestWrites) {
  ReplicaOptions o = fast();
  o.queue_limit = 3;
  *down_ = true;
  Replica r(view(), clock_, o);
  r.start();
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(r.put("k" + std::to_string(i), "v", 0));
  EXPECT_EQ(r.stats().dropped, 2u);
  *down_ = false;
  ASSERT_TRUE(r.flush(3s));
  EXPECT_FALSE(*inner_->get("k1", now_));
  EXPECT_FALSE(*inner_->get("k2", now_));
  for (const char* k : {"k3", "k4", "k5"}) EXPECT_TRUE(*inner_->get(k, now_)) << k;
}

TEST_F(ReplicaTest, StopFlushesPendingWrites) {
  {
    ReplicaOptions o = fast();
    o.interval = 10s;
    Replica r(view(), clock_, o);
    r.start();
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(r.put("k" + std::to_string(i), "v", 0));
    r.stop();
    EXPECT_EQ(r.stats().dropped, 0u);
    EXPECT_EQ(r.stats().queue_depth, 0u);
    r.stop();  // idempotent
  }
  EXPECT_EQ(inner_->scan("k", now_)->size(), 200u);
}

TEST_F(ReplicaTest, StopGivesUpOnADownStoreAtTheDeadline) {
  ReplicaOptions o = fast();
  o.stop_deadline = 200ms;
  *down_ = true;
  Replica r(view(), clock_, o);
  r.start();
  ASSERT_TRUE(r.put("lost", "v", 0));
  auto t0 = std::chrono::steady_clock::now();
  r.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(r.stats().dropped, 1u);
}

TEST(ReplicaRedisTest, ReportsDownThenUpAfterRedisRestartsAndCatchesUp) {
  if (!testing::RedisServer::available()) {
    GTEST_SKIP() << testing::kRedisServerBinary << " is not installed: Redis test skipped";
  }
  testing::RedisServer server;
  ASSERT_TRUE(server.start());
  RedisOptions ro;
  ro.servers = {server.address()};
  ro.reconnect_min = 50ms;
  ro.reconnect_max = 200ms;
  auto store = RedisStore::open(ro);
  auto writer = RedisStore::open(ro);  // another daemon, writing directly
  ASSERT_TRUE(store && writer);
  core::SystemClock clock;
  Mirror m;
  States states;
  Replica r(std::move(*store), clock, fast());
  ASSERT_TRUE(r.subscribe(m.subscriber("bl:")));
  ASSERT_TRUE(r.on_state(states.fn()));
  r.start();
  ASSERT_TRUE(r.wait_loaded(3s));
  ASSERT_TRUE((*writer)->put("bl:1", "before", 0));
  ASSERT_TRUE(eventually([&] { return m.value("bl:1") == "before"; }));

  server.stop();
  ASSERT_TRUE(eventually([&] { return states.last() == false; }));
  ASSERT_TRUE(r.put("bl:queued", "1", 0));
  EXPECT_EQ(m.value("bl:queued"), "1");

  ASSERT_TRUE(server.start(server.port()));
  ASSERT_TRUE(eventually([&] { return states.last() == true; }));
  ASSERT_TRUE(r.flush(3s));
  auto got = (*writer)->get("bl:queued", clock.now());
  ASSERT_TRUE(got) << got.error();
  EXPECT_TRUE(*got);  // the write queued while down reached the restarted server
  // The restarted server lost "bl:1": the replica noticed the new feed and reloaded.
  EXPECT_TRUE(eventually([&] { return !m.find("bl:1"); }));
  EXPECT_GE(m.begins(), 2);
  ASSERT_TRUE((*writer)->put("bl:2", "after", 0));
  EXPECT_TRUE(eventually([&] { return m.value("bl:2") == "after"; }));
  EXPECT_EQ(m.value("bl:queued"), "1");
}

}  // namespace
}  // namespace backstop::store
