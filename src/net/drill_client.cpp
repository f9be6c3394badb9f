// `backstop drill` on the wire; see drill_client.h. RFC 5321 client side (3.3 transaction,
// 4.5.2 dot-stuffing done by the planner) and a minimal server side for the sink. The target's
// replies and the sink's input are untrusted: both are bounded and every step has a deadline.
#include "net/drill_client.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <memory>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/address.h"
#include "core/ip.h"
#include "drill/planner.h"
#include "drill/sink.h"
#include "net/asio_util.h"
#include "smtp/client.h"

namespace backstop::net {

using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Cancels a socket's pending operations when a step overruns. The handler holds shared state
// and a generation number, so a completion that was already queued when the step ended (or
// the session was destroyed) does nothing.
class StepTimer {
 public:
  StepTimer(const asio::any_io_executor& ex, tcp::socket& sock)
      : timer_(ex), state_(std::make_shared<State>()) {
    state_->sock = &sock;
  }
  ~StepTimer() {
    state_->sock = nullptr;
    timer_.cancel();
  }
  StepTimer(const StepTimer&) = delete;
  StepTimer& operator=(const StepTimer&) = delete;
  void arm(milliseconds d) {
    state_->expired = false;
    uint64_t gen = ++state_->generation;
    timer_.expires_after(d);
    timer_.async_wait([st = state_, gen](const asio::error_code& ec) {
      if (ec || st->generation != gen || !st->sock) return;
      st->expired = true;
      asio::error_code ignored;
      st->sock->cancel(ignored);
    });
  }
  void disarm() {
    ++state_->generation;
    timer_.cancel();
  }
  bool expired() const { return state_->expired; }

 private:
  struct State {
    tcp::socket* sock = nullptr;
    uint64_t generation = 0;
    bool expired = false;
  };
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

struct Live {
  struct Class {
    std::atomic<uint64_t> sent{0}, accepted{0}, rejected{0}, errors{0};
  };
  std::array<Class, drill::kClassCount> cls;
};

// One event loop and its share of the load.
struct Worker {
  Worker(const drill::Workload& wl, const drill::Mix& mix, const DrillClientOptions& o,
         uint32_t index, Live& l)
      : opt(o), planner(wl, mix, o.seed, index), live(l), rng(o.seed * 7919 + index) {}

  const DrillClientOptions& opt;
  drill::Planner planner;
  drill::Stats stats;
  Live& live;
  std::mt19937_64 rng;
  tcp::endpoint target;
  bool spread = false;  // IPv4 loopback: bind each session to a random 127.x.y.z
  uint32_t loops = 0;   // closed loop: sessions kept in flight
  double rate = 0;      // open loop: this worker's sessions/s
  uint32_t cap = 0;     // open loop: in-flight cap
  uint32_t in_flight = 0;
  bool aborting = false;
  SteadyClock::time_point start, stop_at, last_end;
  std::unordered_set<tcp::socket*> sockets;  // open sessions, closed at the hard stop
  asio::io_context io{1};  // last member: destroyed first, with anything still queued in it
};

// A session's connection, registered with its worker for the hard stop.
struct Conn {
  Conn(Worker& w, const asio::any_io_executor& ex) : worker(w), sock(ex), timer(ex, sock) {
    worker.sockets.insert(&sock);
  }
  ~Conn() { worker.sockets.erase(&sock); }
  Worker& worker;
  tcp::socket sock;
  StepTimer timer;
  smtp::ReplyReader reader;
  std::string error;

  void set_error(const asio::error_code& ec) {
    if (worker.aborting)
      error = "aborted";
    else if (timer.expired())
      error = "timeout";
    else if (ec == asio::error::eof || ec == asio::error::connection_reset ||
             ec == asio::error::broken_pipe)
      error = "closed";
    else if (ec == asio::error::connection_refused)
      error = "refused";
    else
      error = "socket-error";
  }
};

asio::awaitable<std::optional<core::Reply>> read_reply(Conn& c, milliseconds timeout) {
  char buf[1024];
  c.timer.arm(timeout);
  while (!c.reader.ready()) {
    auto [ec, n] = co_await c.sock.async_read_some(asio::buffer(buf), kUse);
    if (ec) {
      c.set_error(ec);
      c.timer.disarm();
      co_return std::nullopt;
    }
    c.reader.feed(std::string_view(buf, n));
    if (c.reader.error()) {
      c.error = "bad-reply";
      c.timer.disarm();
      co_return std::nullopt;
    }
  }
  c.timer.disarm();
  co_return c.reader.take();
}

asio::awaitable<bool> write_all(Conn& c, std::string_view data, milliseconds timeout) {
  c.timer.arm(timeout);
  auto [ec, n] = co_await asio::async_write(c.sock, asio::buffer(data.data(), data.size()), kUse);
  if (ec) c.set_error(ec);
  c.timer.disarm();
  co_return !ec;
}

// Opens the socket and, for IPv4 loopback, binds it to a random 127.x.y.z so that each
// session has its own 4-tuple and TIME_WAIT never runs out of ports.
bool open_socket(Worker& w, tcp::socket& sock) {
  asio::error_code ec;
  sock.open(w.target.protocol(), ec);
  if (ec) return false;
  if (!w.spread) return true;
#ifdef IP_BIND_ADDRESS_NO_PORT
  int one = 1;  // pick the port at connect time, per 4-tuple, not at bind time per address
  ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
  for (int attempt = 0; attempt < 4; ++attempt) {
    uint32_t r = static_cast<uint32_t>(w.rng());
    asio::ip::address_v4::bytes_type b{127, static_cast<uint8_t>(r >> 16),
                                       static_cast<uint8_t>(r >> 8),
                                       static_cast<uint8_t>(1 + (r % 254))};
    sock.bind(tcp::endpoint(asio::ip::address_v4(b), 0), ec);
    if (!ec) return true;
  }
  return true;  // unbound: the kernel picks 127.0.0.1
}

asio::awaitable<drill::Outcome> converse(Worker& w, const drill::SessionPlan& p) {
  using drill::Result;
  using drill::Stage;
  drill::Outcome o;
  o.cls = p.cls;
  o.variant = p.variant;
  o.id = p.id;
  auto t0 = SteadyClock::now();
  auto ex = co_await asio::this_coro::executor;
  Conn c(w, ex);
  const milliseconds t = w.opt.timeout;
  auto error_at = [&](Stage s) {
    o.result = Result::kError;
    o.stage = s;
    o.error = c.error.empty() ? "error" : c.error;
  };
  auto decided = [&](Stage s, const core::Reply& r, bool accepted) {
    o.result = accepted ? Result::kAccepted : Result::kRejected;
    o.stage = s;
    o.code = r.code;
    o.enhanced = r.enhanced;
    o.latency_us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - t0).count());
  };
  if (!open_socket(w, c.sock)) {
    c.error = "socket";
    error_at(Stage::kConnect);
    co_return o;
  }
  c.timer.arm(t);
  auto [cec] = co_await c.sock.async_connect(w.target, kUse);
  c.timer.disarm();
  if (cec) {
    c.set_error(cec);
    error_at(Stage::kConnect);
    co_return o;
  }
  c.sock.set_option(tcp::no_delay(true));
  // Each step: send (except the greeting), read the reply, stop at the first refusal.
  auto step = [&](Stage s, std::string_view cmd,
                  int want) -> asio::awaitable<std::optional<core::Reply>> {
    if (!cmd.empty() && !co_await write_all(c, cmd, t)) {
      error_at(s);
      co_return std::nullopt;
    }
    auto r = co_await read_reply(c, t);
    if (!r) {
      error_at(s);
      co_return std::nullopt;
    }
    bool ok = r->code == want || (want == 250 && r->code == 251);
    if (!ok) decided(s, *r, false);
    co_return ok ? r : std::nullopt;
  };
  bool alive = true;  // the conversation is still in step: end it with QUIT
  do {
    if (!co_await step(Stage::kGreeting, {}, 220)) break;
    auto ehlo = co_await step(Stage::kHelo, "EHLO " + p.helo + "\r\n", 250);
    if (!ehlo && o.result == Result::kRejected && (o.code == 500 || o.code == 502)) {
      // RFC 5321 3.2: a server that does not know EHLO gets HELO.
      o.result = Result::kError;
      o.code = 0;
      o.enhanced.clear();
      ehlo = co_await step(Stage::kHelo, "HELO " + p.helo + "\r\n", 250);
    }
    if (!ehlo) break;
    std::optional<core::Address> from;
    if (!p.mail_from.empty()) from = core::parse_address(p.mail_from);
    if (!co_await step(Stage::kMail, smtp::mail_command(from, {}), 250)) break;
    auto rcpt_addr = core::parse_address(p.rcpt);
    std::string rcpt = rcpt_addr ? smtp::rcpt_command(*rcpt_addr) : "RCPT TO:<" + p.rcpt + ">\r\n";
    auto r = co_await step(Stage::kRcpt, rcpt, 250);
    if (!r) break;
    if (!p.data) {
      decided(Stage::kRcpt, *r, true);
      drill::Outcome answered = o;
      if (p.rset_before_quit && !co_await step(Stage::kQuit, "RSET\r\n", 250)) {
        o = std::move(answered);  // the probe was answered; what RSET got does not change it
        alive = false;
      }
      break;
    }
    if (!co_await step(Stage::kData, "DATA\r\n", 354)) break;
    // The message, already dot-stuffed; then the one reply that decides it (RFC 5321 4.1.1.4).
    if (!co_await write_all(c, p.payload, t * 2)) {
      error_at(Stage::kEndOfData);
      break;
    }
    auto fin = co_await read_reply(c, t * 2);
    if (!fin) {
      error_at(Stage::kEndOfData);
      break;
    }
    decided(Stage::kEndOfData, *fin, fin->code == 250);
  } while (false);
  if (o.result == Result::kError) alive = false;
  if (alive) {
    // Polite end: QUIT and its 221, so the server closes first and keeps the TIME_WAIT.
    milliseconds short_wait = std::min(t, milliseconds(2000));
    if (co_await write_all(c, "QUIT\r\n", short_wait)) co_await read_reply(c, short_wait);
  }
  asio::error_code ignored;
  c.sock.close(ignored);
  co_return o;
}

asio::awaitable<void> run_one(Worker& w, drill::SessionPlan plan) {
  ++w.in_flight;
  size_t i = static_cast<size_t>(plan.cls);
  w.stats.count_start(plan.cls);
  w.live.cls[i].sent.fetch_add(1, std::memory_order_relaxed);
  drill::Outcome o = co_await converse(w, plan);
  w.stats.add(o);
  auto& live = w.live.cls[i];
  (o.result == drill::Result::kAccepted   ? live.accepted
   : o.result == drill::Result::kRejected ? live.rejected
                                          : live.errors)
      .fetch_add(1, std::memory_order_relaxed);
  --w.in_flight;
  w.last_end = SteadyClock::now();
}

asio::awaitable<void> closed_loop(Worker& w) {
  while (SteadyClock::now() < w.stop_at && !w.aborting) co_await run_one(w, w.planner.next());
}

asio::awaitable<void> paced(Worker& w) {
  // Open loop: sessions start on the clock whether or not earlier ones have finished, as a
  // real storm does; the in-flight cap keeps a stalled target from piling up sockets.
  asio::steady_timer tick(w.io);
  uint64_t started = 0;
  while (!w.aborting) {
    auto now = SteadyClock::now();
    if (now >= w.stop_at) break;
    double due = std::chrono::duration<double>(now - w.start).count() * w.rate;
    while (static_cast<double>(started) < due) {
      ++started;
      if (w.in_flight < w.cap)
        asio::co_spawn(w.io, run_one(w, w.planner.next()), asio::detached);
      else
        ++w.stats.skipped;
    }
    tick.expires_after(milliseconds(1));
    co_await tick.async_wait(kUse);
  }
}

// The downstream sink: takes everything the target relays, notes each message's drill id.
class Sink {
 public:
  static constexpr uint32_t kMaxConnections = 2000;

  bool start(uint16_t port, std::string* error) {
    asio::error_code ec;
    tcp::endpoint ep(asio::ip::address_v4::loopback(), port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      *error =
          "cannot listen on 127.0.0.1:" + std::to_string(port) + " for --sink: " + ec.message();
      return false;
    }
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::vector<drill::Arrival> stop() {
    if (thread_.joinable()) {
      io_.stop();
      thread_.join();
    }
    return std::move(arrivals_);
  }
  ~Sink() { stop(); }

 private:
  asio::awaitable<void> accept_loop() {
    while (true) {
      auto [ec, sock] = co_await acceptor_.async_accept(kUse);
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. out of descriptors for a moment: keep serving
      }
      asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket sock) {
    if (connections_ >= kMaxConnections) {
      constexpr std::string_view kBusy = "421 4.7.0 Too many connections\r\n";
      co_await asio::async_write(sock, asio::buffer(kBusy.data(), kBusy.size()), kUse);
      co_return;
    }
    ++connections_;
    StepTimer timer(io_.get_executor(), sock);
    drill::SinkSession session;
    std::string out = drill::SinkSession::greeting();
    std::vector<drill::Arrival> got;
    char buf[16384];
    bool open = true;
    while (open) {
      if (!out.empty()) {
        timer.arm(milliseconds(60000));
        auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(out), kUse);
        timer.disarm();
        if (wec) break;
        out.clear();
      }
      timer.arm(milliseconds(300000));  // the target may keep idle connections pooled
      auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), kUse);
      timer.disarm();
      if (ec) break;
      open = session.feed(std::string_view(buf, n), out, got);
      for (auto& a : got) arrivals_.push_back(std::move(a));
      count_.fetch_add(got.size(), std::memory_order_relaxed);
      got.clear();
      if (!open && !out.empty()) co_await asio::async_write(sock, asio::buffer(out), kUse);
    }
    --connections_;
  }

  asio::io_context io_{1};  // first member: outlives the acceptor and the connections
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::vector<drill::Arrival> arrivals_;  // the sink thread's until stop()
  std::atomic<uint64_t> count_{0};
  uint32_t connections_ = 0;
};

drill::Progress snapshot(const Live& live, SteadyClock::time_point start, double duration_s) {
  drill::Progress p;
  p.elapsed_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  p.duration_s = duration_s;
  for (size_t i = 0; i < drill::kClassCount; ++i) {
    p.classes[i].sent = live.cls[i].sent.load(std::memory_order_relaxed);
    p.classes[i].accepted = live.cls[i].accepted.load(std::memory_order_relaxed);
    p.classes[i].rejected = live.cls[i].rejected.load(std::memory_order_relaxed);
    p.classes[i].errors = live.cls[i].errors.load(std::memory_order_relaxed);
  }
  return p;
}

}  // namespace

std::optional<std::string> check_loopback_target(std::string_view host) {
  if (host == "localhost") return std::nullopt;
  auto ip = core::parse_ip(host);
  if (!ip) return "'" + std::string(host) + "' is not an IP address (give 127.0.0.1 or ::1)";
  bool loopback = ip->v6 ? ip->str() == "::1" : ip->bytes[0] == 127;
  if (!loopback)
    return "refusing " + std::string(host) +
           ": the drill is a load generator and only runs against loopback targets "
           "(127.0.0.0/8, ::1)";
  return std::nullopt;
}

std::optional<drill::Stats> run_drill(const drill::Workload& workload, const drill::Mix& mix,
                                      const DrillClientOptions& o, const DrillProgressFn& progress,
                                      std::string* error) {
  if (auto why = check_loopback_target(o.host)) {
    *error = *why;
    return std::nullopt;
  }
  asio::error_code ec;
  auto addr = asio::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host, ec);
  if (ec) {
    *error = "bad target address " + o.host;
    return std::nullopt;
  }
  tcp::endpoint target(addr, o.port);
  Sink sink;
  if (o.sink_port && !sink.start(o.sink_port, error)) return std::nullopt;

  Live live;
  uint32_t threads = std::clamp<uint32_t>(o.threads, 1, kMaxDrillThreads);
  uint32_t concurrency = std::clamp<uint32_t>(o.concurrency, 1, kMaxDrillConcurrency);
  if (o.rate <= 0) threads = std::min(threads, concurrency);
  std::vector<std::unique_ptr<Worker>> workers;
  auto start = SteadyClock::now();
  auto stop_at = start + o.duration;
  for (uint32_t i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(workload, mix, o, i, live);
    w->target = target;
    w->spread = addr.is_v4();
    w->stats.keep_ids = o.sink_port != 0;
    w->start = start;
    w->stop_at = stop_at;
    w->last_end = start;
    if (o.rate > 0) {
      w->rate = std::min(o.rate, kMaxDrillRate) / threads;
      w->cap = std::max<uint32_t>(1, concurrency / threads);
      asio::co_spawn(w->io, paced(*w), asio::detached);
    } else {
      w->loops = concurrency / threads + (i < concurrency % threads ? 1 : 0);
      for (uint32_t k = 0; k < w->loops; ++k)
        asio::co_spawn(w->io, closed_loop(*w), asio::detached);
    }
    workers.push_back(std::move(w));
  }
  std::atomic<uint32_t> running{threads};
  std::vector<std::thread> pool;
  for (auto& w : workers)
    pool.emplace_back([&running, wp = w.get()] {
      wp->io.run();
      running.fetch_sub(1);
    });
  double duration_s = std::chrono::duration<double>(o.duration).count();
  // The hard stop: sessions still in flight this long after the end are cut (counted as
  // "aborted"); if even that does not end them, their loops are stopped.
  auto hard_stop = stop_at + o.timeout + std::chrono::seconds(5);
  bool cut = false;
  bool stopped = false;
  while (running.load() > 0) {
    std::this_thread::sleep_for(milliseconds(200));
    if (progress) progress(snapshot(live, start, duration_s));
    auto now = SteadyClock::now();
    if (!cut && now >= hard_stop) {
      cut = true;
      for (auto& w : workers)
        asio::post(w->io, [wp = w.get()] {
          wp->aborting = true;
          asio::error_code ignored;
          for (auto* s : wp->sockets) s->cancel(ignored);
        });
    }
    if (!stopped && now >= hard_stop + std::chrono::seconds(5)) {
      stopped = true;
      for (auto& w : workers) w->io.stop();
    }
  }
  for (auto& t : pool) t.join();
  if (progress) progress(snapshot(live, start, duration_s));

  drill::Stats total;
  total.keep_ids = o.sink_port != 0;
  auto last = start;
  for (auto& w : workers) {
    total.merge(w->stats);
    last = std::max(last, w->last_end);
  }
  total.elapsed_s = std::chrono::duration<double>(last - start).count();
  total.close_unfinished();
  workers.clear();  // any session a hard stop left behind is destroyed with its loop

  if (o.sink_port) {
    // A queue-less target relays before it answers; one with a queue relays later. Wait until
    // everything answered 250 has arrived, or nothing new came for a while.
    uint64_t expected = 0;
    for (auto c : drill::kAllClasses)
      if (c != drill::MsgClass::kProbe) expected += total[c].accepted;
    auto give_up = SteadyClock::now() + o.sink_wait;
    uint64_t seen = sink.count();
    auto changed = SteadyClock::now();
    while (SteadyClock::now() < give_up && sink.count() < expected) {
      std::this_thread::sleep_for(milliseconds(50));
      uint64_t n = sink.count();
      if (n != seen) {
        seen = n;
        changed = SteadyClock::now();
      } else if (SteadyClock::now() - changed >= o.sink_settle) {
        break;
      }
    }
    std::this_thread::sleep_for(milliseconds(100));  // stragglers: duplicates, unanswered
    total.attribute(sink.stop(), workload.cfg.token);
  }
  return total;
}

}  // namespace backstop::net
