// The SMTP front end: accepts connections on the configured addresses and runs one coroutine
// per session that moves bytes between the socket (plain or TLS after STARTTLS) and the sans-IO
// smtp::Session, asks the policy engine through a Delegate, and relays accepted messages
// downstream before answering the end of DATA. Counts sessions in total and per client IP.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "net/client_names.h"
#include "net/downstream.h"
#include "policy/engine.h"

namespace backstop::net {

class SmtpServer {
 public:
  SmtpServer(asio::io_context& io, policy::Engine& engine, Downstream& downstream);
  ~SmtpServer();

  // Binds every listen address (before privileges are dropped). False and *error on failure.
  bool listen(const std::vector<std::string>& addresses, std::string* error);
  // Takes the settings new sessions use (limits, hostname, TLS). False and *error when the TLS
  // certificate or key cannot be loaded; the old settings stay.
  bool configure(std::shared_ptr<const config::Config> cfg, std::string* error);
  // Where the client's confirmed host name comes from, when a check needs it (may be null).
  void set_client_names(ClientNames* names) { names_ = names; }
  void start();
  void stop_accepting();
  size_t sessions() const { return total_; }
  // The local endpoints actually bound (port 0 resolved), for tests and the start-up line.
  std::vector<std::string> bound() const;

 private:
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);

  asio::io_context& io_;
  policy::Engine& engine_;
  Downstream& downstream_;
  ClientNames* names_ = nullptr;
  std::shared_ptr<const config::Config> cfg_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  size_t total_ = 0;
  std::unordered_map<std::string, uint32_t> per_ip_;
  uint64_t next_id_ = 0;
};

// Parses "host:port", "[v6]:port" into an endpoint (numeric addresses only).
bool parse_endpoint(const std::string& text, asio::ip::tcp::endpoint& ep, std::string* error);

}  // namespace backstop::net
