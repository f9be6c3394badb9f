// TCP and Unix-socket listeners for the milter and policy front ends; see stream_listener.h.
#include "net/stream_listener.h"

#include <sys/stat.h>
#include <unistd.h>

#include "net/smtp_server.h"

namespace backstop::net {

using asio::ip::tcp;
using local = asio::local::stream_protocol;

std::unique_ptr<tcp::acceptor> bind_tcp(asio::io_context& io, const std::string& address,
                                        std::string* error) {
  tcp::endpoint ep;
  if (!parse_endpoint(address, ep, error)) return nullptr;
  auto acc = std::make_unique<tcp::acceptor>(io);
  asio::error_code ec;
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    if (error) *error = "cannot listen on " + address + ": " + ec.message();
    return nullptr;
  }
  return acc;
}

void StreamServer::start() {
  listener_.start(
      [this](tcp::socket s) {
        asio::co_spawn(io_, run_conversation(std::move(s), make_(), idle_), asio::detached);
      },
      [this](local::socket s) {
        asio::co_spawn(io_, run_conversation(std::move(s), make_(), idle_), asio::detached);
      });
}

StreamListener::~StreamListener() {
  stop_accepting();
  for (const auto& p : paths_) ::unlink(p.c_str());
}

bool StreamListener::listen(const std::vector<std::string>& addresses, std::string* error) {
  for (const auto& a : addresses) {
    asio::error_code ec;
    if (a.rfind("unix:", 0) == 0) {
      std::string path = a.substr(5);
      struct stat st {};
      // Replace a stale socket from an earlier run, never any other kind of file.
      if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
          if (error) *error = "cannot listen on " + a + ": the path exists and is not a socket";
          return false;
        }
        ::unlink(path.c_str());
      }
      auto acc = std::make_unique<local::acceptor>(io_);
      acc->open(local(), ec);
      if (!ec) acc->bind(local::endpoint(path), ec);
      if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        if (error) *error = "cannot listen on " + a + ": " + ec.message();
        return false;
      }
      ::chmod(path.c_str(), 0666);
      paths_.push_back(path);
      local_.push_back(std::move(acc));
      continue;
    }
    auto acc = bind_tcp(io_, a, error);
    if (!acc) return false;
    tcp_.push_back(std::move(acc));
  }
  return true;
}

void StreamListener::start(Spawn tcp_spawn, SpawnLocal local_spawn) {
  spawn_tcp_ = std::move(tcp_spawn);
  spawn_local_ = std::move(local_spawn);
  for (auto& a : tcp_)
    asio::co_spawn(io_,
                   accept_loop(*a,
                               [this](tcp::socket sock) {
                                 asio::error_code ec;
                                 sock.set_option(tcp::no_delay(true), ec);
                                 spawn_tcp_(std::move(sock));
                               }),
                   asio::detached);
  for (auto& a : local_)
    asio::co_spawn(io_, accept_loop(*a, [this](local::socket sock) { spawn_local_(std::move(sock)); }),
                   asio::detached);
}

void StreamListener::stop_accepting() {
  asio::error_code ec;
  for (auto& a : tcp_) a->close(ec);
  for (auto& a : local_) a->close(ec);
}

std::vector<std::string> StreamListener::bound() const {
  std::vector<std::string> out;
  for (const auto& a : tcp_) {
    asio::error_code ec;
    auto ep = a->local_endpoint(ec);
    if (ec) continue;
    std::string host = ep.address().to_string();
    out.push_back(name_ + " " + (ep.address().is_v6() ? "[" + host + "]" : host) + ":" +
                  std::to_string(ep.port()));
  }
  for (const auto& p : paths_) out.push_back(name_ + " unix:" + p);
  return out;
}

void StreamListener::chown_sockets(uid_t uid, gid_t gid) {
  for (const auto& p : paths_) (void)::chown(p.c_str(), uid, gid);
}

}  // namespace backstop::net
