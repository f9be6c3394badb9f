// Unit tests for IpTable: longest-prefix match over IPv4 and IPv6, replace, erase (including
// the hash tables' backward-shift deletion under many collisions), and a randomised comparison
// with a brute-force model.
#include "lists/ip_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace backstop::lists {
namespace {

core::IpAddress ip(const char* s) {
  return *core::parse_ip(s);
}
Cidr net(const char* s) {
  return *parse_cidr(s);
}

TEST(IpTable, LongestPrefixWins) {
  IpTable<std::string> t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.lookup(ip("192.0.2.1")), nullptr);
  EXPECT_TRUE(t.insert(net("0.0.0.0/0"), "default"));
  EXPECT_TRUE(t.insert(net("192.0.0.0/16"), "16"));
  EXPECT_TRUE(t.insert(net("192.0.2.0/24"), "24"));
  EXPECT_TRUE(t.insert(net("192.0.2.128/25"), "25"));
  EXPECT_TRUE(t.insert(net("192.0.2.200"), "32"));
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(*t.lookup(ip("192.0.2.200")), "32");
  EXPECT_EQ(*t.lookup(ip("192.0.2.201")), "25");
  EXPECT_EQ(*t.lookup(ip("192.0.2.127")), "24");
  EXPECT_EQ(*t.lookup(ip("192.0.3.1")), "16");
  EXPECT_EQ(*t.lookup(ip("8.8.8.8")), "default");
  EXPECT_EQ(t.lookup(ip("2001:db8::1")), nullptr);  // families never mix
  auto m = t.match(ip("192.0.2.130"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->network.str(), "192.0.2.128/25");
  EXPECT_EQ(*m->value, "25");
}

TEST(IpTable, InsertReplacesAndNormalises) {
  IpTable<int> t;
  EXPECT_TRUE(t.insert(net("10.0.0.0/8"), 1));
  EXPECT_FALSE(t.insert(net("10.0.0.0/8"), 2));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(*t.find(net("10.0.0.0/8")), 2);
  // Host bits are cleared on the way in.
  Cidr sloppy{ip("10.1.2.3"), 8};
  EXPECT_FALSE(t.insert(sloppy, 3));
  EXPECT_EQ(*t.find(net("10.0.0.0/8")), 3);
  EXPECT_EQ(t.find(net("10.0.0.0/9")), nullptr);
  *t.find(net("10.0.0.0/8")) = 4;
  EXPECT_EQ(*t.lookup(ip("10.200.0.1")), 4);
}

TEST(IpTable, EraseIsExact) {
  IpTable<int> t;
  t.insert(net("192.0.2.0/24"), 24);
  t.insert(net("192.0.2.7"), 32);
  EXPECT_FALSE(t.erase(net("192.0.2.0/25")));
  EXPECT_FALSE(t.erase(net("2001:db8::/32")));
  EXPECT_TRUE(t.erase(net("192.0.2.7")));
  EXPECT_FALSE(t.erase(net("192.0.2.7")));
  EXPECT_EQ(*t.lookup(ip("192.0.2.7")), 24);
  EXPECT_TRUE(t.erase(net("192.0.2.0/24")));
  EXPECT_EQ(t.lookup(ip("192.0.2.7")), nullptr);
  EXPECT_TRUE(t.empty());
  // Freed slots are reused and the table still works.
  t.insert(net("198.51.100.0/24"), 5);
  EXPECT_EQ(*t.lookup(ip("198.51.100.9")), 5);
  EXPECT_EQ(t.size(), 1u);
}

TEST(IpTable, Ipv6AllPrefixLengths) {
  IpTable<int> t;
  const core::IpAddress a = ip("2001:db8:89ab:cdef:0123:4567:89ab:cdef");
  for (int len = 0; len <= 128; len += 1) t.insert(network_of(a, len), len);
  EXPECT_EQ(t.size(), 129u);
  EXPECT_EQ(*t.lookup(a), 128);
  // Flip one bit at position p: the longest match is then the prefix of length p.
  for (int p = 0; p < 128; ++p) {
    core::IpAddress b = a;
    b.bytes[p / 8] ^= uint8_t(0x80 >> (p % 8));
    const auto m = t.match(b);
    ASSERT_TRUE(m);
    EXPECT_EQ(*m->value, p) << p;
    EXPECT_EQ(m->network.prefix, p);
  }
  for (int len = 128; len >= 0; --len) {
    EXPECT_TRUE(t.erase(network_of(a, len)));
    if (len > 0) {
      EXPECT_EQ(*t.lookup(a), len - 1);
    }
  }
  EXPECT_EQ(t.lookup(a), nullptr);
}

TEST(IpTable, Ipv4AllPrefixLengths) {
  IpTable<int> t;
  const core::IpAddress a = ip("203.0.113.99");
  for (int len = 0; len <= 32; ++len) t.insert(network_of(a, len), len);
  for (int p = 0; p < 32; ++p) {
    core::IpAddress b = a;
    b.bytes[p / 8] ^= uint8_t(0x80 >> (p % 8));
    EXPECT_EQ(*t.lookup(b), p) << p;
  }
  EXPECT_EQ(*t.lookup(a), 32);
}

TEST(IpTable, ForEachClearAndMemory) {
  IpTable<int> t;
  t.insert(net("192.0.2.0/24"), 1);
  t.insert(net("2001:db8::/32"), 2);
  t.insert(net("192.0.2.9"), 3);
  t.erase(net("192.0.2.9"));
  std::map<std::string, int> seen;
  t.for_each([&](const Cidr& c, int v) { seen[c.str()] = v; });
  EXPECT_EQ(seen, (std::map<std::string, int>{{"192.0.2.0/24", 1}, {"2001:db8::/32", 2}}));
  EXPECT_GT(t.memory_bytes(), 0u);
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.lookup(ip("192.0.2.1")), nullptr);
  t.for_each([&](const Cidr&, int) { ADD_FAILURE(); });
}

// The brute-force model: the longest network in a map that contains the address.
const int* model_lookup(const std::map<Cidr, int>& m, const core::IpAddress& a) {
  const int* best = nullptr;
  int best_len = -1;
  for (const auto& [c, v] : m)
    if (c.contains(a) && c.prefix > best_len) best = &v, best_len = c.prefix;
  return best;
}

TEST(IpTable, RandomOperationsMatchModel) {
  std::mt19937_64 rng(42);
  IpTable<int> t;
  std::map<Cidr, int> model;
  // Few distinct addresses and many lengths so that prefixes nest and tables collide.
  auto random_ip = [&](bool v6) {
    core::IpAddress a;
    a.v6 = v6;
    const uint64_t r = rng();
    a.bytes[0] = uint8_t(r & 3);
    a.bytes[1] = uint8_t((r >> 2) & 1);
    a.bytes[v6 ? 15 : 3] = uint8_t((r >> 8) & 7);
    a.bytes[v6 ? 8 : 2] = uint8_t((r >> 16) & 1);
    return a;
  };
  for (int i = 0; i < 20000; ++i) {
    const bool v6 = rng() % 3 == 0;
    const core::IpAddress a = random_ip(v6);
    const int len = int(rng() % ((v6 ? 128 : 32) + 1));
    const Cidr c = network_of(a, len);
    switch (rng() % 4) {
      case 0:
      case 1: {
        const int v = int(rng() % 1000);
        EXPECT_EQ(t.insert(c, v), model.count(c) == 0);
        model[c] = v;
        break;
      }
      case 2:
        EXPECT_EQ(t.erase(c), model.erase(c) == 1);
        break;
      case 3: {
        const core::IpAddress q = random_ip(v6);
        const int* want = model_lookup(model, q);
        const int* got = t.lookup(q);
        ASSERT_EQ(got == nullptr, want == nullptr) << q.str();
        if (got) {
          EXPECT_EQ(*got, *want) << q.str();
        }
        break;
      }
    }
    ASSERT_EQ(t.size(), model.size());
  }
  for (const auto& [c, v] : model) ASSERT_EQ(*t.find(c), v) << c.str();
}

TEST(IpTable, ManyHostRoutesGrowAndShrink) {
  IpTable<uint32_t> t;
  for (uint32_t i = 0; i < 50000; ++i) {
    core::IpAddress a;
    a.bytes = {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    t.insert(host_route(a), i);
  }
  EXPECT_EQ(t.size(), 50000u);
  for (uint32_t i = 0; i < 50000; i += 2) {
    core::IpAddress a;
    a.bytes = {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    ASSERT_TRUE(t.erase(host_route(a)));
  }
  for (uint32_t i = 0; i < 50000; ++i) {
    core::IpAddress a;
    a.bytes = {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    const uint32_t* v = t.lookup(a);
    if (i % 2) {
      ASSERT_TRUE(v) << i;
      EXPECT_EQ(*v, i);
    } else {
      EXPECT_EQ(v, nullptr) << i;
    }
  }
  // Down to a handful: the tables shrink and what is left is still found.
  for (uint32_t i = 1; i < 49990; i += 2) {
    core::IpAddress a;
    a.bytes = {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    ASSERT_TRUE(t.erase(host_route(a)));
  }
  EXPECT_EQ(t.size(), 5u);
  for (uint32_t i = 49991; i < 50000; i += 2) {
    core::IpAddress a;
    a.bytes = {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    ASSERT_TRUE(t.lookup(a)) << i;
  }
}

}  // namespace
}  // namespace backstop::lists

namespace backstop::lists {
namespace {

// Many IPv6 networks of every long length: the length filter grows, is rebuilt after many
// erases, and never hides an entry.
TEST(IpTable, Ipv6LengthFilterGrowsAndRebuilds) {
  IpTable<int> t;
  std::vector<Cidr> nets;
  for (int i = 0; i < 20000; ++i) {
    // Distinct first 16 bits: no network holds another.
    core::IpAddress a = *core::parse_ip("::");
    a.bytes[0] = uint8_t(i >> 8);
    a.bytes[1] = uint8_t(i);
    a.bytes[15] = 1;
    const Cidr c = network_of(a, 16 + i % 113);
    if (t.insert(c, i)) nets.push_back(c);
  }
  auto check_all = [&](size_t from) {
    for (size_t j = from; j < nets.size(); ++j) {
      const auto m = t.match(nets[j].address);
      ASSERT_TRUE(m) << nets[j].str();
      EXPECT_EQ(m->network, nets[j]) << nets[j].str();
    }
  };
  check_all(0);
  const size_t keep = nets.size() - 100;
  for (size_t j = 0; j < keep; ++j) ASSERT_TRUE(t.erase(nets[j]));
  EXPECT_EQ(t.size(), 100u);
  check_all(keep);
}

}  // namespace
}  // namespace backstop::lists
