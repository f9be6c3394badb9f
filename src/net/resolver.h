// A stub DNS resolver on the event loop: c-ares (Debian libc-ares-dev) asks the questions, its
// sockets are watched by asio (c-ares' socket-state callback arms async waits) and its
// retransmission timer is an asio timer, so lookups never block the loop and need no thread.
// Answers are read by dns::parse_response, which also gives their TTLs.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/response.h"

namespace backstop::net {

struct ResolverOptions {
  // "host:port" or "[v6]:port" name servers, in order; empty: those of /etc/resolv.conf.
  std::vector<std::string> servers;
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
};

class Resolver {
 public:
  explicit Resolver(asio::io_context& io);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // (Re)creates the channel with these options; lookups under way on the old one complete
  // with nullopt. False and *error when c-ares refuses them (a bad server address).
  bool configure(const ResolverOptions& options, std::string* error);

  // Asks one question. The callback runs later on the loop (never inside this call) with the
  // parsed answer, NXDOMAIN and NODATA included, or nullopt when there is none: a timeout, a
  // server failure, a malformed response, or the resolver reconfigured or destroyed.
  using Callback = std::function<void(std::optional<dns::ResponseRecords>)>;
  void query(const std::string& name, dns::RecordType type, Callback cb);

 private:
  struct Channel;
  asio::io_context& io_;
  std::shared_ptr<Channel> channel_;
};

}  // namespace backstop::net
