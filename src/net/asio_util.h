// Small helpers over standalone asio for coroutine code without exceptions: error-code
// completion tokens and a deadline that cancels a socket's pending operations when it fires.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <chrono>

namespace backstop::net {

// co_await op(..., kUse) yields std::tuple<error_code, ...> instead of throwing.
constexpr auto kUse = asio::experimental::as_tuple(asio::use_awaitable);

// Arms a timer that cancels everything pending on a socket after a duration; re-arm with
// expires_after() before each step. Destroy or cancel() it when done.
template <typename Socket>
class Deadline {
 public:
  Deadline(const asio::any_io_executor& ex, Socket& socket) : timer_(ex), socket_(socket) {}
  void expires_after(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) {
        expired_ = true;
        asio::error_code ignored;
        socket_.cancel(ignored);
      }
    });
  }
  void cancel() { timer_.cancel(); }
  bool expired() const { return expired_; }
  ~Deadline() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
  Socket& socket_;
  bool expired_ = false;
};

}  // namespace backstop::net
