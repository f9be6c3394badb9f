// RedisStore: the shared Store of a cluster of MX hosts, on one or more Redis servers (hiredis,
// synchronous). Entries are hashes with Redis TTLs; every write also appends to a feed stream on
// the same server, in one Lua script, so every daemon sees every other's writes in order.
// "shard" spreads keys over the servers by consistent hashing; "replicated" writes to the first
// server and reads from it, falling back to the others (its Redis replicas) when it is down.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "store/hash_ring.h"
#include "store/redis_connection.h"
#include "store/store.h"

namespace backstop::store {

struct RedisOptions {
  std::vector<std::string> servers;  // "host:port"; at least one
  std::string mode = "shard";        // "shard" or "replicated"
  std::string key_prefix = "backstop:";
  std::string password;
  int db = 0;
  std::chrono::milliseconds connect_timeout{300};
  std::chrono::milliseconds command_timeout{300};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  size_t feed_history = 100000;  // approximate length of each server's feed stream
  int vnodes = 160;              // points per server on the hash ring
};

class RedisStore final : public Store {
 public:
  // Checks the options; does not connect (a server that is down now is only unavailable).
  static Result<std::unique_ptr<RedisStore>> open(const RedisOptions& options);
  ~RedisStore() override;

  std::string describe() const override;
  Status put(std::string_view key, std::string_view value, int64_t expires) override;
  Result<std::optional<Entry>> get(std::string_view key, int64_t now) override;
  Status del(std::string_view key) override;
  Result<int64_t> incr(std::string_view key, int64_t by, int64_t expires, int64_t now) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, int64_t now) override;
  Status expire(int64_t now) override;  // Redis TTLs do it: nothing to do
  Result<std::string> head() override;
  Result<Changes> changes_since(std::string_view cursor, size_t max) override;

  // The server (index into options.servers) that holds key; always 0 in "replicated" mode.
  size_t server_for(std::string_view key) const;
  // Redis's name of the hash that holds key, and of the feed stream.
  std::string data_key(std::string_view key) const;
  std::string feed_key() const;

 private:
  // A shard: a primary and, in replicated mode, the servers reads may fall back to.
  struct Node {
    std::vector<std::unique_ptr<RedisConnection>> servers;  // [0] takes the writes
  };
  struct NodeHead;
  explicit RedisStore(RedisOptions options);
  Node& node_for(std::string_view key);
  // Runs the write script for op ('p' put, 'd' delete, 'i' incr) on key's primary.
  Result<ReplyPtr> write(char op, std::string_view key, std::string_view value, int64_t expires,
                         int64_t by, int64_t now);
  // Runs a read on node's first server that answers (primary, then the others).
  template <class F>
  auto read(Node& node, F&& f) -> decltype(f(*node.servers[0]));
  Result<std::vector<Entry>> scan_server(RedisConnection& c, std::string_view prefix, int64_t now);

  RedisOptions options_;
  HashRing ring_;
  std::vector<Node> nodes_;
  std::string script_sha_;
};

}  // namespace backstop::store
