// Signed UDP reports; see report_socket.h.
#include "net/report_socket.h"

#include "config/config.h"
#include "lists/cidr.h"
#include "lists/record.h"
#include "net/asio_util.h"
#include "net/smtp_server.h"
#include "report/keys.h"
#include "report/wire.h"

namespace backstop::net {

using asio::ip::udp;

namespace {

// "host:port" (numeric or a name, resolved now) into endpoints.
bool resolve_peer(asio::io_context& io, const std::string& text, std::vector<udp::endpoint>& out,
                  std::string* error) {
  auto hp = config::parse_host_port(text);
  if (!hp) {
    *error = "report peer '" + text + "' is not host:port";
    return false;
  }
  udp::resolver resolver(io);
  asio::error_code ec;
  auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec || results.empty()) {
    *error = "report peer '" + text + "': " + (ec ? ec.message() : "no address");
    return false;
  }
  out.push_back(results.begin()->endpoint());
  return true;
}

std::optional<report::ReportKeys> keys_of(const config::Config& cfg, std::string* error) {
  auto k = report::parse_report_keys(cfg.report.key_text, cfg.report.key_file);
  if (!k.keys) {
    *error = k.errors.empty() ? "unreadable report key file" : k.errors.front();
    return std::nullopt;
  }
  return std::move(*k.keys);
}

}  // namespace

ReportSocket::ReportSocket(asio::io_context& io, reputation::ListsView& lists,
                           const core::Clock& clock)
    : io_(io), lists_(lists), clock_(clock) {}

bool ReportSocket::listen(const std::vector<std::string>& addresses, std::string* error) {
  for (const auto& a : addresses) {
    asio::ip::tcp::endpoint tep;
    if (!parse_endpoint(a, tep, error)) return false;
    udp::endpoint ep(tep.address(), tep.port());
    auto s = std::make_unique<udp::socket>(io_);
    asio::error_code ec;
    s->open(ep.protocol(), ec);
    if (!ec) s->bind(ep, ec);
    if (ec) {
      *error = "cannot listen for reports on " + a + ": " + ec.message();
      return false;
    }
    listeners_.push_back(std::move(s));
  }
  return true;
}

bool ReportSocket::configure(std::shared_ptr<const config::Config> cfg, std::string* error) {
  if (cfg->report.key_text.empty()) {
    verifier_.reset();
    peers_.clear();
    cfg_ = std::move(cfg);
    return true;
  }
  auto keys = keys_of(*cfg, error);
  if (!keys) return false;
  std::vector<udp::endpoint> peers;
  for (const auto& p : cfg->report.peers)
    if (!resolve_peer(io_, p, peers, error)) return false;
  if (verifier_) {
    verifier_->set_keys(std::move(*keys));  // the replay cache survives reloads
  } else {
    report::VerifierOptions vo;
    vo.window_seconds = cfg->report.window.count();
    verifier_ = std::make_unique<report::Verifier>(std::move(*keys), vo);
  }
  peers_ = std::move(peers);
  cfg_ = std::move(cfg);
  return true;
}

void ReportSocket::start() {
  for (auto& s : listeners_) asio::co_spawn(io_, receive(*s), asio::detached);
}

void ReportSocket::stop() {
  asio::error_code ec;
  for (auto& s : listeners_) s->close(ec);
  if (out4_) out4_->close(ec);
  if (out6_) out6_->close(ec);
}

std::vector<std::string> ReportSocket::bound() const {
  std::vector<std::string> out;
  for (const auto& s : listeners_) {
    asio::error_code ec;
    auto ep = s->local_endpoint(ec);
    if (ec) continue;
    std::string h = ep.address().to_string();
    out.push_back("reports " + (ep.address().is_v6() ? "[" + h + "]" : h) + ":" +
                  std::to_string(ep.port()));
  }
  return out;
}

const report::VerifierStats* ReportSocket::verifier_stats() const {
  return verifier_ ? &verifier_->stats() : nullptr;
}

asio::awaitable<void> ReportSocket::receive(udp::socket& socket) {
  std::vector<char> buf(report::kMaxPacket + 1);
  udp::endpoint from;
  while (socket.is_open()) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buf), from, kUse);
    if (ec) {
      if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
      continue;
    }
    ++counters_.received;
    if (!verifier_ || n > report::kMaxPacket) {
      ++counters_.dropped;
      continue;
    }
    report::Report r;
    if (verifier_->verify(std::string_view(buf.data(), n), clock_.now(), &r) !=
        report::Verdict::kAccepted) {
      ++counters_.dropped;
      continue;
    }
    ++counters_.accepted;
    accept(r);
  }
}

void ReportSocket::accept(const report::Report& r) {
  const int64_t now = clock_.now();
  for (const auto& e : r.entries) {
    const config::ReasonConfig* reason = cfg_ ? cfg_->reason(e.reason) : nullptr;
    if (!reason) {
      ++counters_.unknown_reason;
      continue;
    }
    lists::Cidr net = lists::network_of(e.address, e.prefix);
    // Allowlisted clients are never listed, whoever reports them.
    if (lists_.allowed_ip(net.address, now)) {
      ++counters_.allowlisted;
      continue;
    }
    lists::ListRecord rec;
    rec.subject = net;
    rec.reason = e.reason;
    rec.node = r.node;
    rec.added = now;
    rec.expires = reason->lifetime.count() == 0 ? 0 : now + reason->lifetime.count();
    lists_.put("block", rec);
    ++counters_.listed;
  }
}

void ReportSocket::send(const core::IpAddress& ip, const std::string& reason) {
  if (!cfg_ || peers_.empty() || !verifier_) return;
  const report::ReportKey* key = verifier_->keys().signing();
  if (!key) return;
  report::ReportEntry e{ip, ip.v6 ? 128 : 32, reason};
  auto packets = report::encode_reports(*key, cfg_->report.node, clock_.now(), {e});
  for (const auto& peer : peers_) {
    auto& sock = peer.address().is_v6() ? out6_ : out4_;
    if (!sock) {
      sock = std::make_unique<udp::socket>(io_);
      asio::error_code ec;
      sock->open(peer.protocol(), ec);
      if (ec) {
        sock.reset();
        ++counters_.send_errors;
        continue;
      }
    }
    for (const auto& p : packets) {
      auto data = std::make_shared<std::string>(p);
      sock->async_send_to(asio::buffer(*data), peer, [this, data](asio::error_code ec, size_t) {
        if (ec) ++counters_.send_errors;
        else ++counters_.sent;
      });
    }
  }
}

bool send_report_once(const config::Config& cfg, const core::IpAddress& ip, int prefix,
                      const std::string& reason, int64_t now, std::string* error) {
  if (cfg.report.peers.empty()) {
    *error = "[report] peers is empty: nowhere to send";
    return false;
  }
  auto keys = keys_of(cfg, error);
  if (!keys) return false;
  const report::ReportKey* key = keys->signing();
  if (!key) {
    *error = "the report key file has no key";
    return false;
  }
  auto packets = report::encode_reports(*key, cfg.report.node, now, {{ip, prefix, reason}}, {},
                                        error);
  if (packets.empty()) return false;
  asio::io_context io;
  std::vector<udp::endpoint> peers;
  for (const auto& p : cfg.report.peers)
    if (!resolve_peer(io, p, peers, error)) return false;
  for (const auto& peer : peers) {
    udp::socket s(io);
    asio::error_code ec;
    s.open(peer.protocol(), ec);
    for (const auto& p : packets)
      if (!ec) s.send_to(asio::buffer(p), peer, 0, ec);
    if (ec) {
      *error = "sending to " + peer.address().to_string() + ": " + ec.message();
      return false;
    }
  }
  return true;
}

}  // namespace backstop::net
