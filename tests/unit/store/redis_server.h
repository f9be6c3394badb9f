// Test helper: a private redis-server on a free loopback port, with no persistence, in a
// temporary directory; started and stopped by the test, never as a system service.
#pragma once

#include <sys/types.h>

#include <string>

namespace backstop::store::testing {

inline constexpr const char* kRedisServerBinary = "/usr/bin/redis-server";

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();  // stops it and removes the directory
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  static bool available();  // is the binary installed?

  // Starts on `port` (0: a free one, or the previous port on a restart) and waits until it
  // answers PING (up to 5 s). False if it did not come up.
  bool start(int port = 0);
  // Kills it (SIGKILL: the test wants an abrupt failure) and waits for it to exit.
  void stop();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A TCP port on 127.0.0.1 that nobody listened on a moment ago.
int free_port();

}  // namespace backstop::store::testing
