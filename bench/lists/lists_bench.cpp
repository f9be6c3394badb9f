// Lookup throughput of IpTable and DomainSet with 1,000,000 random entries (target: at least
// 1,000,000 lookups a second on one core). Entry mixes:
//   v4 hosts   all /32
//   v4 mixed   70% /32, 20% /24, 10% /8-/31: 25 prefix lengths in use, the worst case for the
//              per-length hash tables on a miss (every length is probed)
//   v6 mixed   50% /128, 40% /64, 10% /16-/127
//   domains    1/3 each of "x", "*.x", ".x" over names of 2-4 labels
// Short prefixes (IPv4 below /16, IPv6 below /32) lie in the lower half of the address space
// (first bit 0), where they cover everything; misses are drawn from the upper half, where the
// longer entries lie as densely as in the lower half. Queries are precomputed (hits: inside a
// random entry; misses: checked to match nothing) and taken in order from an array of 2^20, so the
// table is hit at random.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "lists/domain_set.h"
#include "lists/ip_table.h"

using namespace backstop;
using namespace backstop::lists;

namespace {

constexpr size_t kEntries = 1'000'000;
constexpr size_t kQueries = 1 << 20;

core::IpAddress random_ip(std::mt19937_64& rng, bool v6) {
  core::IpAddress a;
  a.v6 = v6;
  const uint64_t x = rng(), y = rng();
  for (int i = 0; i < 8; ++i) a.bytes[i] = uint8_t(x >> (8 * i));
  for (int i = 0; i < 8; ++i) a.bytes[8 + i] = uint8_t(y >> (8 * i));
  if (!v6) std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
  return a;
}

int random_prefix(std::mt19937_64& rng, bool v6, bool mixed) {
  const unsigned r = rng() % 10;
  if (!v6) {
    if (!mixed || r < 7) return 32;
    if (r < 9) return 24;
    return 8 + int(rng() % 24);
  }
  if (r < 5) return 128;
  if (r < 9) return 64;
  return 16 + int(rng() % 112);
}

struct IpFixture {
  IpTable<uint32_t> table;
  std::vector<core::IpAddress> hits, misses;
};

IpFixture* make_ip_fixture(bool v6, bool mixed) {
  auto* f = new IpFixture;
  std::mt19937_64 rng(v6 * 2 + mixed + 1);
  std::vector<Cidr> nets;
  nets.reserve(kEntries);
  while (f->table.size() < kEntries) {
    core::IpAddress a = random_ip(rng, v6);
    const int prefix = random_prefix(rng, v6, mixed);
    if (prefix < (v6 ? 32 : 16)) a.bytes[0] &= 0x7f;
    const Cidr c = network_of(a, prefix);
    if (f->table.insert(c, uint32_t(nets.size()))) nets.push_back(c);
  }
  for (size_t i = 0; i < kQueries; ++i) {
    const Cidr& c = nets[rng() % nets.size()];
    core::IpAddress a = random_ip(rng, v6);  // random host bits under the network
    for (int b = 0; b < (v6 ? 16 : 4); ++b) {
      const int bit0 = b * 8;
      const uint8_t keep = bit0 + 8 <= c.prefix ? 0xff
                           : bit0 >= c.prefix   ? 0
                                                : uint8_t(0xff00 >> (c.prefix - bit0));
      a.bytes[b] = uint8_t((c.address.bytes[b] & keep) | (a.bytes[b] & ~keep));
    }
    f->hits.push_back(a);
  }
  while (f->misses.size() < kQueries) {
    core::IpAddress a = random_ip(rng, v6);
    a.bytes[0] |= 0x80;
    if (!f->table.lookup(a)) f->misses.push_back(a);
  }
  return f;
}

IpFixture& fixture(bool v6, bool mixed) {
  static IpFixture* f[4] = {};
  IpFixture*& p = f[v6 * 2 + mixed];
  if (!p) p = make_ip_fixture(v6, mixed);
  return *p;
}

void run_ip(benchmark::State& state, bool v6, bool mixed, bool hit) {
  IpFixture& f = fixture(v6, mixed);
  const auto& q = hit ? f.hits : f.misses;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    found += f.table.lookup(q[i]) != nullptr;
    i = (i + 1) & (kQueries - 1);
  }
  if (hit && found != size_t(state.iterations())) state.SkipWithError("a hit missed");
  if (!hit && found != 0) state.SkipWithError("a miss hit");
  state.SetItemsProcessed(state.iterations());
  state.counters["entries"] = double(f.table.size());
  state.counters["bytes_per_entry"] = double(f.table.memory_bytes()) / double(f.table.size());
}

void BM_Ip4HostsHit(benchmark::State& s) {
  run_ip(s, false, false, true);
}
void BM_Ip4HostsMiss(benchmark::State& s) {
  run_ip(s, false, false, false);
}
void BM_Ip4MixedHit(benchmark::State& s) {
  run_ip(s, false, true, true);
}
void BM_Ip4MixedMiss(benchmark::State& s) {
  run_ip(s, false, true, false);
}
void BM_Ip6MixedHit(benchmark::State& s) {
  run_ip(s, true, true, true);
}
void BM_Ip6MixedMiss(benchmark::State& s) {
  run_ip(s, true, true, false);
}
BENCHMARK(BM_Ip4HostsHit);
BENCHMARK(BM_Ip4HostsMiss);
BENCHMARK(BM_Ip4MixedHit);
BENCHMARK(BM_Ip4MixedMiss);
BENCHMARK(BM_Ip6MixedHit);
BENCHMARK(BM_Ip6MixedMiss);

struct DomainFixture {
  DomainSet<uint32_t> set;
  std::vector<std::string> hits, misses;
};

std::string random_label(std::mt19937_64& rng) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  const int n = 3 + int(rng() % 8);
  for (int i = 0; i < n; ++i) s += kChars[rng() % 36];
  return s;
}

DomainFixture& domains() {
  static DomainFixture* f = nullptr;
  if (f) return *f;
  f = new DomainFixture;
  std::mt19937_64 rng(7);
  static const char* kTlds[] = {"com", "net", "org", "de", "example"};
  std::vector<DomainPattern> patterns;
  while (f->set.size() < kEntries) {
    DomainPattern p;
    const int labels = 2 + int(rng() % 3);
    p.name = kTlds[rng() % 5];
    for (int i = 1; i < labels; ++i) p.name = random_label(rng) + "." + p.name;
    p.match = static_cast<DomainMatch>(rng() % 3);
    if (f->set.insert(p, uint32_t(patterns.size()))) patterns.push_back(p);
  }
  for (size_t i = 0; i < kQueries; ++i) {
    const DomainPattern& p = patterns[rng() % patterns.size()];
    std::string host = p.name;
    if (p.match == DomainMatch::kSubdomains || (p.match == DomainMatch::kBoth && rng() % 2))
      host = "Mail-" + random_label(rng) + "." + host;
    f->hits.push_back(host);
  }
  while (f->misses.size() < kQueries) {
    std::string host = "mx1." + random_label(rng) + "." + random_label(rng) + ".com";
    if (!f->set.lookup(host)) f->misses.push_back(host);
  }
  return *f;
}

void run_domain(benchmark::State& state, bool hit) {
  DomainFixture& f = domains();
  const auto& q = hit ? f.hits : f.misses;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    found += f.set.lookup(q[i]) != nullptr;
    i = (i + 1) & (kQueries - 1);
  }
  if (hit && found != size_t(state.iterations())) state.SkipWithError("a hit missed");
  if (!hit && found != 0) state.SkipWithError("a miss hit");
  state.SetItemsProcessed(state.iterations());
}
void BM_DomainHit(benchmark::State& s) {
  run_domain(s, true);
}
void BM_DomainMiss(benchmark::State& s) {
  run_domain(s, false);
}
BENCHMARK(BM_DomainHit);
BENCHMARK(BM_DomainMiss);

}  // namespace

BENCHMARK_MAIN();
