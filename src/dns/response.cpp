// See response.h.
#include "dns/response.h"

#include <algorithm>

namespace backstop::dns {

namespace {

constexpr size_t kHeader = 12;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kTypeSoa = 6;

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// Reads the name at pos into *out (lower case, dotted, no trailing dot) when out is given, and
// sets *next to the offset after the name where it appears. A pointer must point before the
// place it is read from, so every jump goes backwards and the walk ends.
bool read_name(std::span<const uint8_t> m, size_t pos, size_t* next, std::string* out) {
  bool jumped = false;
  size_t limit = pos;  // a pointer must point before this
  size_t total = 0;
  if (out) out->clear();
  while (true) {
    if (pos >= m.size()) return false;
    const uint8_t len = m[pos];
    if (len == 0) {
      if (!jumped) *next = pos + 1;
      return true;
    }
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= m.size()) return false;
      const size_t target = size_t{len & 0x3Fu} << 8 | m[pos + 1];
      if (target >= limit) return false;
      if (!jumped) *next = pos + 2;
      jumped = true;
      limit = target;
      pos = target;
      continue;
    }
    if (len > 63) return false;  // the extended label types
    if (pos + 1 + len > m.size()) return false;
    total += 1 + size_t{len};
    if (total > 255) return false;
    if (out) {
      if (!out->empty()) out->push_back('.');
      for (size_t i = 0; i < len; ++i) {
        char c = static_cast<char>(m[pos + 1 + i]);
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        out->push_back(c);
      }
    }
    pos += 1 + size_t{len};
  }
}

void lower_ttl(ResponseRecords& r, uint32_t ttl) {
  r.ttl = r.ttl ? std::min(*r.ttl, ttl) : ttl;
}

}  // namespace

std::optional<ResponseRecords> parse_response(std::span<const uint8_t> m, RecordType type) {
  if (m.size() < kHeader) return std::nullopt;
  if (!(m[2] & 0x80)) return std::nullopt;  // QR: not a response
  ResponseRecords r;
  r.rcode = m[3] & 0x0F;
  const size_t qd = get16(&m[4]), an = get16(&m[6]), ns = get16(&m[8]);
  size_t pos = kHeader;
  for (size_t i = 0; i < qd; ++i) {
    if (!read_name(m, pos, &pos, nullptr) || pos + 4 > m.size()) return std::nullopt;
    pos += 4;
  }
  const uint16_t want = static_cast<uint16_t>(type);
  std::optional<uint32_t> soa_ttl;
  for (size_t i = 0; i < an + ns; ++i) {
    const bool answer = i < an;
    if (!read_name(m, pos, &pos, nullptr) || pos + 10 > m.size()) return std::nullopt;
    const uint16_t rtype = get16(&m[pos]);
    const uint16_t rclass = get16(&m[pos + 2]);
    // RFC 2181 8: a TTL with the top bit set is taken as zero.
    uint32_t ttl = get32(&m[pos + 4]);
    if (ttl & 0x80000000u) ttl = 0;
    const size_t rdlen = get16(&m[pos + 8]);
    const size_t rdata = pos + 10;
    if (rdata + rdlen > m.size()) return std::nullopt;
    pos = rdata + rdlen;
    if (rclass != kClassIn) continue;
    if (answer && rtype == want) {
      if (r.names.size() + r.addresses.size() >= kMaxResponseRecords) continue;
      if (type == RecordType::kPtr) {
        std::string name;
        size_t after = 0;
        if (!read_name(m, rdata, &after, &name) || after != rdata + rdlen) return std::nullopt;
        if (name.empty()) continue;
        r.names.push_back(std::move(name));
      } else {
        const size_t want_len = type == RecordType::kA ? 4 : 16;
        if (rdlen != want_len) return std::nullopt;
        core::IpAddress ip;
        ip.v6 = type == RecordType::kAaaa;
        std::copy(m.begin() + static_cast<std::ptrdiff_t>(rdata),
                  m.begin() + static_cast<std::ptrdiff_t>(rdata + rdlen), ip.bytes.begin());
        r.addresses.push_back(ip);
      }
      lower_ttl(r, ttl);
    } else if (answer) {
      // A CNAME on the way to the records bounds their lifetime too.
      lower_ttl(r, ttl);
    } else if (rtype == kTypeSoa) {
      // RFC 2308 5: a negative answer lives min(SOA TTL, SOA MINIMUM).
      size_t p = rdata;
      if (!read_name(m, p, &p, nullptr) || !read_name(m, p, &p, nullptr) || p + 20 != pos)
        return std::nullopt;
      uint32_t minimum = get32(&m[p + 16]);
      soa_ttl = std::min(ttl, minimum);
    }
  }
  if (r.names.empty() && r.addresses.empty()) r.ttl = soa_ttl;
  return r;
}

}  // namespace backstop::dns
