// The DNS front end: UDP and TCP listeners that answer DNSBL/DNSWL queries with the sans-IO
// codec in src/dns (answer.h). UDP is served from one receive and one send buffer per socket
// with no allocation per query; TCP (RFC 7766) takes several length-prefixed queries per
// connection, with an idle timeout and a cap on connections. Everything runs on one
// io_context thread; counters may be read from any thread.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "dns/zone_data.h"
#include "dns/zones.h"

namespace backstop::net {

struct DnsServerLimits {
  std::chrono::milliseconds tcp_idle{10000};  // between queries and per read/write
  size_t max_tcp_connections = 64;            // more are closed at once (counted)
  int udp_batch = 64;  // datagrams answered per wake-up before other sockets get a turn
};

// A snapshot. Every received message counts once in udp_queries or tcp_queries and then
// once in either dropped or one of the rcode counters.
struct DnsCounters {
  uint64_t udp_queries = 0;
  uint64_t tcp_queries = 0;
  uint64_t noerror = 0;  // of which nodata had no answer record
  uint64_t nodata = 0;
  uint64_t nxdomain = 0;
  uint64_t refused = 0;
  uint64_t formerr = 0;
  uint64_t notimp = 0;
  uint64_t badvers = 0;
  uint64_t truncated = 0;        // answered with TC (also counted under their rcode)
  uint64_t dropped = 0;          // not answered: responses (QR=1), runts, failed sends
  uint64_t tcp_connections = 0;  // accepted
  uint64_t tcp_rejected = 0;     // closed at once: over max_tcp_connections
};

class DnsServer {
 public:
  // data and clock must outlive the server; zones must not be null.
  DnsServer(asio::io_context& io, const dns::ZoneData& data,
            std::shared_ptr<const dns::Zones> zones, const core::Clock& clock,
            DnsServerLimits limits = {});
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds UDP and TCP on every "host:port" / "[v6]:port" (before privileges are dropped).
  // Port 0 picks a free port that UDP and TCP share. False and *error on failure.
  bool listen(const std::vector<std::string>& addresses, std::string* error);
  void start();
  // Closes the listeners and every TCP connection; the io_context then runs out of work from
  // this server. Call it (and the server's destructor only after the io_context has stopped
  // running this server's handlers).
  void stop();
  // Swaps the zones on reload; queries answered from then on use them. Call on the io thread.
  void update_zones(std::shared_ptr<const dns::Zones> zones);

  DnsCounters counters() const;
  // The local endpoints bound, one per listen address (UDP and TCP share the port).
  std::vector<std::string> bound() const;

 private:
  struct Udp;
  struct Count {
    std::atomic<uint64_t> udp_queries{0}, tcp_queries{0}, noerror{0}, nodata{0}, nxdomain{0},
        refused{0}, formerr{0}, notimp{0}, badvers{0}, truncated{0}, dropped{0}, tcp_connections{0},
        tcp_rejected{0};
  };

  asio::awaitable<void> udp_loop(Udp& u);
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> serve_tcp(asio::ip::tcp::socket socket);
  void count_result(size_t size, uint16_t rcode, bool truncated, bool nodata);

  asio::io_context& io_;
  const dns::ZoneData& data_;
  std::shared_ptr<const dns::Zones> zones_;
  const core::Clock& clock_;
  DnsServerLimits limits_;
  std::vector<std::unique_ptr<Udp>> udp_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::unordered_set<asio::ip::tcp::socket*> tcp_live_;
  Count count_;
};

}  // namespace backstop::net
