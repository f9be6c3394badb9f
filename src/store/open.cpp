// open_store: maps StoreOptions onto the backend's own options.
#include "store/open.h"

#include "store/memory_store.h"
#include "store/redis_store.h"
#include "store/sqlite_store.h"

namespace backstop::store {

Result<std::unique_ptr<Store>> open_store(const StoreOptions& options) {
  if (options.feed_history == 0) return Status::rejected("store: feed_history must be >= 1");
  if (options.backend == "memory") {
    return std::unique_ptr<Store>(std::make_unique<MemoryStore>(options.feed_history));
  }
  if (options.backend == "sqlite") {
    SqliteOptions so;
    so.path = options.path;
    so.busy_timeout_ms = options.busy_timeout_ms;
    so.feed_history = options.feed_history;
    auto s = SqliteStore::open(so);
    if (!s) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  if (options.backend == "redis") {
    RedisOptions ro;
    ro.servers = options.redis_servers;
    ro.mode = options.redis_mode;
    ro.key_prefix = options.redis_prefix;
    ro.password = options.redis_password;
    ro.db = options.redis_db;
    ro.connect_timeout = options.connect_timeout;
    ro.command_timeout = options.command_timeout;
    ro.reconnect_min = options.reconnect_min;
    ro.reconnect_max = options.reconnect_max;
    ro.feed_history = options.feed_history;
    auto s = RedisStore::open(ro);
    if (!s) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  return Status::rejected("store: unknown backend \"" + options.backend +
                          "\" (want memory, sqlite or redis)");
}

}  // namespace backstop::store
