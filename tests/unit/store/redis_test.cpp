// Redis store specifics, each against private redis-servers on loopback: two stores on one
// server see each other through the feed; entries carry Redis TTLs; sharding spreads keys over
// two servers by consistent hashing and places each key alike; a stopped or mute server makes
// calls fail fast; replicated mode reads from the replica when the primary is down; scripts
// flushed on the server, foreign keys under the prefix and bad options are handled.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "backends.h"
#include "store/redis_connection.h"
#include "store/redis_store.h"

namespace backstop::store {
namespace {

using testing::RedisServer;

using namespace std::chrono_literals;

#define SKIP_WITHOUT_REDIS()                                                                 \
  if (!RedisServer::available()) {                                                           \
    GTEST_SKIP() << testing::kRedisServerBinary << " is not installed: Redis tests skipped"; \
  }

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::unique_ptr<RedisStore> open(std::vector<std::string> servers, std::string mode = "shard",
                                 std::string prefix = "backstop:") {
  RedisOptions o;
  o.servers = std::move(servers);
  o.mode = std::move(mode);
  o.key_prefix = std::move(prefix);
  o.reconnect_min = 50ms;
  o.reconnect_max = 200ms;
  auto s = RedisStore::open(o);
  EXPECT_TRUE(s) << s.error();
  return s ? std::move(*s) : nullptr;
}

// A direct connection for checking what the store wrote.
class Raw {
 public:
  explicit Raw(int port) : c_(options(port)) {}
  ReplyPtr operator()(const Command& args) {
    auto r = c_.command(args);
    EXPECT_TRUE(r) << r.error();
    return r ? std::move(*r) : nullptr;
  }
  int64_t integer(const Command& args) {
    auto r = (*this)(args);
    return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -999;
  }
  std::string string(const Command& args) {
    auto r = (*this)(args);
    return r && r->str ? std::string(r->str, r->len) : "";
  }

 private:
  static RedisServerOptions options(int port) {
    RedisServerOptions o;
    o.address = HostPort{"127.0.0.1", port};
    return o;
  }
  RedisConnection c_;
};

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_REDIS();
    server_ = testing::shared_redis();
    ASSERT_NE(server_, nullptr) << "redis-server did not start";
    ASSERT_TRUE(testing::flush_redis(server_->address()));
  }
  RedisServer* server_ = nullptr;
};

TEST_F(RedisTest, TwoStoresSeeEachOthersWritesThroughTheFeed) {
  auto a = open({server_->address()});
  auto b = open({server_->address()});
  auto head_a = a->head();
  auto head_b = b->head();
  ASSERT_TRUE(head_a && head_b) << head_a.error();

  ASSERT_TRUE(a->put("block:192.0.2.1", "spam", now() + 3600));
  ASSERT_TRUE(a->incr("rate", 2, 0, now()));
  ASSERT_TRUE(b->incr("rate", 3, 0, now()));
  auto seen = b->changes_since(*head_b, 100);
  ASSERT_TRUE(seen) << seen.error();
  ASSERT_EQ(seen->entries.size(), 3u);
  EXPECT_EQ(seen->entries[0].value, "spam");
  EXPECT_EQ(seen->entries[1].value, "2");
  EXPECT_EQ(seen->entries[2].value, "5");  // each incr's entry carries the value it made

  ASSERT_TRUE(b->del("block:192.0.2.1"));
  auto back = a->changes_since(seen->cursor, 100);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->entries.size(), 1u);
  EXPECT_TRUE(back->entries[0].deleted);
  EXPECT_EQ(back->entries[0].key, "block:192.0.2.1");
}

TEST_F(RedisTest, EntriesAreHashesWithRedisTtls) {
  auto s = open({server_->address()});
  Raw raw(server_->port());
  const int64_t t = now();
  ASSERT_TRUE(s->put("grey:a", "v", t + 100));
  int64_t ttl = raw.integer({"TTL", "backstop:d:grey:a"});
  EXPECT_GT(ttl, 90);
  EXPECT_LE(ttl, 100);
  EXPECT_EQ(raw.string({"HGET", "backstop:d:grey:a", "v"}), "v");
  EXPECT_EQ(raw.string({"HGET", "backstop:d:grey:a", "e"}), std::to_string(t + 100));

  ASSERT_TRUE(s->put("grey:b", "v", 0));
  EXPECT_EQ(raw.integer({"TTL", "backstop:d:grey:b"}), -1);
  ASSERT_TRUE(s->put("grey:c", "v", t - 5));
  EXPECT_EQ(raw.integer({"EXISTS", "backstop:d:grey:c"}), 0);

  // incr with an expiry sets the TTL; without, keeps it.
  ASSERT_TRUE(s->incr("n", 1, t + 50, t));
  EXPECT_GT(raw.integer({"TTL", "backstop:d:n"}), 40);
  ASSERT_TRUE(s->incr("n", 1, 0, t));
  EXPECT_GT(raw.integer({"TTL", "backstop:d:n"}), 40);

  EXPECT_EQ(raw.integer({"XLEN", "backstop:feed"}), 5);
}

TEST_F(RedisTest, KeyPrefixesKeepStoresApart) {
  auto a = open({server_->address()}, "shard", "one:");
  auto b = open({server_->address()}, "shard", "two:");
  ASSERT_TRUE(a->put("k", "a", 0));
  EXPECT_FALSE(*b->get("k", now()));
  auto head = b->head();
  ASSERT_TRUE(head);
  EXPECT_EQ(*head, "r1;:0");  // b's feed is empty
  EXPECT_TRUE(b->scan("", now())->empty());
}

TEST_F(RedisTest, ForeignKeysUnderThePrefixAreSkippedOrRejected) {
  auto s = open({server_->address()});
  Raw raw(server_->port());
  raw({"SET", "backstop:d:weird", "a plain string"});
  ASSERT_TRUE(s->put("fine", "v", 0));
  auto all = s->scan("", now());
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, "fine");
  auto got = s->get("weird", now());
  EXPECT_FALSE(got);
  EXPECT_EQ(got.status().code(), Code::kRejected);
  EXPECT_EQ(s->put("weird", "v", 0).code(), Code::kOk);  // put replaces it
}

TEST_F(RedisTest, SurvivesAScriptFlush) {
  auto s = open({server_->address()});
  Raw raw(server_->port());
  ASSERT_TRUE(s->put("a", "1", 0));
  raw({"SCRIPT", "FLUSH"});
  EXPECT_TRUE(s->put("b", "2", 0));
  EXPECT_TRUE(s->put("c", "3", 0));
  EXPECT_EQ(s->scan("", now())->size(), 3u);
}

TEST_F(RedisTest, AWipedFeedResetsReaders) {
  auto s = open({server_->address()});
  ASSERT_TRUE(s->put("a", "1", 0));
  auto head = s->head();
  ASSERT_TRUE(head);
  Raw raw(server_->port());
  raw({"DEL", "backstop:feed"});
  auto c = s->changes_since(*head, 10);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->reset);
  // The stream starts again under a new epoch; a reader from before still resets.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->put("b" + std::to_string(i), "1", 0));
  c = s->changes_since(*head, 10);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->reset);
  auto fresh = s->changes_since(c->cursor, 10);
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(fresh->reset);
  EXPECT_TRUE(fresh->entries.empty());
}

TEST(RedisOptionsTest, BadOptionsAreRejected) {
  RedisOptions o;
  EXPECT_FALSE(RedisStore::open(o));  // no servers
  o.servers = {"127.0.0.1:6379"};
  o.mode = "cluster";
  EXPECT_FALSE(RedisStore::open(o));
  o.mode = "replicated";
  EXPECT_TRUE(RedisStore::open(o));
  o.servers = {"127.0.0.1:6379", "127.0.0.1:6379"};
  EXPECT_FALSE(RedisStore::open(o));
  o.servers = {"127.0.0.1:port"};
  EXPECT_FALSE(RedisStore::open(o));
  o.servers = {"127.0.0.1:6379"};
  o.feed_history = 0;
  EXPECT_FALSE(RedisStore::open(o));
}

TEST(RedisShardTest, SpreadsKeysOverTwoServersAndPlacesEachKeyAlike) {
  SKIP_WITHOUT_REDIS();
  RedisServer one, two;
  ASSERT_TRUE(one.start());
  ASSERT_TRUE(two.start());
  auto s = open({one.address(), two.address()});
  auto other = open({one.address(), two.address()});  // a second daemon
  auto head = other->head();
  ASSERT_TRUE(head) << head.error();
  Raw raw1(one.port()), raw2(two.port());
  const int n = 400;
  int on_first = 0;
  for (int i = 0; i < n; ++i) {
    std::string k = "block:198.51.100." + std::to_string(i);
    ASSERT_TRUE(s->put(k, std::to_string(i), 0));
    size_t where = s->server_for(k);
    EXPECT_EQ(where, other->server_for(k));
    int64_t in1 = raw1.integer({"EXISTS", "backstop:d:" + k});
    int64_t in2 = raw2.integer({"EXISTS", "backstop:d:" + k});
    EXPECT_EQ(in1 + in2, 1) << k;
    EXPECT_EQ(where == 0 ? in1 : in2, 1) << k;
    on_first += static_cast<int>(in1);
  }
  EXPECT_GT(on_first, n * 3 / 10);
  EXPECT_LT(on_first, n * 7 / 10);

  // Both servers' feeds and scans add up to everything.
  auto all = other->scan("block:", now());
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), static_cast<size_t>(n));
  std::set<std::string> keys;
  std::string cursor = *head;
  for (int i = 0; i < 100; ++i) {
    auto c = other->changes_since(cursor, 64);
    ASSERT_TRUE(c) << c.error();
    ASSERT_FALSE(c->reset);
    for (auto& e : c->entries) keys.insert(e.key);
    cursor = c->cursor;
    if (!c->more) break;
  }
  EXPECT_EQ(keys.size(), static_cast<size_t>(n));

  // One shard down: the other's changes still come, with a partial error; scan fails whole.
  ASSERT_TRUE(s->put("after:0", "x", 0));
  two.stop();
  std::string k_on_one;
  for (int i = 0; k_on_one.empty(); ++i) {
    std::string k = "after:" + std::to_string(i + 1);
    if (s->server_for(k) == 0) k_on_one = k;
  }
  ASSERT_TRUE(s->put(k_on_one, "x", 0));
  auto c = other->changes_since(cursor, 100);
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->partial_error.empty());
  bool saw = false;
  for (auto& e : c->entries) saw = saw || e.key == k_on_one;
  EXPECT_TRUE(saw);
  EXPECT_FALSE(other->scan("", now()));
}

TEST(RedisFailureTest, CallsFailFastWhileTheServerIsDownAndRecover) {
  SKIP_WITHOUT_REDIS();
  RedisServer server;
  ASSERT_TRUE(server.start());
  auto s = open({server.address()});
  ASSERT_TRUE(s->put("k", "v", 0));
  auto head = s->head();
  ASSERT_TRUE(head);
  server.stop();
  for (int round = 0; round < 3; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    Status put = s->put("k", "v2", 0);
    auto got = s->get("k", now());
    auto scan = s->scan("", now());
    auto h = s->head();
    auto c = s->changes_since(*head, 10);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(put.code(), Code::kUnavailable);
    EXPECT_NE(put.error().find(server.address()), std::string::npos) << put.error();
    EXPECT_EQ(got.status().code(), Code::kUnavailable);
    EXPECT_FALSE(scan);
    EXPECT_FALSE(h);
    EXPECT_FALSE(c);
    EXPECT_LT(took, 1s) << "five calls to a stopped server";
    std::this_thread::sleep_for(60ms);
  }
  ASSERT_TRUE(server.start(server.port()));
  EXPECT_TRUE(eventually([&] { return s->put("k", "v3", 0).is_ok(); }));
  auto got = s->get("k", now());
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->value, "v3");
  // The server lost everything (no persistence): a reader from before must reload.
  auto c = s->changes_since(*head, 10);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->reset);
}

TEST(RedisFailureTest, AServerThatNeverAnswersTimesOut) {
  // A listening socket nobody accepts on: the connection completes, the command never answers.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  RedisOptions o;
  o.servers = {"127.0.0.1:" + std::to_string(ntohs(addr.sin_port))};
  o.command_timeout = 200ms;
  auto s = RedisStore::open(o);
  ASSERT_TRUE(s);
  auto t0 = std::chrono::steady_clock::now();
  Status put = (*s)->put("k", "v", 0);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(put.code(), Code::kUnavailable) << put.error();
  EXPECT_LT(took, 1s);
  // And the next call fails at once (backoff) instead of waiting again.
  t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE((*s)->get("k", now()));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  close(fd);
}

TEST(RedisReplicatedTest, ReadsFromTheReplicaWhenThePrimaryIsDown) {
  SKIP_WITHOUT_REDIS();
  RedisServer primary, replica;
  ASSERT_TRUE(primary.start());
  ASSERT_TRUE(replica.start());
  Raw raw_primary(primary.port()), raw_replica(replica.port());
  raw_primary({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});
  raw_replica({"REPLICAOF", "127.0.0.1", std::to_string(primary.port())});
  ASSERT_TRUE(eventually([&] {
    auto info = raw_replica.string({"INFO", "replication"});
    return info.find("master_link_status:up") != std::string::npos;
  }));
  auto s = open({primary.address(), replica.address()}, "replicated");
  auto head = s->head();
  ASSERT_TRUE(head);
  ASSERT_TRUE(s->put("allow:203.0.113.5", "ok", 0));
  ASSERT_TRUE(eventually([&] {
    return raw_replica.integer({"EXISTS", "backstop:d:allow:203.0.113.5"}) == 1;
  }));
  primary.stop();
  auto got = s->get("allow:203.0.113.5", now());
  ASSERT_TRUE(got) << got.error();
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->value, "ok");
  auto c = s->changes_since(*head, 10);  // the feed is replicated too
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->reset);
  ASSERT_EQ(c->entries.size(), 1u);
  EXPECT_EQ(s->put("x", "y", 0).code(), Code::kUnavailable);  // writes need the primary
}

}  // namespace
}  // namespace backstop::store
