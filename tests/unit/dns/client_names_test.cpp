// The shield's client-name lookups end to end over real UDP: c-ares on the asio loop asks a
// fake name server (in the test, on a free loopback port) for PTR and A/AAAA records, and
// ClientNames keeps only names whose forward lookup holds the address, caches them, and gives
// up on a silent server within its timeout.
#include "net/client_names.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "dns/response_builder.h"

namespace backstop::net {
namespace {

using dns::testing::a_rr;
using dns::testing::build_response;
using dns::testing::ptr_rr;
using dns::testing::Record;
using dns::testing::soa_rr;

// Answers from a table keyed by (lower-case name, type); NXDOMAIN for the rest. Can be told to
// stay silent.
class FakeNameServer {
 public:
  explicit FakeNameServer(asio::io_context& io)
      : socket_(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port());
  }
  std::map<std::pair<std::string, uint16_t>, std::vector<Record>> records;
  bool silent = false;
  int queries = 0;

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buf_), peer_, [this](asio::error_code ec, size_t n) {
      if (ec) return;
      ++queries;
      if (!silent) answer(n);
      receive();
    });
  }
  void answer(size_t n) {
    // The question: name labels from offset 12, then type.
    std::string name;
    size_t pos = 12;
    while (pos < n && buf_[pos] != 0) {
      if (!name.empty()) name += '.';
      for (size_t i = 1; i <= buf_[pos]; ++i)
        name += static_cast<char>(std::tolower(buf_[pos + i]));
      pos += 1 + buf_[pos];
    }
    const uint16_t type = static_cast<uint16_t>(buf_[pos + 1] << 8 | buf_[pos + 2]);
    const uint16_t id = static_cast<uint16_t>(buf_[0] << 8 | buf_[1]);
    auto it = records.find({name, type});
    std::vector<uint8_t> out =
        it == records.end() ? build_response(id, name, type, 3, {}, {soa_rr("example", 300, 300)})
                            : build_response(id, name, type, 0, it->second);
    socket_.send_to(asio::buffer(out), peer_);
  }
  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint peer_;
  uint8_t buf_[512];
};

class ClientNamesTest : public ::testing::Test {
 protected:
  ClientNamesTest() : server_(io_), resolver_(io_), names_(io_, resolver_) {
    ResolverOptions o;
    o.servers = {server_.address()};
    o.timeout = std::chrono::milliseconds(300);
    o.tries = 1;
    std::string error;
    EXPECT_TRUE(resolver_.configure(o, &error)) << error;
    ClientNameOptions n;
    n.timeout = std::chrono::milliseconds(1500);
    names_.set_options(n);
  }
  std::string lookup(const char* ip) {
    std::string out = "(not done)";
    names_.lookup(*core::parse_ip(ip), [&](std::string name) {
      out = std::move(name);
      io_.stop();
    });
    io_.restart();
    io_.run_for(std::chrono::seconds(5));
    return out;
  }
  asio::io_context io_;
  FakeNameServer server_;
  Resolver resolver_;
  ClientNames names_;
};

TEST_F(ClientNamesTest, ReverseNames) {
  EXPECT_EQ(reverse_name(*core::parse_ip("192.0.2.10")), "10.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(*core::parse_ip("2001:db8::567:89ab")),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST_F(ClientNamesTest, ConfirmedNameIsKeptAndCached) {
  server_.records[{"5.0.0.127.in-addr.arpa", 12}] = {ptr_rr("", "MX.Good.Example")};
  server_.records[{"mx.good.example", 1}] = {a_rr("", {127, 0, 0, 9}), a_rr("", {127, 0, 0, 5})};
  EXPECT_EQ(lookup("127.0.0.5"), "mx.good.example");
  EXPECT_EQ(server_.queries, 2);
  EXPECT_EQ(lookup("127.0.0.5"), "mx.good.example");
  EXPECT_EQ(server_.queries, 2);  // from the cache
}

TEST_F(ClientNamesTest, AForgedPtrIsNoName) {
  // The PTR claims a name whose A records do not hold the address.
  server_.records[{"6.0.0.127.in-addr.arpa", 12}] = {ptr_rr("", "mx.good.example")};
  server_.records[{"mx.good.example", 1}] = {a_rr("", {127, 0, 0, 5})};
  EXPECT_EQ(lookup("127.0.0.6"), "");
  // No PTR at all.
  EXPECT_EQ(lookup("127.0.0.7"), "");
}

TEST_F(ClientNamesTest, TheFirstNameThatConfirmsWins) {
  server_.records[{"8.0.0.127.in-addr.arpa", 12}] = {ptr_rr("", "liar.example"),
                                                     ptr_rr("", "mx2.good.example")};
  server_.records[{"liar.example", 1}] = {a_rr("", {127, 0, 0, 1})};
  server_.records[{"mx2.good.example", 1}] = {a_rr("", {127, 0, 0, 8})};
  EXPECT_EQ(lookup("127.0.0.8"), "mx2.good.example");
}

TEST_F(ClientNamesTest, Ipv6AsksForAaaa) {
  const std::string rev = reverse_name(*core::parse_ip("::1"));
  server_.records[{rev, 12}] = {ptr_rr("", "v6.good.example")};
  server_.records[{"v6.good.example", 28}] = {
      a_rr("", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})};
  EXPECT_EQ(lookup("::1"), "v6.good.example");
}

TEST_F(ClientNamesTest, ASilentServerGivesNoNameWithinTheTimeout) {
  server_.silent = true;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(lookup("127.0.0.10"), "");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_GE(server_.queries, 1);
}

TEST_F(ClientNamesTest, TheWholeLookupIsBoundedByItsOwnTimeout) {
  // c-ares would wait 3 s for the PTR; the lookup gives up after its own 400 ms.
  ResolverOptions o;
  o.servers = {server_.address()};
  o.timeout = std::chrono::milliseconds(3000);
  o.tries = 1;
  std::string error;
  ASSERT_TRUE(resolver_.configure(o, &error)) << error;
  ClientNameOptions n;
  n.timeout = std::chrono::milliseconds(400);
  names_.set_options(n);
  server_.silent = true;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(lookup("127.0.0.11"), "");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(350));
  EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST(NameCache, ExpiresAndStaysBounded) {
  NameCache c(3);
  auto ip = [](int i) { return *core::parse_ip("192.0.2." + std::to_string(i)); };
  c.put(ip(1), "a.example", 100, 0);
  ASSERT_NE(c.get(ip(1), 99), nullptr);
  EXPECT_EQ(*c.get(ip(1), 99), "a.example");
  EXPECT_EQ(c.get(ip(1), 100), nullptr);
  c.put(ip(2), "", 200, 0);
  c.put(ip(3), "c.example", 200, 0);
  // Full at 3: the expired entry makes room.
  c.put(ip(4), "d.example", 300, 150);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.get(ip(1), 150), nullptr);
  ASSERT_NE(c.get(ip(2), 150), nullptr);
  EXPECT_EQ(*c.get(ip(2), 150), "");
  // Full of live entries: it starts over rather than grow.
  c.put(ip(5), "e.example", 300, 150);
  EXPECT_LE(c.size(), 3u);
  EXPECT_NE(c.get(ip(5), 150), nullptr);
}

}  // namespace
}  // namespace backstop::net
