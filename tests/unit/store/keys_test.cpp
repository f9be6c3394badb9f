// Unit tests for the pure parts of the Redis store: server addresses, glob escaping, the feed
// cursor's text form, stream ids, and the hash ring's stability, spread and minimal movement.
#include <gtest/gtest.h>

#include <map>

#include "store/hash_ring.h"
#include "store/redis_keys.h"
#include "store/store.h"

namespace backstop::store {
namespace {

TEST(HostPort, Parses) {
  EXPECT_EQ(parse_host_port("10.0.0.1:6380"), (HostPort{"10.0.0.1", 6380}));
  EXPECT_EQ(parse_host_port("redis.example.net"), (HostPort{"redis.example.net", 6379}));
  EXPECT_EQ(parse_host_port("[::1]:7000"), (HostPort{"::1", 7000}));
  EXPECT_EQ(parse_host_port("[::1]"), (HostPort{"::1", 6379}));
  EXPECT_EQ(parse_host_port("h:1"), (HostPort{"h", 1}));
  EXPECT_EQ(parse_host_port("h:65535"), (HostPort{"h", 65535}));
}

TEST(HostPort, RejectsBadAddresses) {
  for (const char* bad : {"", ":6379", "h:", "h:0", "h:65536", "h:-1", "h:+1", "h:12x", "::1",
                          "[::1", "[]:1", "[::1]x", "h :1", "h:1 ", "a:b:c", "h:99999999999"}) {
    EXPECT_FALSE(parse_host_port(bad)) << bad;
  }
  EXPECT_FALSE(parse_host_port(std::string(301, 'h')));
}

TEST(Glob, EscapesMetacharacters) {
  EXPECT_EQ(glob_escape("plain:key"), "plain:key");
  EXPECT_EQ(glob_escape("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f");
  EXPECT_EQ(glob_escape(""), "");
  EXPECT_EQ(glob_escape(std::string("\0\xff", 2)), std::string("\0\xff", 2));
}

TEST(Cursor, RoundTrips) {
  std::vector<FeedPos> p = {{"0123456789abcdef", 42}, {"", 0}, {"ff", 7}};
  auto text = encode_cursor(p);
  EXPECT_EQ(text, "r1;0123456789abcdef:42,:0,ff:7");
  EXPECT_EQ(decode_cursor(text, 3), p);
  EXPECT_FALSE(decode_cursor(text, 2));
  EXPECT_FALSE(decode_cursor(text, 4));
}

TEST(Cursor, RejectsGarbage) {
  for (const char* bad : {"", "r1;", "r1;a:", "r1;a", "r1;A:1", "r1;g:1", "r1;a:-1", "r1;:5",
                          "r2;a:1", "r1;a:1,", "r1;a:1,,b:2", "12", "r1;a:1x"}) {
    EXPECT_FALSE(decode_cursor(bad, 1)) << bad;
    EXPECT_FALSE(decode_cursor(bad, 2)) << bad;
  }
  EXPECT_FALSE(decode_cursor("r1;" + std::string(33, 'a') + ":1", 1));
  EXPECT_FALSE(decode_cursor("r1;a:1", 0));
}

TEST(StreamId, Parses) {
  EXPECT_EQ(stream_seq("17-0"), 17);
  EXPECT_FALSE(stream_seq("0-0"));
  EXPECT_FALSE(stream_seq("17-1"));
  EXPECT_FALSE(stream_seq("17"));
  EXPECT_FALSE(stream_seq("-0"));
  EXPECT_FALSE(stream_seq("x-0"));
}

TEST(Epoch, IsSixteenHexDigitsAndVaries) {
  auto a = new_epoch();
  auto b = new_epoch();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(ParseInt64, IsStrict) {
  EXPECT_EQ(parse_int64("0"), 0);
  EXPECT_EQ(parse_int64("-12"), -12);
  EXPECT_EQ(parse_int64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_int64("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "1x", "9223372036854775808", "0x10", "1.5",
                          "--1", "123456789012345678901"}) {
    EXPECT_FALSE(parse_int64(bad)) << bad;
  }
}

TEST(HashRing, StableHashNeverChanges) {
  // Every node of a cluster must place keys alike, across versions: pin the function.
  EXPECT_EQ(stable_hash(""), stable_hash(""));
  EXPECT_NE(stable_hash("a"), stable_hash("b"));
  EXPECT_EQ(stable_hash("backstop"), 0xd477f4070964a404ULL);
}

TEST(HashRing, OneServerTakesEverything) {
  HashRing ring({"a:1"});
  EXPECT_EQ(ring.server_for("anything"), 0u);
  HashRing none({});
  EXPECT_EQ(none.server_for("anything"), 0u);
}

TEST(HashRing, SpreadsKeysAndPlacesEachKeyAlike) {
  std::vector<std::string> servers = {"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"};
  HashRing ring(servers);
  HashRing same(servers);
  std::map<size_t, int> count;
  for (int i = 0; i < 30000; ++i) {
    std::string key = "block:192.0.2." + std::to_string(i);
    size_t s = ring.server_for(key);
    ASSERT_LT(s, 3u);
    EXPECT_EQ(s, same.server_for(key));
    ++count[s];
  }
  for (auto [s, n] : count) {
    EXPECT_GT(n, 7000) << "server " << s;  // a third is 10000
    EXPECT_LT(n, 13000) << "server " << s;
  }
}

TEST(HashRing, AddingAServerMovesAboutItsShare) {
  HashRing two({"a:1", "b:1"});
  HashRing three({"a:1", "b:1", "c:1"});
  int moved = 0;
  const int n = 30000;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i);
    size_t before = two.server_for(key);
    size_t after = three.server_for(key);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, 2u) << "a key moved between old servers";
    }
  }
  EXPECT_GT(moved, n / 5);
  EXPECT_LT(moved, n / 2);
}

}  // namespace
}  // namespace backstop::store
