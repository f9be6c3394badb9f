// open_store: builds the Store a configuration names ("memory", "sqlite" or "redis") from one
// small options struct, so the daemon and the tools need not know the backends' own types.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace backstop::store {

struct StoreOptions {
  std::string backend = "sqlite";  // "memory", "sqlite" or "redis"
  // sqlite
  std::string path = "var/backstop.db";
  int busy_timeout_ms = 500;
  // redis
  std::vector<std::string> redis_servers;  // "host:port"
  std::string redis_mode = "shard";        // "shard" or "replicated"
  std::string redis_prefix = "backstop:";
  std::string redis_password;
  int redis_db = 0;
  std::chrono::milliseconds connect_timeout{300};
  std::chrono::milliseconds command_timeout{300};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  // all: deletion records (sqlite, memory) or stream entries per server (redis) kept for the
  // change feed; a reader further behind than that reloads everything.
  size_t feed_history = 100000;
};

// The store, or why not (unknown backend, bad options, unopenable SQLite file). A Redis store
// opens without connecting: servers that are down are reported by the calls.
Result<std::unique_ptr<Store>> open_store(const StoreOptions& options);

}  // namespace backstop::store
