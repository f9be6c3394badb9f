// Small helpers over standalone asio for coroutine code without exceptions: error-code
// completion tokens and a deadline that cancels a socket's pending operations when it fires.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

namespace backstop::net {

// co_await op(..., kUse) yields std::tuple<error_code, ...> instead of throwing.
constexpr auto kUse = asio::experimental::as_tuple(asio::use_awaitable);

// Arms a timer that cancels everything pending on a socket after a duration; re-arm with
// expires_after() before each step, cancel() after it. A timer that already completed when
// it is cancelled (its handler queued, not yet run) must not touch the socket or this object,
// which may be gone by then: the handler holds shared state and a generation number, and acts
// only if it is still the current arming of a live deadline.
template <typename Socket>
class Deadline {
 public:
  Deadline(const asio::any_io_executor& ex, Socket& socket)
      : timer_(ex), state_(std::make_shared<State>(State{&socket, 0, false})) {}
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  ~Deadline() {
    state_->socket = nullptr;
    timer_.cancel();
  }

  void expires_after(std::chrono::steady_clock::duration d) {
    uint64_t gen = ++state_->generation;
    timer_.expires_after(d);
    timer_.async_wait([state = state_, gen](const asio::error_code& ec) {
      if (ec || state->generation != gen || !state->socket) return;
      state->expired = true;
      asio::error_code ignored;
      state->socket->cancel(ignored);
    });
  }
  void cancel() {
    ++state_->generation;
    timer_.cancel();
  }
  bool expired() const { return state_->expired; }

 private:
  struct State {
    Socket* socket;
    uint64_t generation;
    bool expired;
  };
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

}  // namespace backstop::net
