// RedisConnection: one synchronous hiredis connection to one server, with connect and command
// timeouts, and a reconnect backoff so that a server that is down makes calls fail at once
// instead of each waiting for a timeout. Trusts the server's replies only to be RESP2.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/redis_keys.h"
#include "store/status.h"

namespace backstop::store {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
using Command = std::vector<std::string_view>;

struct RedisServerOptions {
  HostPort address;
  std::string password;  // AUTH after connecting, when not empty
  int db = 0;            // SELECT after connecting, when not 0
  std::chrono::milliseconds connect_timeout{300};
  std::chrono::milliseconds command_timeout{300};
  // After a failure, calls fail at once for reconnect_min, then twice as long after each
  // further failure, up to reconnect_max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
};

class RedisConnection {
 public:
  explicit RedisConnection(RedisServerOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // "host:port", for messages.
  const std::string& name() const { return name_; }

  // Sends one command and returns its reply. An error reply becomes a failed Status:
  // unavailable for server-state errors (LOADING, READONLY, OOM, BUSY, MASTERDOWN, NOAUTH...),
  // rejected for the others (ERR, WRONGTYPE...), with the server's text.
  Result<ReplyPtr> command(const Command& args);
  // Sends commands in one round trip; replies in order. Error replies are returned as replies
  // (type REDIS_REPLY_ERROR), only connection failures fail the whole call.
  Result<std::vector<ReplyPtr>> pipeline(const std::vector<Command>& commands);

  // The Status a server error reply stands for (see command()).
  static Status error_status(std::string_view server, std::string_view error_text);

 private:
  Status connect();
  Result<std::vector<ReplyPtr>> attempt(const std::vector<Command>& commands);
  // Did the last failure find the socket closed by the peer (EOF, reset, broken pipe)?
  bool dead_socket() const;
  Status fail(std::string error);  // drops the connection, schedules the next attempt

  const RedisServerOptions options_;
  const std::string name_;
  redisContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
  bool stale_ = false;  // the last attempt failed on a socket the peer had closed
};

}  // namespace backstop::store
