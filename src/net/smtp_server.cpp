// SMTP front end; see smtp_server.h. Policy is not decided here: the Delegate below only maps
// the session's questions onto policy::Engine calls and the engine's verdicts back.
#include "net/smtp_server.h"
#include "net/stream_listener.h"

#include <ctime>

#include "net/asio_util.h"
#include "net/engine_delegate.h"
#include "net/message_buffer.h"
#include "smtp/session.h"

namespace backstop::net {

using asio::ip::tcp;

namespace {

// A socket that may switch to TLS after STARTTLS (RFC 3207).
struct Stream {
  tcp::socket& sock;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;

  asio::awaitable<std::tuple<asio::error_code, size_t>> read_some(asio::mutable_buffer b) {
    if (tls) co_return co_await tls->async_read_some(b, kUse);
    co_return co_await sock.async_read_some(b, kUse);
  }
  asio::awaitable<asio::error_code> write(std::string_view data) {
    asio::error_code ec;
    size_t n = 0;
    if (tls)
      std::tie(ec, n) = co_await asio::async_write(*tls, asio::buffer(data.data(), data.size()), kUse);
    else
      std::tie(ec, n) = co_await asio::async_write(sock, asio::buffer(data.data(), data.size()), kUse);
    co_return ec;
  }
};

std::string rfc5322_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// RFC 5321 4.4 trace field.
std::string received_header(const policy::SessionState& s, const smtp::Envelope& env,
                            const std::string& hostname, bool tls, const std::string& id) {
  std::string h = "Received: from " + (s.helo.empty() ? std::string("unknown") : s.helo) + " (" +
                  (s.client.host.empty() ? std::string("unknown") : s.client.host) + " [" +
                  s.client.ip_text + "])\r\n\tby " + hostname + " (backstop) with " +
                  (tls ? "ESMTPS" : "ESMTP") + " id " + id;
  if (env.recipients.size() == 1) h += "\r\n\tfor <" + env.recipients[0].str() + ">";
  h += "; " + rfc5322_date(std::time(nullptr)) + "\r\n";
  return h;
}

std::string sanitize_header_value(std::string v) {
  for (auto& c : v)
    if (c == '\r' || c == '\n') c = ' ';
  return v;
}

}  // namespace

bool parse_endpoint(const std::string& text, tcp::endpoint& ep, std::string* error) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    size_t rb = text.find(']');
    if (rb == std::string::npos || rb + 1 >= text.size() || text[rb + 1] != ':') {
      if (error) *error = "expected [address]:port in '" + text + "'";
      return false;
    }
    host = text.substr(1, rb - 1);
    port = text.substr(rb + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      if (error) *error = "expected address:port in '" + text + "'";
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  asio::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    if (error) *error = "not a numeric address: '" + host + "'";
    return false;
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535) {
    if (error) *error = "bad port in '" + text + "'";
    return false;
  }
  ep = tcp::endpoint(addr, static_cast<uint16_t>(p));
  return true;
}

SmtpServer::SmtpServer(asio::io_context& io, policy::Engine& engine, Downstream& downstream)
    : io_(io), engine_(engine), downstream_(downstream) {}

SmtpServer::~SmtpServer() = default;

bool SmtpServer::listen(const std::vector<std::string>& addresses, std::string* error) {
  for (const auto& a : addresses) {
    auto acc = bind_tcp(io_, a, error);
    if (!acc) return false;
    acceptors_.push_back(std::move(acc));
  }
  return true;
}

bool SmtpServer::configure(std::shared_ptr<const config::Config> cfg, std::string* error) {
  std::shared_ptr<asio::ssl::context> tls;
  if (!cfg->smtp.tls_cert.empty()) {
    tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    asio::error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
    tls->use_certificate_chain_file(cfg->smtp.tls_cert, ec);
    if (!ec) tls->use_private_key_file(cfg->smtp.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
      if (error) *error = "TLS certificate or key: " + ec.message();
      return false;
    }
  }
  cfg_ = std::move(cfg);
  tls_ = std::move(tls);
  return true;
}

std::vector<std::string> SmtpServer::bound() const {
  std::vector<std::string> out;
  for (const auto& a : acceptors_) {
    asio::error_code ec;
    auto ep = a->local_endpoint(ec);
    if (ec) continue;
    out.push_back(ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                                       : ep.address().to_string() + ":" + std::to_string(ep.port()));
  }
  return out;
}

void SmtpServer::start() {
  for (auto& a : acceptors_)
    asio::co_spawn(io_,
                   accept_loop(*a,
                               [this](tcp::socket sock) {
                                 asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
                               }),
                   asio::detached);
}

void SmtpServer::stop_accepting() {
  for (auto& a : acceptors_) {
    asio::error_code ec;
    a->close(ec);
  }
}

asio::awaitable<void> SmtpServer::serve(tcp::socket sock) {
  auto cfg = cfg_;  // this session keeps the settings it started with
  auto tls_ctx = tls_;
  asio::error_code ec;
  auto remote = sock.remote_endpoint(ec);
  if (ec) co_return;
  std::string ip_text = remote.address().to_string();
  if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
    ip_text = asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6()).to_string();
  ++total_;
  uint32_t from_ip = ++per_ip_[ip_text];
  struct Release {
    SmtpServer* self;
    std::string ip;
    ~Release() {
      --self->total_;
      auto it = self->per_ip_.find(ip);
      if (it != self->per_ip_.end() && --it->second == 0) self->per_ip_.erase(it);
    }
  } release{this, ip_text};
  sock.set_option(tcp::no_delay(true), ec);

  policy::SessionState state;
  auto parsed_ip = core::parse_ip(ip_text);
  if (parsed_ip) state.client.ip = *parsed_ip;
  state.client.ip_text = ip_text;
  // The client's name before the greeting, as the connect checks match host patterns (and
  // only when some pattern could match: a storm from new addresses costs no DNS otherwise).
  if (names_ && parsed_ip && engine_.wants_client_names())
    state.client.host = co_await names_->lookup(*parsed_ip);
  EngineDelegate delegate(engine_, state, {static_cast<uint32_t>(total_), from_ip});
  MessageBuffer buffer(cfg->smtp.memory_per_session, cfg->smtp.spool_dir);
  smtp::SessionConfig sc;
  sc.hostname = cfg->smtp.hostname;
  sc.tls_available = tls_ctx != nullptr;
  sc.limits.max_message_bytes = cfg->smtp.max_message_bytes;
  sc.limits.max_recipients = cfg->smtp.max_recipients;
  sc.limits.max_errors = static_cast<int>(cfg->smtp.max_errors);
  smtp::Session session(sc, delegate, buffer);
  Stream stream{sock, nullptr};
  Deadline<tcp::socket> deadline(sock.get_executor(), sock);
  std::string id = std::to_string(std::time(nullptr)) + "." + std::to_string(++next_id_);
  char buf[16384];

  session.start();
  while (true) {
    if (!session.output().empty()) {
      deadline.expires_after(cfg->smtp.timeout_command);
      auto wec = co_await stream.write(session.output());
      deadline.cancel();
      session.output().clear();
      if (wec) break;
    }
    if (session.closing()) break;
    if (session.wants_tls() && tls_ctx && !stream.tls) {
      stream.tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock, *tls_ctx);
      deadline.expires_after(cfg->smtp.timeout_command);
      auto [hec] = co_await stream.tls->async_handshake(asio::ssl::stream_base::server, kUse);
      deadline.cancel();
      if (hec) break;
      session.tls_established();
      continue;
    }
    if (delegate.pending()) {
      const smtp::Envelope& env = delegate.envelope();
      // Classify what the classifier looks at (its own limit bounds the rest); a message in
      // memory is read in place, a spilled one from the head of its file.
      std::string spilled_head;
      if (buffer.spilled()) spilled_head = buffer.head(4u << 20);
      policy::MessageResult m =
          engine_.message(state, buffer.spilled() ? std::string_view(spilled_head) : buffer.memory());
      core::Reply reply;
      switch (m.verdict.action) {
        case core::Action::kReject:
        case core::Action::kTempfail:
          reply = m.verdict.reply;
          break;
        case core::Action::kDiscard:
          reply = {250, "2.0.0", "Ok"};
          break;
        default: {
          RelayJob job;
          job.sender = env.sender;
          job.mail_params = env.params.raw;
          job.recipients = env.recipients;
          job.prepend = received_header(state, env, cfg->smtp.hostname, stream.tls != nullptr, id) +
                        "X-Backstop: " + sanitize_header_value(m.x_backstop) + "\r\n";
          if (!m.extra_header.empty()) job.prepend += sanitize_header_value(m.extra_header) + "\r\n";
          job.body = &buffer;
          reply = co_await downstream_.relay(job);
          engine_.delivered(state, reply);
        }
      }
      delegate.done();
      session.message_result(reply);
      continue;
    }
    auto wait = session.waiting_for();
    if (wait == smtp::Wait::kNone) break;
    deadline.expires_after(wait == smtp::Wait::kDataBlock ? cfg->smtp.timeout_data_block
                                                          : cfg->smtp.timeout_command);
    auto [rec, n] = co_await stream.read_some(asio::buffer(buf));
    deadline.cancel();
    if (rec) {
      if (deadline.expired()) {
        session.timed_out();
        continue;  // send the 421, then close
      }
      break;  // the client went away
    }
    session.feed(std::string_view(buf, n));
  }
  if (stream.tls) {
    deadline.expires_after(std::chrono::seconds(5));
    co_await stream.tls->async_shutdown(kUse);
  }
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
}

}  // namespace backstop::net
