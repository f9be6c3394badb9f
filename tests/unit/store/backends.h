// Test helper: the three Store backends behind one shape, so one typed suite runs the same
// cases against each. The Redis backend shares one redis-server for the whole test binary and
// empties it before each store it hands out.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "redis_server.h"
#include "store/memory_store.h"
#include "store/redis_store.h"
#include "store/sqlite_store.h"

namespace backstop::store::testing {

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/backstop-store-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct MemoryBackend {
  static constexpr const char* kName = "memory";
  std::string unavailable_reason() const { return {}; }
  std::unique_ptr<Store> open(size_t feed_history = 100000) {
    return std::make_unique<MemoryStore>(feed_history);
  }
};

struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  std::string unavailable_reason() const { return dir.path().empty() ? "no temp dir" : ""; }
  std::unique_ptr<Store> open(size_t feed_history = 100000) {
    SqliteOptions o;
    o.path = dir.path() + "/store.db";
    o.feed_history = feed_history;
    auto s = SqliteStore::open(o);
    EXPECT_TRUE(s) << s.error();
    return s ? std::move(*s) : nullptr;
  }
};

// The redis-server every Redis test of this binary shares (started on first use).
RedisServer* shared_redis();
// FLUSHALL on the server at address.
bool flush_redis(const std::string& address);

struct RedisBackend {
  static constexpr const char* kName = "redis";
  std::string unavailable_reason() const {
    if (!RedisServer::available()) {
      return std::string(kRedisServerBinary) + " is not installed";
    }
    if (shared_redis() == nullptr) return "redis-server did not start";
    return {};
  }
  std::unique_ptr<Store> open(size_t feed_history = 100000) {
    RedisServer* server = shared_redis();
    EXPECT_TRUE(flush_redis(server->address()));
    RedisOptions o;
    o.servers = {server->address()};
    o.feed_history = feed_history;
    auto s = RedisStore::open(o);
    EXPECT_TRUE(s) << s.error();
    return s ? std::move(*s) : nullptr;
  }
};

}  // namespace backstop::store::testing
