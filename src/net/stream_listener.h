// Listeners for the line- and packet-oriented front ends (milter, Postfix policy): TCP
// ("IP:port", "[IPv6]:port") and Unix-domain ("unix:/path") sockets, one coroutine per
// connection that feeds the bytes it reads to a sans-IO Conversation and writes back what the
// conversation answers, with an idle timeout. The protocol lives in the Conversation.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/asio_util.h"

namespace backstop::net {

// One connection's protocol, sans-IO.
class Conversation {
 public:
  virtual ~Conversation() = default;
  // Consumes bytes; appends replies to out; false closes the connection after writing out.
  virtual bool on_bytes(std::string_view bytes, std::string& out) = 0;
};

// A bound TCP acceptor for "IP:port" / "[IPv6]:port", or nullptr and *error.
std::unique_ptr<asio::ip::tcp::acceptor> bind_tcp(asio::io_context& io, const std::string& address,
                                                  std::string* error);

// Accepts until the acceptor is closed and hands each connection to on_accept. Accept errors
// (EMFILE and friends) pause the loop briefly instead of spinning.
template <typename Acceptor, typename OnAccept>
asio::awaitable<void> accept_loop(Acceptor& acceptor, OnAccept on_accept) {
  while (acceptor.is_open()) {
    auto [ec, sock] = co_await acceptor.async_accept(kUse);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(kUse);
      continue;
    }
    on_accept(std::move(sock));
  }
}

template <typename Socket>
asio::awaitable<void> run_conversation(Socket socket, std::unique_ptr<Conversation> conversation,
                                       std::chrono::seconds idle) {
  Deadline<Socket> deadline(socket.get_executor(), socket);
  std::vector<char> buffer(64 * 1024);
  std::string out;
  for (;;) {
    deadline.expires_after(idle);
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), kUse);
    deadline.cancel();
    if (ec) break;
    bool keep = conversation->on_bytes(std::string_view(buffer.data(), n), out);
    if (!out.empty()) {
      deadline.expires_after(idle);
      auto [wec, written] = co_await asio::async_write(socket, asio::buffer(out), kUse);
      deadline.cancel();
      out.clear();
      if (wec) break;
    }
    if (!keep) break;
  }
  asio::error_code ignored;
  socket.shutdown(asio::socket_base::shutdown_both, ignored);
  socket.close(ignored);
}

// Accepts on every address and starts a conversation per connection. make() builds a fresh
// Conversation for each; it is called on the event loop.
class StreamListener {
 public:
  using Spawn = std::function<void(asio::ip::tcp::socket)>;
  using SpawnLocal = std::function<void(asio::local::stream_protocol::socket)>;

  StreamListener(asio::io_context& io, std::string name) : io_(io), name_(std::move(name)) {}
  ~StreamListener();

  // Binds every address (before privileges are dropped). A Unix socket's stale file is
  // replaced and the new one made writable for the MTA (mode 0666: protect it with the
  // directory's permissions). False and *error on failure.
  bool listen(const std::vector<std::string>& addresses, std::string* error);
  void start(Spawn tcp, SpawnLocal local);
  void stop_accepting();
  std::vector<std::string> bound() const;
  // The owner of the Unix sockets after a privilege drop (so a restart can replace them).
  void chown_sockets(uid_t uid, gid_t gid);

 private:
  asio::io_context& io_;
  std::string name_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> tcp_;
  std::vector<std::unique_ptr<asio::local::stream_protocol::acceptor>> local_;
  std::vector<std::string> paths_;
  Spawn spawn_tcp_;
  SpawnLocal spawn_local_;
};

// A front end: a StreamListener whose connections each get a fresh Conversation from make().
// The milter and the Postfix policy server are two of these (milter_server.h,
// policy_server.h).
class StreamServer {
 public:
  using Make = std::function<std::unique_ptr<Conversation>()>;
  StreamServer(asio::io_context& io, std::string name, Make make)
      : io_(io), make_(std::move(make)), listener_(io, std::move(name)) {}
  bool listen(const std::vector<std::string>& addresses, std::string* error) {
    return listener_.listen(addresses, error);
  }
  // Idle time allowed between two reads for connections accepted from now on.
  void set_idle(std::chrono::seconds idle) { idle_ = idle; }
  void start();
  void stop_accepting() { listener_.stop_accepting(); }
  std::vector<std::string> bound() const { return listener_.bound(); }
  void chown_sockets(uid_t uid, gid_t gid) { listener_.chown_sockets(uid, gid); }

 private:
  asio::io_context& io_;
  Make make_;
  StreamListener listener_;
  std::chrono::seconds idle_{300};
};

}  // namespace backstop::net
