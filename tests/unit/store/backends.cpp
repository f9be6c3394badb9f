// Test helper: the shared redis-server and FLUSHALL.
#include "backends.h"

#include "store/redis_connection.h"

namespace backstop::store::testing {

RedisServer* shared_redis() {
  static std::unique_ptr<RedisServer> server = [] {
    auto s = std::make_unique<RedisServer>();
    if (!RedisServer::available() || !s->start()) s.reset();
    return s;
  }();
  return server.get();
}

bool flush_redis(const std::string& address) {
  auto hp = parse_host_port(address);
  if (!hp) return false;
  RedisServerOptions o;
  o.address = *hp;
  RedisConnection c(o);
  auto r = c.command({"FLUSHALL"});
  return r.is_ok();
}

}  // namespace backstop::store::testing
