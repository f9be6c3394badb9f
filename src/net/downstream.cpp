// Downstream relay; see downstream.h. RFC 5321 client side: greeting, EHLO (HELO fallback),
// MAIL, RCPT per recipient, DATA with dot-stuffing (4.5.2), and RSET to reuse a connection.
#include "net/downstream.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "net/asio_util.h"
#include "smtp/client.h"

namespace backstop::net {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Downstream::Connection {
  explicit Connection(const asio::any_io_executor& ex) : sock(ex), deadline(ex, sock) {}
  tcp::socket sock;
  Deadline<tcp::socket> deadline;
  smtp::ReplyReader reader;
  Clock::time_point idle_since;
  bool size_ext = false, eightbit = false, smtputf8 = false;
};

namespace {

asio::awaitable<std::optional<core::Reply>> read_reply(tcp::socket& sock,
                                                       Deadline<tcp::socket>& deadline,
                                                       smtp::ReplyReader& reader,
                                                       std::chrono::seconds timeout,
                                                       std::vector<std::string>* lines = nullptr) {
  char buf[4096];
  deadline.expires_after(timeout);
  while (!reader.ready()) {
    auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), kUse);
    if (ec) co_return std::nullopt;
    reader.feed(std::string_view(buf, n));
    if (reader.error()) co_return std::nullopt;
  }
  deadline.cancel();
  if (lines) *lines = reader.lines();
  co_return reader.take();
}

asio::awaitable<bool> write_all(tcp::socket& sock, Deadline<tcp::socket>& deadline,
                                std::string_view data, std::chrono::seconds timeout) {
  deadline.expires_after(timeout);
  auto [ec, n] = co_await asio::async_write(sock, asio::buffer(data.data(), data.size()), kUse);
  deadline.cancel();
  co_return !ec;
}

core::Reply unavailable() {
  return {451, "4.4.1", "Downstream mail server unavailable, try again later"};
}

}  // namespace

Downstream::Downstream(asio::any_io_executor ex, config::DownstreamConfig cfg,
                       std::string hostname, std::chrono::seconds data_timeout)
    : ex_(std::move(ex)),
      cfg_(std::move(cfg)),
      hostname_(std::move(hostname)),
      data_timeout_(data_timeout) {
  idle_.resize(cfg_.servers.size());
}

Downstream::~Downstream() = default;

void Downstream::set_config(config::DownstreamConfig cfg, std::string hostname,
                            std::chrono::seconds data_timeout) {
  cfg_ = std::move(cfg);
  hostname_ = std::move(hostname);
  data_timeout_ = data_timeout;
  idle_.clear();  // the server list may have changed: start with fresh connections
  idle_.resize(cfg_.servers.size());
}

void Downstream::expire_idle() {
  auto now = Clock::now();
  for (auto& pool : idle_)
    while (!pool.empty() && now - pool.front()->idle_since > cfg_.pool_idle) pool.pop_front();
}

asio::awaitable<std::unique_ptr<Downstream::Connection>> Downstream::connect(
    const config::Downstream& server) {
  auto c = std::make_unique<Connection>(ex_);
  tcp::resolver resolver(ex_);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(server.host, std::to_string(server.port), kUse);
  if (rec) co_return nullptr;
  c->deadline.expires_after(cfg_.connect_timeout);
  auto [cec, ep] = co_await asio::async_connect(c->sock, endpoints, kUse);
  c->deadline.cancel();
  if (cec) co_return nullptr;
  c->sock.set_option(tcp::no_delay(true));
  auto greeting = co_await read_reply(c->sock, c->deadline, c->reader, cfg_.command_timeout);
  if (!greeting || greeting->code != 220) co_return nullptr;
  if (!co_await write_all(c->sock, c->deadline, "EHLO " + hostname_ + "\r\n", cfg_.command_timeout))
    co_return nullptr;
  std::vector<std::string> lines;
  auto ehlo = co_await read_reply(c->sock, c->deadline, c->reader, cfg_.command_timeout, &lines);
  if (!ehlo) co_return nullptr;
  if (ehlo->code != 250) {  // RFC 5321 3.2: fall back to HELO
    if (!co_await write_all(c->sock, c->deadline, "HELO " + hostname_ + "\r\n",
                            cfg_.command_timeout))
      co_return nullptr;
    auto helo = co_await read_reply(c->sock, c->deadline, c->reader, cfg_.command_timeout);
    if (!helo || helo->code != 250) co_return nullptr;
  } else {
    for (const auto& kw : smtp::ehlo_keywords(lines)) {
      if (kw == "SIZE") c->size_ext = true;
      if (kw == "8BITMIME") c->eightbit = true;
      if (kw == "SMTPUTF8") c->smtputf8 = true;
    }
  }
  co_return c;
}

asio::awaitable<std::optional<core::Reply>> Downstream::transact(Connection& c,
                                                                 const RelayJob& job,
                                                                 bool& retry_fresh) {
  auto t = cfg_.command_timeout;
  // Pass on only the parameters this server announced (RFC 5321 4.1.1.11).
  std::string params;
  std::string_view raw = job.mail_params;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t sp = raw.find(' ', pos);
    std::string_view p = raw.substr(pos, sp == std::string_view::npos ? std::string_view::npos
                                                                       : sp - pos);
    pos = sp == std::string_view::npos ? raw.size() : sp + 1;
    std::string upper(p);
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    bool keep = (upper.starts_with("SIZE=") && c.size_ext) ||
                (upper.starts_with("BODY=") && c.eightbit) || (upper == "SMTPUTF8" && c.smtputf8);
    if (keep) params += (params.empty() ? "" : " ") + std::string(p);
  }
  if (!co_await write_all(c.sock, c.deadline, smtp::mail_command(job.sender, params), t)) {
    retry_fresh = true;
    co_return std::nullopt;
  }
  auto mail = co_await read_reply(c.sock, c.deadline, c.reader, t);
  if (!mail) {
    retry_fresh = true;
    co_return std::nullopt;
  }
  if (mail->code != 250) co_return mail;
  size_t accepted = 0;
  std::optional<core::Reply> refusal;
  bool any_temporary = false;
  for (const auto& r : job.recipients) {
    if (!co_await write_all(c.sock, c.deadline, smtp::rcpt_command(r), t)) co_return std::nullopt;
    auto rr = co_await read_reply(c.sock, c.deadline, c.reader, t);
    if (!rr) co_return std::nullopt;
    if (rr->code == 250 || rr->code == 251) {
      ++accepted;
    } else {
      if (!refusal) refusal = rr;
      if (rr->temporary()) any_temporary = true;
    }
  }
  if (refusal) {
    // Only one reply can be given for the message. Delivering to some recipients while the
    // client believes all got it would lose mail; so refuse the whole message. When some were
    // accepted, or any refusal was temporary, the answer is temporary: nothing is lost.
    co_await write_all(c.sock, c.deadline, "RSET\r\n", t);
    co_await read_reply(c.sock, c.deadline, c.reader, t);
    if (accepted > 0 && !any_temporary)
      co_return core::Reply{451, "4.3.0",
                            "Downstream refused some recipients (" + refusal->enhanced + " " +
                                refusal->text + "); try again later"};
    co_return refusal;
  }
  if (!co_await write_all(c.sock, c.deadline, "DATA\r\n", t)) co_return std::nullopt;
  auto data = co_await read_reply(c.sock, c.deadline, c.reader, t);
  if (!data) co_return std::nullopt;
  if (data->code != 354) co_return data;
  smtp::DotStuffer stuffer;
  std::string out;
  stuffer.encode(job.prepend, out);
  bool ok = true;
  bool read_ok = job.body->for_each_chunk([&](std::string_view chunk) {
    stuffer.encode(chunk, out);
    return true;
  });
  // Large messages are encoded chunk by chunk above into one buffer; bounded by the message
  // size limit, which is what the session accepted.
  out += stuffer.finish();
  if (!read_ok) co_return core::Reply{451, "4.3.0", "Local error reading the message"};
  ok = co_await write_all(c.sock, c.deadline, out, data_timeout_);
  if (!ok) co_return std::nullopt;
  auto final = co_await read_reply(c.sock, c.deadline, c.reader, data_timeout_);
  if (!final) {
    // The message may or may not have been taken: a temporary answer risks a duplicate, never
    // a loss (RFC 5321 6.1).
    co_return core::Reply{451, "4.4.2", "Downstream connection lost after the data was sent"};
  }
  co_return final;
}

asio::awaitable<core::Reply> Downstream::relay(const RelayJob& job) {
  if (cfg_.servers.empty()) co_return unavailable();
  for (size_t i = 0; i < cfg_.servers.size(); ++i) {
    const auto& server = cfg_.servers[i];
    if (server.is_maildir()) co_return deliver_maildir(server.maildir, job);
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<Connection> c;
      bool pooled = false;
      if (attempt == 0 && i < idle_.size() && !idle_[i].empty()) {
        c = std::move(idle_[i].back());
        idle_[i].pop_back();
        pooled = true;
      } else {
        c = co_await connect(server);
      }
      if (!c) break;  // unreachable: try the next server
      bool retry_fresh = false;
      auto reply = co_await transact(*c, job, retry_fresh);
      if (!reply) {
        if (pooled && retry_fresh) continue;  // a stale pooled connection: once more, fresh
        break;
      }
      if (i < idle_.size() && idle_[i].size() < cfg_.pool_size && !c->reader.error()) {
        c->idle_since = Clock::now();
        idle_[i].push_back(std::move(c));
      }
      co_return *reply;
    }
  }
  co_return unavailable();
}

core::Reply Downstream::deliver_maildir(const std::string& dir, const RelayJob& job) {
  // Maildir: write into tmp/, fsync, then rename into new/ (the Maildir delivery protocol).
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(fs::path(dir) / sub, ec);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string name = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()) +
                     ".P" + std::to_string(::getpid()) + "Q" + std::to_string(++maildir_seq_) +
                     "." + hostname_;
  fs::path tmp = fs::path(dir) / "tmp" / name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return {451, "4.3.0", "Local error: cannot write to the Maildir"};
  std::string head = "Return-Path: <" + (job.sender ? job.sender->str() : std::string()) + ">\r\n";
  std::string to;
  for (const auto& r : job.recipients) to += (to.empty() ? "" : ", ") + r.str();
  head += "Delivered-To: " + to + "\r\n" + job.prepend;
  auto write_all_fd = [fd](std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::write(fd, s.data(), s.size());
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  };
  bool ok = write_all_fd(head) && job.body->for_each_chunk(write_all_fd) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (ok) ok = ::rename(tmp.c_str(), (fs::path(dir) / "new" / name).c_str()) == 0;
  if (!ok) {
    ::unlink(tmp.c_str());
    return {451, "4.3.0", "Local error: cannot write to the Maildir"};
  }
  return {250, "2.0.0", "Delivered to Maildir as " + name};
}

}  // namespace backstop::net
