// Signed UDP reports between nodes (docs/report-protocol.md): the collector on [report] listen
// verifies each packet (HMAC with the key file's keys, timestamp window, nonce replay cache)
// and writes its entries to the shared blocklist with their reason's lifetime; the sender
// signs and sends "IP reason" to [report] peers, fire and forget, never blocking the loop.
#pragma once

#include <asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "report/verifier.h"
#include "reputation/lists_view.h"

namespace backstop::net {

struct ReportCounters {
  uint64_t received = 0;
  uint64_t accepted = 0;         // packets that verified
  uint64_t listed = 0;           // entries written to the blocklist
  uint64_t unknown_reason = 0;   // entries whose reason this node does not declare
  uint64_t allowlisted = 0;      // entries for allowlisted clients (never listed)
  uint64_t dropped = 0;          // packets that failed verification (see the verifier's stats)
  uint64_t sent = 0;             // packets sent to peers
  uint64_t send_errors = 0;
};

class ReportSocket {
 public:
  ReportSocket(asio::io_context& io, reputation::ListsView& lists, const core::Clock& clock);
  // Binds [report] listen (before privileges are dropped). False and *error on failure.
  bool listen(const std::vector<std::string>& addresses, std::string* error);
  // Takes keys, peers, node and window from the configuration. False and *error when the key
  // file does not parse or a peer is not host:port.
  bool configure(std::shared_ptr<const config::Config> cfg, std::string* error);
  void start();
  void stop();
  // Sends "ip reason" to every peer (no-op without peers or keys).
  void send(const core::IpAddress& ip, const std::string& reason);
  const ReportCounters& counters() const { return counters_; }
  const report::VerifierStats* verifier_stats() const;
  std::vector<std::string> bound() const;

 private:
  asio::awaitable<void> receive(asio::ip::udp::socket& socket);
  void accept(const report::Report& r);

  asio::io_context& io_;
  reputation::ListsView& lists_;
  const core::Clock& clock_;
  std::shared_ptr<const config::Config> cfg_;
  std::unique_ptr<report::Verifier> verifier_;
  std::vector<std::unique_ptr<asio::ip::udp::socket>> listeners_;
  std::unique_ptr<asio::ip::udp::socket> out4_, out6_;
  std::vector<asio::ip::udp::endpoint> peers_;
  ReportCounters counters_;
};

// For `backstop report send`: signs one report and sends it to the configured peers with a
// plain blocking socket. False and *error when there are no peers or keys, or sending failed.
bool send_report_once(const config::Config& cfg, const core::IpAddress& ip, int prefix,
                      const std::string& reason, int64_t now, std::string* error);

}  // namespace backstop::net
