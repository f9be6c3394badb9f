// See resolver.h. c-ares tells which of its sockets it wants to read or write through the
// socket-state callback; each is wrapped in an asio descriptor (released, never closed by us:
// c-ares owns the socket) whose async waits call ares_process_fd. After every step the timer is
// set to ares_timeout(), which drives retransmissions and timeouts.
#include "net/resolver.h"

#include <ares.h>

#include <mutex>

namespace backstop::net {

namespace {

std::once_flag g_ares_init;

}  // namespace

struct Resolver::Channel : std::enable_shared_from_this<Channel> {
  struct Watch {
    explicit Watch(asio::io_context& io, int fd) : descriptor(io, fd) {}
    asio::posix::stream_descriptor descriptor;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool alive = true;
  };
  struct Pending {
    asio::io_context* io;
    Callback cb;
    dns::RecordType type;
  };

  explicit Channel(asio::io_context& io) : io(io), timer(io) {}
  ~Channel() {
    // Release the sockets from asio before c-ares closes them, then let c-ares fail what is
    // pending (each callback is posted, so none runs inside the destructor).
    for (auto& [fd, w] : watches) {
      w->alive = false;
      w->descriptor.release();
    }
    watches.clear();
    destroying = true;
    if (channel) ares_destroy(channel);
  }

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Channel*>(data);
    if (self->destroying) return;
    auto it = self->watches.find(fd);
    if (!readable && !writable) {
      if (it != self->watches.end()) {
        it->second->alive = false;
        it->second->descriptor.release();  // cancels its waits; c-ares closes the socket
        self->watches.erase(it);
      }
      return;
    }
    if (it == self->watches.end())
      it = self->watches.emplace(fd, std::make_shared<Watch>(self->io, fd)).first;
    it->second->want_read = readable != 0;
    it->second->want_write = writable != 0;
    self->arm(fd, it->second);
  }

  void arm(int fd, const std::shared_ptr<Watch>& w) {
    if (w->want_read && !w->reading) wait(fd, w, false);
    if (w->want_write && !w->writing) wait(fd, w, true);
  }

  // One wait for the socket to become readable (or writable), then c-ares handles it.
  void wait(int fd, const std::shared_ptr<Watch>& w, bool write) {
    (write ? w->writing : w->reading) = true;
    w->descriptor.async_wait(
        write ? asio::posix::descriptor_base::wait_write : asio::posix::descriptor_base::wait_read,
        [weak = weak_from_this(), w, fd, write](const asio::error_code& ec) {
          (write ? w->writing : w->reading) = false;
          auto self = weak.lock();
          if (ec || !self || !w->alive) return;
          ares_process_fd(self->channel, write ? ARES_SOCKET_BAD : fd,
                          write ? fd : ARES_SOCKET_BAD);
          if (w->alive) self->arm(fd, w);
          self->schedule();
        });
  }

  // Sets the timer to c-ares' next deadline, if it has queries pending.
  void schedule() {
    timeval buf{};
    timeval* tv = ares_timeout(channel, nullptr, &buf);
    if (!tv) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(tv->tv_sec) + std::chrono::microseconds(tv->tv_usec));
    timer.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->schedule();
    });
  }

  static void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
    std::optional<dns::ResponseRecords> result;
    // NXDOMAIN and NODATA come back as ENOTFOUND / ENODATA with the response attached: they are
    // answers (cacheable, with their negative TTL), not failures.
    if ((status == ARES_SUCCESS || status == ARES_ENOTFOUND || status == ARES_ENODATA) && abuf &&
        alen > 0)
      result =
          dns::parse_response(std::span<const uint8_t>(abuf, static_cast<size_t>(alen)), p->type);
    if (result && result->rcode != 0 && result->rcode != 3) result.reset();  // SERVFAIL, REFUSED
    // Posted: c-ares calls this from inside ares_query, ares_process_fd and ares_destroy.
    asio::post(*p->io,
               [cb = std::move(p->cb), r = std::move(result)]() mutable { cb(std::move(r)); });
  }

  asio::io_context& io;
  asio::steady_timer timer;
  ares_channel channel = nullptr;
  std::map<int, std::shared_ptr<Watch>> watches;
  bool destroying = false;
};

Resolver::Resolver(asio::io_context& io) : io_(io) {
  std::call_once(g_ares_init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

Resolver::~Resolver() = default;

bool Resolver::configure(const ResolverOptions& o, std::string* error) {
  auto ch = std::make_shared<Channel>(io_);
  ares_options opts{};
  opts.sock_state_cb = &Channel::on_socket_state;
  opts.sock_state_cb_data = ch.get();
  opts.timeout = static_cast<int>(o.timeout.count());
  opts.tries = o.tries;
  opts.flags = ARES_FLAG_NOSEARCH;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  int rc = ares_init_options(&ch->channel, &opts, mask);
  if (rc != ARES_SUCCESS) {
    ch->channel = nullptr;
    if (error) *error = std::string("resolver: ") + ares_strerror(rc);
    return false;
  }
  if (!o.servers.empty()) {
    std::string csv;
    for (const auto& s : o.servers) csv += (csv.empty() ? "" : ",") + s;
    rc = ares_set_servers_ports_csv(ch->channel, csv.c_str());
    if (rc != ARES_SUCCESS) {
      if (error) *error = "resolver: servers \"" + csv + "\": " + ares_strerror(rc);
      return false;
    }
  }
  channel_ = std::move(ch);
  return true;
}

void Resolver::query(const std::string& name, dns::RecordType type, Callback cb) {
  if (!channel_) {
    asio::post(io_, [cb = std::move(cb)] { cb(std::nullopt); });
    return;
  }
  auto* p = new Channel::Pending{&io_, std::move(cb), type};
  ares_query(channel_->channel, name.c_str(), 1 /* IN */, static_cast<int>(type),
             &Channel::on_answer, p);
  channel_->schedule();
}

}  // namespace backstop::net
