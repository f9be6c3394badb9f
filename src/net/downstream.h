// Relays an accepted message to the downstream MTA(s) (issue 3 "Downstream"): SMTP to
// host:port servers tried in order, with idle connections pooled and reused, or delivery into
// a Maildir. The caller answers its client only with the reply this returns, so nothing is
// acknowledged that the downstream did not acknowledge. Unreachable downstream: 451 4.4.1.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/reply.h"
#include "net/message_buffer.h"
#include "smtp/session.h"

namespace backstop::net {

struct RelayJob {
  std::optional<core::Address> sender;
  std::string mail_params;                 // ESMTP parameters to pass on (SIZE, BODY, SMTPUTF8)
  std::vector<core::Address> recipients;   // BATV tags already removed
  std::string prepend;                     // header lines to put in front, CRLF-terminated
  const MessageBuffer* body = nullptr;
};

class Downstream {
 public:
  // data_timeout bounds sending the message and waiting for the final reply ([smtp]
  // timeout_decision: the client is waiting for our answer that long, RFC 5321 4.5.3.2.6).
  Downstream(asio::any_io_executor ex, config::DownstreamConfig cfg, std::string hostname,
             std::chrono::seconds data_timeout);
  ~Downstream();
  void set_config(config::DownstreamConfig cfg, std::string hostname,
                  std::chrono::seconds data_timeout);

  asio::awaitable<core::Reply> relay(const RelayJob& job);

  // Idle pooled connections closed after pool_idle; call periodically.
  void expire_idle();

 private:
  struct Connection;
  asio::awaitable<std::unique_ptr<Connection>> connect(const config::Downstream& server);
  asio::awaitable<std::optional<core::Reply>> transact(Connection& c, const RelayJob& job,
                                                       bool& retry_fresh);
  core::Reply deliver_maildir(const std::string& dir, const RelayJob& job);

  asio::any_io_executor ex_;
  config::DownstreamConfig cfg_;
  std::string hostname_;
  std::chrono::seconds data_timeout_;
  std::vector<std::deque<std::unique_ptr<Connection>>> idle_;  // per server index
  uint64_t maildir_seq_ = 0;
};

}  // namespace backstop::net
