// DNS front end; see dns_server.h. The sockets carry untrusted bytes to dns::answer, which
// checks everything; this file only frames (TCP length prefix), bounds (connections, idle
// time) and counts. Not a resolver: it answers its own zones and nothing else.
#include "net/dns_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "dns/answer.h"
#include "net/asio_util.h"
#include "net/smtp_server.h"  // parse_endpoint

namespace backstop::net {

using asio::ip::tcp;
using asio::ip::udp;

namespace {

// Single writer (the io thread), any readers: a plain load and store, no locked add.
void bump(std::atomic<uint64_t>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::string endpoint_text(const asio::ip::address& a, uint16_t port) {
  return a.is_v6() ? "[" + a.to_string() + "]:" + std::to_string(port)
                   : a.to_string() + ":" + std::to_string(port);
}

}  // namespace

// One UDP socket with a fixed set of buffer slots, one datagram in and its answer out each,
// filled by one recvmmsg and sent by one sendmmsg (Linux): under load that is two system calls
// for up to kSlots queries instead of two per query. Set up once; nothing is allocated later.
struct DnsServer::Udp {
  static constexpr int kSlots = 32;
  static constexpr size_t kIn = 4096;  // longer datagrams are cut (MSG_TRUNC): no real query is
  struct Slot {
    std::array<uint8_t, kIn> in;
    std::array<uint8_t, 4096> out;  // Zones' udp_size is at most 4096
    sockaddr_storage peer;
    dns::AnswerResult result;
  };

  explicit Udp(asio::io_context& io) : socket(io), slots(kSlots) {
    for (int i = 0; i < kSlots; ++i) {
      recv_iov[i] = {slots[i].in.data(), kIn};
      recv_msgs[i].msg_hdr.msg_name = &slots[i].peer;
      recv_msgs[i].msg_hdr.msg_iov = &recv_iov[i];
      recv_msgs[i].msg_hdr.msg_iovlen = 1;
      send_msgs[i].msg_hdr.msg_iov = &send_iov[i];
      send_msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }
  udp::socket socket;
  std::vector<Slot> slots;
  std::array<mmsghdr, kSlots> recv_msgs{};
  std::array<mmsghdr, kSlots> send_msgs{};
  std::array<iovec, kSlots> recv_iov{};
  std::array<iovec, kSlots> send_iov{};
  std::array<int, kSlots> send_slot{};  // which slot each send entry answers
};

DnsServer::DnsServer(asio::io_context& io, const dns::ZoneData& data,
                     std::shared_ptr<const dns::Zones> zones, const core::Clock& clock,
                     DnsServerLimits limits)
    : io_(io), data_(data), zones_(std::move(zones)), clock_(clock), limits_(limits) {}

DnsServer::~DnsServer() = default;

bool DnsServer::listen(const std::vector<std::string>& addresses, std::string* error) {
  for (const auto& a : addresses) {
    tcp::endpoint ep;
    if (!parse_endpoint(a, ep, error)) return false;
    asio::error_code ec;
    // TCP first: with port 0 it picks the port, then UDP binds the same one (retried with a
    // fresh port in the rare case that another program holds it for UDP).
    for (int attempt = 0;; ++attempt) {
      auto acc = std::make_unique<tcp::acceptor>(io_);
      auto u = std::make_unique<Udp>(io_);
      ec.clear();
      acc->open(ep.protocol(), ec);
      if (!ec && ep.address().is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acc->bind(ep, ec);
      if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        if (error) *error = "cannot listen on " + a + " (tcp): " + ec.message();
        return false;
      }
      const uint16_t port = acc->local_endpoint().port();
      const udp::endpoint uep(ep.address(), port);
      u->socket.open(uep.protocol(), ec);
      if (!ec && ep.address().is_v6()) u->socket.set_option(asio::ip::v6_only(true), ec);
      if (!ec) u->socket.bind(uep, ec);
      if (!ec) u->socket.non_blocking(true, ec);
      if (!ec) {  // room for bursts; the kernel caps it at net.core.rmem_max
        asio::error_code ignored;
        u->socket.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
      }
      if (ec) {
        if (ep.port() == 0 && ec == asio::error::address_in_use && attempt < 16) continue;
        if (error) *error = "cannot listen on " + a + " (udp): " + ec.message();
        return false;
      }
      acceptors_.push_back(std::move(acc));
      udp_.push_back(std::move(u));
      break;
    }
  }
  return true;
}

void DnsServer::start() {
  for (auto& u : udp_) asio::co_spawn(io_, udp_loop(*u), asio::detached);
  for (auto& a : acceptors_) asio::co_spawn(io_, accept_loop(*a), asio::detached);
}

void DnsServer::stop() {
  asio::error_code ec;
  for (auto& a : acceptors_) a->close(ec);
  for (auto& u : udp_) u->socket.close(ec);
  for (auto* s : tcp_live_) s->close(ec);
}

void DnsServer::update_zones(std::shared_ptr<const dns::Zones> zones) {
  if (zones) zones_ = std::move(zones);
}

DnsCounters DnsServer::counters() const {
  constexpr auto r = std::memory_order_relaxed;
  DnsCounters c;
  c.udp_queries = count_.udp_queries.load(r);
  c.tcp_queries = count_.tcp_queries.load(r);
  c.noerror = count_.noerror.load(r);
  c.nodata = count_.nodata.load(r);
  c.nxdomain = count_.nxdomain.load(r);
  c.refused = count_.refused.load(r);
  c.formerr = count_.formerr.load(r);
  c.notimp = count_.notimp.load(r);
  c.badvers = count_.badvers.load(r);
  c.truncated = count_.truncated.load(r);
  c.dropped = count_.dropped.load(r);
  c.tcp_connections = count_.tcp_connections.load(r);
  c.tcp_rejected = count_.tcp_rejected.load(r);
  return c;
}

std::vector<std::string> DnsServer::bound() const {
  std::vector<std::string> out;
  for (const auto& a : acceptors_) {
    asio::error_code ec;
    auto ep = a->local_endpoint(ec);
    if (!ec) out.push_back(endpoint_text(ep.address(), ep.port()));
  }
  return out;
}

void DnsServer::count_result(size_t size, uint16_t rcode, bool truncated, bool nodata) {
  if (size == 0) {
    bump(count_.dropped);
    return;
  }
  switch (static_cast<dns::Rcode>(rcode)) {
    case dns::Rcode::kNoError:
      bump(count_.noerror);
      if (nodata) bump(count_.nodata);
      break;
    case dns::Rcode::kNxDomain:
      bump(count_.nxdomain);
      break;
    case dns::Rcode::kRefused:
      bump(count_.refused);
      break;
    case dns::Rcode::kFormErr:
      bump(count_.formerr);
      break;
    case dns::Rcode::kNotImp:
      bump(count_.notimp);
      break;
    case dns::Rcode::kBadVers:
      bump(count_.badvers);
      break;
    case dns::Rcode::kServFail:
      break;  // never produced
  }
  if (truncated) bump(count_.truncated);
}

// Waits for the socket to become readable, then answers what is queued: recvmmsg takes up
// to kSlots datagrams without blocking, each is answered into its slot, and sendmmsg sends the
// answers. After udp_batch datagrams it lets other handlers run, then goes on reading without
// asking the reactor again (asio re-arms the descriptor with a system call for every wait).
asio::awaitable<void> DnsServer::udp_loop(Udp& u) {
  bool drained = true;
  while (u.socket.is_open()) {
    if (drained) {
      auto [wec] = co_await u.socket.async_wait(udp::socket::wait_read, kUse);
      if (wec) {
        if (wec == asio::error::operation_aborted || !u.socket.is_open()) co_return;
        continue;
      }
    } else {
      co_await asio::post(u.socket.get_executor(), asio::use_awaitable);
      if (!u.socket.is_open()) co_return;
    }
    drained = false;
    const int fd = u.socket.native_handle();
    const int64_t now = clock_.now();
    for (int done = 0; done < limits_.udp_batch;) {
      for (auto& m : u.recv_msgs) m.msg_hdr.msg_namelen = sizeof(sockaddr_storage);  // in-out
      const int want = std::min(Udp::kSlots, std::max(1, limits_.udp_batch - done));
      const int got =
          ::recvmmsg(fd, u.recv_msgs.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        drained = true;  // EAGAIN: nothing queued (other errors: wait for readiness again)
        break;
      }
      done += got;
      // Fewer than asked: the queue was empty a moment ago. Wait rather than ask again (the
      // wait re-checks readiness, so a datagram that came in since is not missed).
      if (got < want) drained = true;
      int to_send = 0;
      for (int i = 0; i < got; ++i) {
        bump(count_.udp_queries);
        Udp::Slot& slot = u.slots[i];
        slot.result = dns::answer({slot.in.data(), u.recv_msgs[i].msg_len},
                                  {slot.out.data(), slot.out.size()}, false, data_, *zones_, now);
        if (slot.result.size == 0) {
          bump(count_.dropped);
          continue;
        }
        u.send_iov[to_send] = {slot.out.data(), slot.result.size};
        u.send_msgs[to_send].msg_hdr.msg_name = &slot.peer;
        u.send_msgs[to_send].msg_hdr.msg_namelen = u.recv_msgs[i].msg_hdr.msg_namelen;
        u.send_slot[to_send] = i;
        ++to_send;
      }
      for (int sent = 0; sent < to_send;) {
        const int n = ::sendmmsg(fd, u.send_msgs.data() + sent,
                                 static_cast<unsigned>(to_send - sent), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // this one failed (a full send buffer): the client will retry
          bump(count_.dropped);
          ++sent;
          continue;
        }
        for (int k = sent; k < sent + n; ++k) {
          const dns::AnswerResult& r = u.slots[u.send_slot[k]].result;
          count_result(r.size, static_cast<uint16_t>(r.rcode), r.truncated, r.nodata);
        }
        sent += n;
      }
      if (drained) break;
    }
  }
}

asio::awaitable<void> DnsServer::accept_loop(tcp::acceptor& acceptor) {
  while (acceptor.is_open()) {
    auto [ec, sock] = co_await acceptor.async_accept(kUse);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      asio::steady_timer t(io_, std::chrono::milliseconds(50));  // EMFILE and friends
      co_await t.async_wait(kUse);
      continue;
    }
    if (tcp_live_.size() >= limits_.max_tcp_connections) {
      bump(count_.tcp_rejected);
      asio::error_code ignored;
      sock.close(ignored);
      continue;
    }
    bump(count_.tcp_connections);
    asio::co_spawn(io_, serve_tcp(std::move(sock)), asio::detached);
  }
}

// RFC 1035 4.2.2 / RFC 7766: two-octet length, then the message; answered in order.
asio::awaitable<void> DnsServer::serve_tcp(tcp::socket sock) {
  tcp_live_.insert(&sock);
  struct Release {
    DnsServer* self;
    tcp::socket* s;
    ~Release() { self->tcp_live_.erase(s); }
  } release{this, &sock};
  asio::error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  Deadline<tcp::socket> deadline(sock.get_executor(), sock);
  std::vector<uint8_t> in(dns::kMaxMessage);
  std::vector<uint8_t> out(2 + dns::kMaxMessage);
  while (sock.is_open()) {
    uint8_t len[2];
    deadline.expires_after(limits_.tcp_idle);
    auto [e1, n1] = co_await asio::async_read(sock, asio::buffer(len), kUse);
    if (e1) break;
    const size_t n = size_t{len[0]} << 8 | len[1];
    auto [e2, n2] = co_await asio::async_read(sock, asio::buffer(in.data(), n), kUse);
    deadline.cancel();
    if (e2) break;
    bump(count_.tcp_queries);
    const dns::AnswerResult r = dns::answer({in.data(), n}, {out.data() + 2, dns::kMaxMessage},
                                            true, data_, *zones_, clock_.now());
    count_result(r.size, static_cast<uint16_t>(r.rcode), r.truncated, r.nodata);
    if (r.size == 0) break;  // a response or a runt: nothing sensible follows on this stream
    out[0] = static_cast<uint8_t>(r.size >> 8);
    out[1] = static_cast<uint8_t>(r.size);
    deadline.expires_after(limits_.tcp_idle);
    auto [e3, n3] = co_await asio::async_write(sock, asio::buffer(out.data(), r.size + 2), kUse);
    deadline.cancel();
    if (e3) break;
  }
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
}

}  // namespace backstop::net
