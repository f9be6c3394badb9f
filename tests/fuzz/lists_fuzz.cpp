// Fuzz target for src/lists. The first byte picks what the rest feeds:
//   0-2  an rbldnsd file (ip4set, ip6trie, dnset): parse, write, parse again: same entries
//   3    a stored list record: decode, encode, decode again: same record
//   4    IpTable operations, compared with a brute-force model after every step
//   5    DomainSet operations, compared with a pattern-by-pattern model
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lists/domain_set.h"
#include "lists/ip_table.h"
#include "lists/rbldnsd.h"
#include "lists/record.h"

using namespace backstop;
using namespace backstop::lists;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

template <class F, class P, class W>
void round_trip(std::string_view text, P parse, W write, F same) {
  auto first = parse(text, "fuzz");
  const std::string written = write(first.entries, RbldnsdWriteOptions{});
  auto second = parse(written, "written");
  check(second.ok());
  check(first.entries.size() == second.entries.size());
  for (size_t i = 0; i < first.entries.size(); ++i) same(first.entries[i], second.entries[i]);
  // And once more with a default value line, which changes what is written bare.
  RbldnsdWriteOptions o;
  o.default_value = RblValue{{127, 0, 0, 9}, "d $"};
  auto third = parse(write(first.entries, o), "written");
  check(third.ok() && third.entries.size() == first.entries.size());
  for (size_t i = 0; i < first.entries.size(); ++i) same(first.entries[i], third.entries[i]);
}

struct Bytes {
  const uint8_t* p;
  size_t n;
  uint8_t next() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
};

void ip_table_ops(Bytes in) {
  IpTable<int> t;
  std::map<Cidr, int> model;
  while (in.n > 0) {
    const uint8_t op = in.next();
    const bool v6 = op & 1;
    core::IpAddress a;
    a.v6 = v6;
    // Few distinct bits so that networks nest and collide.
    const uint8_t b1 = in.next(), b2 = in.next();
    a.bytes[0] = b1 & 0x81;
    a.bytes[v6 ? 7 : 2] = b1 & 0x18;
    a.bytes[v6 ? 15 : 3] = b2 & 0x0f;
    const int len = in.next() % ((v6 ? 128 : 32) + 1);
    const Cidr c = network_of(a, len);
    switch ((op >> 1) % 3) {
      case 0:
        check(t.insert(c, op) == (model.count(c) == 0));
        model[c] = op;
        break;
      case 1:
        check(t.erase(c) == (model.erase(c) == 1));
        break;
      case 2: {
        const int* want = nullptr;
        int best = -1;
        for (const auto& [n, v] : model)
          if (n.contains(a) && n.prefix > best) want = &v, best = n.prefix;
        const int* got = t.lookup(a);
        check((got == nullptr) == (want == nullptr));
        if (got) check(*got == *want);
        break;
      }
    }
    check(t.size() == model.size());
  }
  size_t n = 0;
  t.for_each([&](const Cidr& c, int v) {
    ++n;
    check(model.count(c) && model[c] == v);
  });
  check(n == model.size());
}

// rbldnsd's dnset meaning, pattern by pattern: the rank of a match is (labels stripped from
// the name, position in the order of checks at that name); the smallest rank decides.
int model_rank(const DomainPattern& p, const std::string& name) {
  int level = 0;
  for (std::string_view s = name;; ++level) {
    if (s == p.name) {
      if (level == 0 && p.match == DomainMatch::kSubdomains) return -1;
      if (level > 0 && p.match == DomainMatch::kExact) return -1;
      const bool both = p.match == DomainMatch::kBoth;
      return level * 4 + (p.excluded ? 0 : 2) + (both ? 1 : 0);
    }
    const size_t dot = s.find('.');
    if (dot == std::string_view::npos) return -1;
    s.remove_prefix(dot + 1);
  }
}

void domain_set_ops(Bytes in) {
  static const char* kLabels[] = {"a", "B", "c", "xn--d"};
  DomainSet<int> set;
  std::map<std::string, std::pair<DomainPattern, int>> model;  // by pattern text
  auto name_from = [&](uint8_t b, uint8_t depth) {
    std::string s;
    for (int i = 0; i <= depth % 4; ++i) {
      if (!s.empty()) s += '.';
      s += kLabels[(b >> (2 * i)) & 3];
    }
    return s;
  };
  while (in.n > 0) {
    const uint8_t op = in.next(), b = in.next(), d = in.next();
    const std::string name = name_from(b, d);
    DomainPattern p = *parse_domain_pattern(name);
    p.match = static_cast<DomainMatch>((op >> 2) % 3);
    p.excluded = (op >> 4) & 1;
    switch (op & 3) {
      case 0:
      case 1: {
        const bool fresh = model.count(p.str()) == 0;
        check(set.insert(p, op) == fresh);
        model[p.str()] = {p, op};
        break;
      }
      case 2:
        check(set.erase(p) == (model.erase(p.str()) == 1));
        break;
      case 3: {
        std::string host = name + ((d & 0x80) ? "." : "");
        const std::string lower = parse_domain_pattern(name)->name;
        int best = -1;
        const std::pair<DomainPattern, int>* want = nullptr;
        for (const auto& [k, e] : model) {
          const int r = model_rank(e.first, lower);
          if (r >= 0 && (best < 0 || r < best)) best = r, want = &e;
        }
        const int* got = set.lookup(host);
        if (!want || want->first.excluded) {
          check(got == nullptr);
        } else {
          check(got && *got == want->second);
        }
        auto m = set.match(host);
        check(m.has_value() == (want != nullptr));
        if (m) check(m->pattern == want->first);
        break;
      }
    }
    check(set.size() == model.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 6;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto same_ip = [](const IpListEntry& a, const IpListEntry& b) {
    check(a.network == b.network && a.excluded == b.excluded && a.value == b.value);
  };
  switch (mode) {
    case 0:
      round_trip(text, parse_ip4set, write_ip4set, same_ip);
      break;
    case 1:
      round_trip(text, parse_ip6trie, write_ip6trie, same_ip);
      break;
    case 2:
      round_trip(text, parse_dnset, write_dnset,
                 [](const DomainListEntry& a, const DomainListEntry& b) {
                   check(a.pattern == b.pattern && a.value == b.value);
                 });
      break;
    case 3: {
      auto r = decode_record(text);
      if (r) {
        auto again = decode_record(encode_record(*r));
        check(again && *again == *r);
      }
      break;
    }
    case 4:
      ip_table_ops(Bytes{data + 1, size - 1});
      break;
    case 5:
      domain_set_ops(Bytes{data + 1, size - 1});
      break;
  }
  return 0;
}
