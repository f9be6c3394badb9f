// End-to-end tests of the DNS server: starts DnsServer on a free loopback port (UDP and TCP)
// with a fake ZoneData and asks it with the real dig (dnsutils), over UDP and TCP, then checks
// the answers, the TC fallback to TCP, several queries on one TCP connection, the connection
// cap, the idle timeout, a zone reload and the counters.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "core/clock.h"
#include "dns/dns_test_util.h"
#include "net/dns_server.h"

namespace backstop::net {
namespace {

using dns::testing::FakeZoneData;

constexpr int64_t kNow = 1795559388;

dns::ZonesConfig test_config() {
  dns::ZonesConfig c;
  c.block_zone = "bl.example.org";
  c.allow_zone = "wl.example.org";
  c.domain_allow_zone = "dwl.example.org";
  c.ns_hosts = {"ns1.example.org", "ns2.example.org"};
  c.hostmaster = "hostmaster@example.org";
  c.serial = 2026112401;
  c.refresh = 7200;
  c.retry = 900;
  c.expire = 1209600;
  c.minimum = 60;
  return c;
}

std::shared_ptr<const dns::Zones> make_zones(const dns::ZonesConfig& c) {
  auto z = dns::Zones::make(c, nullptr);
  EXPECT_TRUE(z);
  return std::make_shared<const dns::Zones>(*z);
}

class DnsServerTest : public ::testing::Test {
 protected:
  void start(DnsServerLimits limits = {}) {
    data.blocked_ips["192.0.2.99"] = {5, "backscatter-source, expires 2026-11-25T10:00:00Z", 0};
    data.blocked_ips["192.0.2.100"] = {3, std::string(700, 'L'), 0};
    data.blocked_ips["2001:db8::1"] = {4, "v6 source", 0};
    data.allowed_ips.insert("198.51.100.20");
    data.allowed_domains.insert("mail.example.com");
    server = std::make_unique<DnsServer>(io, data, make_zones(test_config()), clock, limits);
    std::string error;
    ASSERT_TRUE(server->listen({"127.0.0.1:0"}, &error)) << error;
    auto b = server->bound();
    ASSERT_EQ(b.size(), 1u);
    port = std::stoi(b[0].substr(b[0].rfind(':') + 1));
    ASSERT_GT(port, 0);
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    if (!server) return;
    asio::post(io, [this] { server->stop(); });
    thread.join();  // run() returns once the server's loops and sessions have ended
    server.reset();
  }

  std::string dig(const std::string& args) {
    const std::string cmd =
        "dig @127.0.0.1 -p " + std::to_string(port) + " +time=2 +tries=1 " + args + " 2>&1";
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return "popen failed";
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    pclose(f);
    return out;
  }
  // The status word of a full dig answer ("NOERROR", "NXDOMAIN", ...).
  std::string status(const std::string& args) {
    const std::string out = dig(args + " +noall +comments");
    const size_t at = out.find("status: ");
    if (at == std::string::npos) return "no status in: " + out;
    return out.substr(at + 8, out.find(',', at) - at - 8);
  }

  // The counters once every received query has been counted: a UDP answer is counted just
  // after it is sent, so the client may see it first.
  DnsCounters settled() {
    DnsCounters c;
    for (int i = 0; i < 200; ++i) {
      c = server->counters();
      if (c.udp_queries + c.tcp_queries ==
          c.noerror + c.nxdomain + c.refused + c.formerr + c.notimp + c.badvers + c.dropped)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return c;
  }

  asio::io_context io;
  FakeZoneData data;
  core::FixedClock clock{kNow};
  std::unique_ptr<DnsServer> server;
  std::thread thread;
  int port = 0;
};

TEST_F(DnsServerTest, AnswersOverUdpAndTcp) {
  start();
  for (std::string tcp : {"", " +tcp"}) {
    SCOPED_TRACE(tcp.empty() ? "udp" : "tcp");
    EXPECT_EQ(dig("99.2.0.192.bl.example.org A +short" + tcp), "127.0.0.5\n");
    EXPECT_EQ(dig("99.2.0.192.bl.example.org TXT +short" + tcp),
              "\"backscatter-source, expires 2026-11-25T10:00:00Z\"\n");
    EXPECT_EQ(dig("2.0.0.127.bl.example.org A +short" + tcp), "127.0.0.2\n");
    EXPECT_EQ(dig("2.0.0.127.bl.example.org TXT +short" + tcp), "\"RFC 5782 test entry\"\n");
    EXPECT_EQ(dig("1.0.0.127.bl.example.org A +short" + tcp), "");
    EXPECT_EQ(status("1.0.0.127.bl.example.org A" + tcp), "NXDOMAIN");
    EXPECT_EQ(status("99.2.0.192.bl.example.org AAAA" + tcp), "NOERROR");
    EXPECT_EQ(dig("99.2.0.192.bl.example.org AAAA +short" + tcp), "");
    EXPECT_EQ(status("www.example.com A" + tcp), "REFUSED");
    EXPECT_EQ(dig("bl.example.org SOA +short" + tcp),
              "ns1.example.org. hostmaster.example.org. 2026112401 7200 900 1209600 60\n");
    EXPECT_EQ(dig("bl.example.org NS +short" + tcp), "ns1.example.org.\nns2.example.org.\n");
    EXPECT_EQ(dig("20.100.51.198.wl.example.org A +short" + tcp), "127.0.0.2\n");
    EXPECT_EQ(status("21.100.51.198.wl.example.org A" + tcp), "NXDOMAIN");
    EXPECT_EQ(dig("mail.example.com.dwl.example.org A +short" + tcp), "127.0.0.2\n");
    EXPECT_EQ(dig("-x 2001:db8::1 +short" + tcp), "");  // ip6.arpa is not ours
    EXPECT_EQ(status("0.127.bl.example.org A" + tcp), "NOERROR");
  }
  // IPv6 nibble names: dig builds them for ip6.arpa; the same labels under our zone.
  std::string nibbles = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2";
  EXPECT_EQ(dig(nibbles + ".bl.example.org A +short"), "127.0.0.4\n");
  EXPECT_EQ(dig(nibbles + ".bl.example.org TXT +short +tcp"), "\"v6 source\"\n");
  // 0x20: dig's question in mixed case is echoed; dig would warn about a mismatch otherwise.
  const std::string mixed = dig("99.2.0.192.Bl.ExAmPlE.OrG A +norec");
  EXPECT_NE(mixed.find("flags: qr aa; QUERY: 1, ANSWER: 1,"), std::string::npos) << mixed;
  EXPECT_EQ(mixed.find("WARNING"), std::string::npos) << mixed;
  EXPECT_EQ(mixed.find("mismatch"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("99.2.0.192.Bl.ExAmPlE.OrG."), std::string::npos) << mixed;
  // Flags: authoritative, recursion desired copied, not available.
  const std::string full = dig("99.2.0.192.bl.example.org A");
  EXPECT_NE(full.find("flags: qr aa rd;"), std::string::npos) << full;
  EXPECT_NE(full.find("; EDNS: version: 0, flags:; udp: 1232"), std::string::npos) << full;

  const DnsCounters c = settled();
  EXPECT_GT(c.udp_queries, 0u);
  EXPECT_GT(c.tcp_queries, 0u);
  EXPECT_EQ(c.udp_queries + c.tcp_queries,
            c.noerror + c.nxdomain + c.refused + c.formerr + c.notimp + c.badvers + c.dropped);
  EXPECT_EQ(c.refused, 4u);  // www.example.com and the ip6.arpa name, over UDP and TCP
  EXPECT_GT(c.nodata, 0u);
  EXPECT_EQ(c.dropped, 0u);
}

TEST_F(DnsServerTest, TruncatedUdpFallsBackToTcp) {
  start();
  // 700 octets of TXT do not fit in 512: TC, then dig asks again over TCP.
  const std::string out = dig("100.2.0.192.bl.example.org TXT +short +noedns");
  EXPECT_EQ(out, "\"" + std::string(255, 'L') + "\" \"" + std::string(255, 'L') + "\" \"" +
                     std::string(190, 'L') + "\"\n");
  const DnsCounters c = settled();
  EXPECT_EQ(c.truncated, 1u);
  EXPECT_EQ(c.udp_queries, 1u);
  EXPECT_EQ(c.tcp_queries, 1u);
  // With EDNS (dig advertises 1232) it fits in one datagram.
  EXPECT_EQ(dig("100.2.0.192.bl.example.org TXT +short").size(), 700u + 3 * 3 + 1 - 1);
  EXPECT_EQ(settled().tcp_queries, 1u);
}

TEST_F(DnsServerTest, SeveralQueriesOnOneTcpConnection) {
  start();
  const std::string out =
      dig("+tcp +keepopen +short 99.2.0.192.bl.example.org A 2.0.0.127.bl.example.org A "
          "99.2.0.192.bl.example.org TXT");
  EXPECT_EQ(out, "127.0.0.5\n127.0.0.2\n\"backscatter-source, expires 2026-11-25T10:00:00Z\"\n");
  const DnsCounters c = settled();
  EXPECT_EQ(c.tcp_connections, 1u);
  EXPECT_EQ(c.tcp_queries, 3u);
}

TEST_F(DnsServerTest, TcpConnectionCapAndIdleTimeout) {
  DnsServerLimits limits;
  limits.tcp_idle = std::chrono::milliseconds(300);
  limits.max_tcp_connections = 1;
  start(limits);
  asio::io_context client_io;
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  asio::ip::tcp::socket first(client_io), second(client_io);
  first.connect(ep);
  // Let the server accept the first before the second arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  second.connect(ep);
  uint8_t b;
  asio::error_code ec;
  second.read_some(asio::buffer(&b, 1), ec);  // closed at once: over the cap
  EXPECT_EQ(ec, asio::error::eof);
  const auto t0 = std::chrono::steady_clock::now();
  first.read_some(asio::buffer(&b, 1), ec);  // closed by the idle timeout
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(waited, std::chrono::seconds(3));
  const DnsCounters c = settled();
  EXPECT_EQ(c.tcp_connections, 1u);
  EXPECT_EQ(c.tcp_rejected, 1u);
  // The slot is free again.
  EXPECT_EQ(dig("2.0.0.127.bl.example.org A +short +tcp"), "127.0.0.2\n");
}

TEST_F(DnsServerTest, MalformedTcpFramesAndResponsesAreNotAnswered) {
  start();
  asio::io_context client_io;
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  asio::ip::tcp::socket s(client_io);
  s.connect(ep);
  // A response (QR=1) framed correctly: no answer, the connection is closed.
  dns::testing::QueryBuilder qb;
  qb.flags2 = 0x80;
  auto m = qb.build();
  std::vector<uint8_t> frame = {0, static_cast<uint8_t>(m.size())};
  frame.insert(frame.end(), m.begin(), m.end());
  asio::write(s, asio::buffer(frame));
  uint8_t b;
  asio::error_code ec;
  s.read_some(asio::buffer(&b, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  // UDP: a response datagram gets nothing; a query after it is answered.
  asio::ip::udp::socket u(client_io);
  u.open(asio::ip::udp::v4());
  asio::ip::udp::endpoint uep(ep.address(), ep.port());
  u.send_to(asio::buffer(m), uep);
  qb.flags2 = 0x01;
  qb.id = 0x4242;
  u.send_to(asio::buffer(qb.build()), uep);
  std::vector<uint8_t> in(512);
  const size_t n = u.receive(asio::buffer(in));
  ASSERT_GE(n, 12u);
  EXPECT_EQ(in[0], 0x42);
  EXPECT_EQ(in[1], 0x42);
  const DnsCounters c = settled();
  EXPECT_EQ(c.dropped, 2u);
}

// More datagrams queued than one wake-up answers (udp_batch): the rest are answered too, without
// a new datagram to wake the loop.
TEST_F(DnsServerTest, QueuedDatagramsBeyondOneBatchAreAllAnswered) {
  DnsServerLimits limits;
  limits.udp_batch = 4;
  start(limits);
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Hold the server's thread so that every datagram is queued before it looks.
  std::promise<void> holding;
  asio::post(io, [&] {
    holding.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });
  holding.get_future().wait();
  constexpr int kCount = 50;
  for (int i = 0; i < kCount; ++i) {
    dns::testing::QueryBuilder qb;
    qb.id = static_cast<uint16_t>(i);
    const auto m = qb.build();
    ASSERT_EQ(::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(m.size()));
  }
  std::set<int> ids;
  uint8_t buf[512];
  for (int i = 0; i < kCount; ++i) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 12) break;
    ids.insert(buf[0] << 8 | buf[1]);
  }
  ::close(fd);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(settled().udp_queries, static_cast<uint64_t>(kCount));
}

TEST_F(DnsServerTest, ZonesAreSwappedOnReload) {
  start();
  EXPECT_EQ(dig("2.0.0.127.bl.example.org A +short"), "127.0.0.2\n");
  auto c = test_config();
  c.block_zone = "rbl.example.net";
  c.serial = 7;
  std::promise<void> done;
  asio::post(io, [&] {
    server->update_zones(make_zones(c));
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_EQ(status("2.0.0.127.bl.example.org A"), "REFUSED");
  EXPECT_EQ(dig("2.0.0.127.rbl.example.net A +short"), "127.0.0.2\n");
  EXPECT_EQ(dig("rbl.example.net SOA +short"),
            "ns1.example.org. hostmaster.example.org. 7 7200 900 1209600 60\n");
}

// A datagram longer than a receive slot (4096 octets) is cut; the rest does not parse: FORMERR.
TEST_F(DnsServerTest, OverlongDatagramIsCutAndRefusedAsMalformed) {
  start();
  dns::testing::QueryBuilder qb;
  auto m = qb.build();
  m[11] = 1;  // one additional record of 5000 octets
  const uint8_t rr[] = {0, 0, 99, 0, 1, 0, 0, 0, 0, 0x13, 0x88};
  m.insert(m.end(), std::begin(rr), std::end(rr));
  m.resize(m.size() + 5000, 'p');
  asio::io_context client_io;
  asio::ip::udp::socket u(client_io);
  u.open(asio::ip::udp::v4());
  asio::ip::udp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  u.send_to(asio::buffer(m), ep);
  std::vector<uint8_t> in(512);
  const size_t n = u.receive(asio::buffer(in));
  ASSERT_EQ(n, 12u);
  EXPECT_EQ(in[3] & 0x0F, 1);  // FORMERR
  EXPECT_EQ(settled().formerr, 1u);
}

TEST(DnsServerListen, Ipv6Loopback) {
  asio::io_context io;
  FakeZoneData data;
  core::FixedClock clock{kNow};
  DnsServer server(io, data, make_zones(test_config()), clock);
  std::string error;
  if (!server.listen({"[::1]:0"}, &error)) GTEST_SKIP() << "no IPv6 loopback: " << error;
  server.start();
  const auto b = server.bound();
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(b[0].substr(0, 6), "[::1]:");
  std::thread t([&] { io.run(); });
  const std::string cmd =
      "dig @::1 -p " + b[0].substr(6) + " +time=2 +tries=1 +short 2.0.0.127.bl.example.org 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  char buf[256] = {};
  const size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) pclose(f);
  asio::post(io, [&] { server.stop(); });
  t.join();
  EXPECT_EQ(std::string(buf, n), "127.0.0.2\n");
}

TEST(DnsServerListen, BadAddressesAreReported) {
  asio::io_context io;
  FakeZoneData data;
  core::FixedClock clock{kNow};
  DnsServer server(io, data, make_zones(test_config()), clock);
  std::string error;
  EXPECT_FALSE(server.listen({"localhost:53"}, &error));
  EXPECT_NE(error.find("not a numeric address"), std::string::npos) << error;
  EXPECT_FALSE(server.listen({"127.0.0.1"}, &error));
  EXPECT_FALSE(server.listen({"192.0.2.1:5353"}, &error));  // not a local address
  EXPECT_NE(error.find("cannot listen"), std::string::npos) << error;
}

}  // namespace
}  // namespace backstop::net
