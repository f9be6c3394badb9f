// The milter front end: [milter] listen addresses, one MilterFilter per MTA connection, the
// packets decoded by src/milter. See milter_filter.h for what it decides and docs/postfix.md
// and docs/sendmail.md for the MTA side.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "net/stream_listener.h"
#include "policy/engine.h"

namespace backstop::net {

class MilterServer {
 public:
  MilterServer(asio::io_context& io, policy::Engine& engine)
      : io_(io), engine_(engine), listener_(io, "milter") {}
  bool listen(const std::vector<std::string>& addresses, std::string* error) {
    return listener_.listen(addresses, error);
  }
  void configure(std::shared_ptr<const config::Config> cfg) { cfg_ = std::move(cfg); }
  void start();
  void stop_accepting() { listener_.stop_accepting(); }
  std::vector<std::string> bound() const { return listener_.bound(); }
  StreamListener& listener() { return listener_; }

 private:
  asio::io_context& io_;
  policy::Engine& engine_;
  StreamListener listener_;
  std::shared_ptr<const config::Config> cfg_;
};

}  // namespace backstop::net
