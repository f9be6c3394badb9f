// The DNS answer path; see answer.h. Reads the query in place (no copies, no allocation) and
// writes the response straight into the caller's buffer. Trusts nothing in the query: every
// offset is bounds-checked, names are limited to 255 octets and 63-octet labels, and the
// question may not use compression pointers, so there are no pointer loops to follow.
#include "dns/answer.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/text.h"

namespace backstop::dns {

namespace {

constexpr int kMaxLabels = 128;  // a 255-octet name has at most 127 labels
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kClassAny = 255;
constexpr std::string_view kTestText = "RFC 5782 test entry";

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

struct Query {
  uint16_t labels[kMaxLabels];  // message offset of each qname label's length octet
  int nlabels = 0;
  size_t qname_end = 0;  // offset just past the qname's root label
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t question_end = 0;
  bool edns = false;
  uint16_t edns_size = 0;
  uint8_t edns_version = 0;
  bool edns_do = false;
};

// RFC 1035 4.1.2. A compression pointer in the first name could only point into the header or
// back into the name itself; no resolver sends one, so it is malformed here, as are the
// extended label types (0x40, 0x80).
bool parse_qname(std::span<const uint8_t> m, Query& q) {
  size_t pos = kHeaderSize;
  while (true) {
    if (pos >= m.size()) return false;
    const uint8_t len = m[pos];
    if (len == 0) break;
    if (len > 63 || q.nlabels >= kMaxLabels) return false;
    q.labels[q.nlabels++] = static_cast<uint16_t>(pos);
    pos += 1 + size_t{len};
    if (pos - kHeaderSize > 254) return false;  // with the root label: more than 255 octets
  }
  q.qname_end = pos + 1;
  return true;
}

// Steps over a name in the other sections. A pointer ends the name and is not followed:
// nothing here needs those names, so there is nothing that could loop.
bool skip_name(std::span<const uint8_t> m, size_t& pos, bool& is_root) {
  is_root = true;
  size_t total = 0;
  while (true) {
    if (pos >= m.size()) return false;
    const uint8_t len = m[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 2 > m.size()) return false;
      pos += 2;
      is_root = false;
      return true;
    }
    if (len & 0xC0) return false;
    ++pos;
    if (len == 0) return true;
    is_root = false;
    pos += len;
    total += 1 + size_t{len};
    if (total > 254) return false;
  }
}

// The answer, authority and additional sections of the query: only an OPT record matters
// (RFC 6891 6.1.1: at most one, owned by the root, in the additional section).
bool parse_records(std::span<const uint8_t> m, Query& q) {
  const size_t an = get16(&m[6]), ns = get16(&m[8]), ar = get16(&m[10]);
  size_t pos = q.question_end;
  for (size_t i = 0; i < an + ns + ar; ++i) {
    bool root = false;
    if (!skip_name(m, pos, root)) return false;
    if (pos + 10 > m.size()) return false;
    const uint16_t type = get16(&m[pos]);
    const uint16_t cls = get16(&m[pos + 2]);
    const uint32_t ttl = get32(&m[pos + 4]);
    const size_t rdlen = get16(&m[pos + 8]);
    pos += 10;
    if (pos + rdlen > m.size()) return false;
    if (i >= an + ns && type == rrtype::kOpt) {
      if (!root || q.edns) return false;
      q.edns = true;
      q.edns_size = cls;
      q.edns_version = static_cast<uint8_t>(ttl >> 16);
      q.edns_do = (ttl & 0x8000) != 0;
    }
    pos += rdlen;
  }
  return true;
}

// Bounded writer over the response buffer: writes past `cap` set a flag instead.
class Writer {
 public:
  Writer(uint8_t* p, size_t cap) : p_(p), cap_(cap) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  void u8(uint8_t v) {
    if (room(1)) p_[pos_++] = v;
  }
  void u16(uint16_t v) {
    if (!room(2)) return;
    p_[pos_++] = static_cast<uint8_t>(v >> 8);
    p_[pos_++] = static_cast<uint8_t>(v);
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(const void* src, size_t n) {
    if (!room(n)) return;
    if (n) std::memcpy(p_ + pos_, src, n);
    pos_ += n;
  }
  void set16(size_t at, uint16_t v) {
    if (!ok_ || at + 2 > pos_) return;
    p_[at] = static_cast<uint8_t>(v >> 8);
    p_[at + 1] = static_cast<uint8_t>(v);
  }

 private:
  bool room(size_t n) {
    if (ok_ && cap_ - pos_ >= n) return true;
    ok_ = false;
    return false;
  }
  uint8_t* p_;
  size_t cap_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// NOTIMP and FORMERR: the header alone (QDCOUNT 0), ID, opcode and RD copied.
AnswerResult header_only(std::span<const uint8_t> m, std::span<uint8_t> out, Rcode rcode) {
  std::memset(out.data(), 0, kHeaderSize);
  out[0] = m[0];
  out[1] = m[1];
  out[2] = static_cast<uint8_t>(0x80 | (m[2] & 0x79));
  out[3] = static_cast<uint8_t>(rcode);
  AnswerResult r;
  r.size = kHeaderSize;
  r.rcode = rcode;
  return r;
}

// One decimal octet label of a reversed IPv4 name: 0..255, no leading zeros (RFC 5782 2.1).
bool octet_label(const uint8_t* l, uint8_t& v) {
  const size_t n = l[0];
  if (n < 1 || n > 3) return false;
  unsigned x = 0;
  for (size_t i = 1; i <= n; ++i) {
    if (l[i] < '0' || l[i] > '9') return false;
    x = x * 10 + (l[i] - '0');
  }
  if (n > 1 && l[1] == '0') return false;
  if (x > 255) return false;
  v = static_cast<uint8_t>(x);
  return true;
}

// One hex nibble label of a reversed IPv6 name (RFC 5782 2.4), either case.
bool nibble_label(const uint8_t* l, uint8_t& v) {
  if (l[0] != 1) return false;
  const uint8_t c = l[1];
  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  else
    return false;
  return true;
}

enum class NameShape { kAddress, kPartial, kOther };

// The labels in front of the zone as an address: 4 octets (IPv4) or 32 nibbles (IPv6),
// reversed. Fewer labels that could still grow into an address are an empty non-terminal.
NameShape reversed_address(const uint8_t* m, const Query& q, int prefix, core::IpAddress& ip) {
  bool octets = prefix <= 4, nibbles = prefix <= 32;
  for (int k = 0; k < prefix && (octets || nibbles); ++k) {
    const uint8_t* l = m + q.labels[k];
    uint8_t v = 0;
    if (octets) {
      if (octet_label(l, v)) {
        if (prefix == 4) ip.bytes[3 - k] = v;
      } else {
        octets = false;
      }
    }
    if (nibbles) {
      if (nibble_label(l, v)) {
        if (prefix == 32) {
          const int n = 31 - k;  // nibble index in the address, high nibble of byte 0 first
          ip.bytes[n / 2] |= (n % 2) ? v : static_cast<uint8_t>(v << 4);
        }
      } else {
        nibbles = false;
      }
    }
  }
  if (prefix == 4 && octets) {
    ip.v6 = false;
    std::memset(ip.bytes.data() + 4, 0, 12);
    return NameShape::kAddress;
  }
  if (prefix == 32 && nibbles) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {  // ::ffff:a.b.c.d is IPv4
      std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
      std::memset(ip.bytes.data() + 4, 0, 12);
      ip.v6 = false;
    } else {
      ip.v6 = true;
    }
    return NameShape::kAddress;
  }
  if ((prefix < 4 && octets) || (prefix < 32 && nibbles)) return NameShape::kPartial;
  return NameShape::kOther;
}

bool is_loopback_test(const core::IpAddress& ip, uint8_t last) {
  return !ip.v6 && ip.bytes[0] == 127 && ip.bytes[1] == 0 && ip.bytes[2] == 0 &&
         ip.bytes[3] == last;
}

// The labels in front of the domain allowlist zone as a lower-case dotted name; 0 when a
// label holds anything but letters, digits, '-' and '_'.
size_t domain_text(const uint8_t* m, const Query& q, int prefix, char* buf) {
  size_t n = 0;
  for (int k = 0; k < prefix; ++k) {
    const uint8_t* l = m + q.labels[k];
    if (k) buf[n++] = '.';
    for (size_t i = 1; i <= l[0]; ++i) {
      const char c = core::ascii_lower(static_cast<char>(l[i]));
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return 0;
      buf[n++] = c;
    }
  }
  return n;
}

enum class Record : uint8_t { kNone, kA, kTxt, kSoa, kNs };

struct Plan {
  Rcode rcode = Rcode::kNoError;
  bool aa = true;
  Record record = Record::kNone;
  uint8_t a_last = 2;  // 127.0.0.a_last
  std::string_view text;
  uint32_t ttl = 0;
  bool soa_authority = false;
  const Zone* zone = nullptr;
  size_t apex = 0;  // message offset of the zone apex inside the question name
};

void negative(Plan& p, Rcode rcode) {
  p.rcode = rcode;
  p.record = Record::kNone;
  p.soa_authority = true;
}

// What a listed name answers for each type: A (and ANY, RFC 8482: one RRset, not all of them),
// TXT where the zone has a text, NODATA otherwise.
void listed(Plan& p, uint16_t qtype, bool has_txt) {
  if (qtype == rrtype::kA || qtype == rrtype::kAny)
    p.record = Record::kA;
  else if (qtype == rrtype::kTxt && has_txt)
    p.record = Record::kTxt;
  else
    negative(p, Rcode::kNoError);
}

void write_relative(Writer& w, const ApexRelativeName& n, size_t apex) {
  w.bytes(n.head.data(), n.head.size());
  if (n.tail >= 0) w.u16(static_cast<uint16_t>(0xC000 | (apex + static_cast<size_t>(n.tail))));
}

void rr_start(Writer& w, size_t owner, uint16_t type, uint32_t ttl) {
  w.u16(static_cast<uint16_t>(0xC000 | owner));
  w.u16(type);
  w.u16(kClassIn);
  w.u32(ttl);
}

void write_soa(Writer& w, const Plan& p, const ZonesConfig& c, uint32_t ttl) {
  rr_start(w, p.apex, rrtype::kSoa, ttl);
  const size_t len_at = w.pos();
  w.u16(0);
  write_relative(w, p.zone->mname, p.apex);
  write_relative(w, p.zone->rname, p.apex);
  w.u32(c.serial);
  w.u32(c.refresh);
  w.u32(c.retry);
  w.u32(c.expire);
  w.u32(c.minimum);
  w.set16(len_at, static_cast<uint16_t>(w.pos() - len_at - 2));
}

// Writes the whole response; false when it did not fit in w.
bool write_response(Writer& w, std::span<const uint8_t> m, const Query& q, const Plan& p,
                    const ZonesConfig& c, bool full) {
  const bool tc = !full;
  uint16_t an = 0, ns = 0;
  w.u16(get16(&m[0]));
  w.u8(static_cast<uint8_t>(0x80 | (p.aa ? 0x04 : 0) | (tc ? 0x02 : 0) | (m[2] & 0x01)));
  w.u8(static_cast<uint8_t>((m[3] & 0x10) | (static_cast<uint16_t>(p.rcode) & 0x0F)));
  w.u16(1);
  const size_t counts_at = w.pos();
  w.u16(0);
  w.u16(0);
  w.u16(q.edns ? 1 : 0);
  w.bytes(&m[kHeaderSize], q.question_end - kHeaderSize);  // as asked: case kept (0x20)
  if (full) {
    switch (p.record) {
      case Record::kNone:
        break;
      case Record::kA:
        rr_start(w, kHeaderSize, rrtype::kA, p.ttl);
        w.u16(4);
        w.u8(127);
        w.u8(0);
        w.u8(0);
        w.u8(p.a_last);
        an = 1;
        break;
      case Record::kTxt: {
        // RFC 1035 3.3.14: character-strings of at most 255 octets each, at least one.
        const size_t chunks = p.text.empty() ? 1 : (p.text.size() + 254) / 255;
        rr_start(w, kHeaderSize, rrtype::kTxt, p.ttl);
        w.u16(static_cast<uint16_t>(p.text.size() + chunks));
        for (size_t i = 0; i < chunks; ++i) {
          const std::string_view part = p.text.substr(i * 255, 255);
          w.u8(static_cast<uint8_t>(part.size()));
          w.bytes(part.data(), part.size());
        }
        an = 1;
        break;
      }
      case Record::kSoa:
        write_soa(w, p, c, c.soa_ttl);
        an = 1;
        break;
      case Record::kNs:
        for (const auto& n : p.zone->ns) {
          rr_start(w, p.apex, rrtype::kNs, c.soa_ttl);
          const size_t len_at = w.pos();
          w.u16(0);
          write_relative(w, n, p.apex);
          w.set16(len_at, static_cast<uint16_t>(w.pos() - len_at - 2));
          ++an;
        }
        break;
    }
    if (p.soa_authority) {
      write_soa(w, p, c, std::min(c.soa_ttl, c.minimum));  // RFC 2308 3
      ns = 1;
    }
  }
  if (q.edns) {  // RFC 6891 6.1.2-6.1.3: our payload size, extended RCODE, version 0, DO copied
    w.u8(0);
    w.u16(rrtype::kOpt);
    w.u16(c.udp_size);
    w.u32((uint32_t{static_cast<uint16_t>(p.rcode)} >> 4) << 24 | (q.edns_do ? 0x8000u : 0u));
    w.u16(0);
  }
  w.set16(counts_at, an);
  w.set16(counts_at + 2, ns);
  return w.ok();
}

}  // namespace

AnswerResult answer(std::span<const uint8_t> m, std::span<uint8_t> out, bool tcp,
                    const ZoneData& data, const Zones& zones, int64_t now) {
  AnswerResult r;
  if (m.size() < kHeaderSize || out.size() < kHeaderSize) return r;
  if (m[2] & 0x80) return r;  // QR: a response; answering it could start a loop
  if (((m[2] >> 3) & 0x0F) != 0) return header_only(m, out, Rcode::kNotImp);  // only QUERY
  if (get16(&m[4]) != 1) return header_only(m, out, Rcode::kFormErr);

  Query q;
  if (!parse_qname(m, q) || q.qname_end + 4 > m.size()) return header_only(m, out, Rcode::kFormErr);
  q.qtype = get16(&m[q.qname_end]);
  q.qclass = get16(&m[q.qname_end + 2]);
  q.question_end = q.qname_end + 4;
  if (!parse_records(m, q)) return header_only(m, out, Rcode::kFormErr);

  const ZonesConfig& c = zones.config();
  size_t limit = kMaxMessage;
  if (!tcp) {
    limit = kPlainUdpSize;
    if (q.edns) limit = std::clamp<size_t>(q.edns_size, kPlainUdpSize, c.udp_size);
  }
  limit = std::min(limit, out.size());

  Plan p;
  char text_buf[kMaxTxtText];
  if (q.edns && q.edns_version > 0) {  // RFC 6891 6.1.3
    p.rcode = Rcode::kBadVers;
    p.aa = false;
  } else {
    int prefix = 0;
    for (const Zone& z : zones.zones()) {
      if (z.labels > q.nlabels) continue;
      const int k = q.nlabels - z.labels;
      const size_t start = q.labels[k];
      if (q.qname_end - start != z.wire.size()) continue;
      bool same = true;
      for (size_t i = 0; i < z.wire.size() && same; ++i)
        same = core::ascii_lower(static_cast<char>(m[start + i])) == z.wire[i];
      if (!same) continue;
      p.zone = &z;
      p.apex = start;
      prefix = k;
      break;
    }
    if (!p.zone || (q.qclass != kClassIn && q.qclass != kClassAny) || q.qtype == rrtype::kAxfr ||
        q.qtype == rrtype::kIxfr) {
      p.rcode = Rcode::kRefused;  // not ours, not class IN, or a zone transfer
      p.aa = false;
    } else if (prefix == 0) {
      if (q.qtype == rrtype::kSoa || q.qtype == rrtype::kAny)
        p.record = Record::kSoa;
      else if (q.qtype == rrtype::kNs)
        p.record = Record::kNs;
      else
        negative(p, Rcode::kNoError);
    } else if (p.zone->kind == ZoneKind::kAllowDomain) {
      char name[256];
      const size_t n = domain_text(m.data(), q, prefix, name);
      const std::string_view d(name, n);
      p.ttl = c.ttl;
      // RFC 5782 5: a domain list holds TEST and never holds INVALID.
      const bool ok = n > 0 && d != "invalid" && (d == "test" || data.allowed_domain(d, now));
      if (ok)
        listed(p, q.qtype, false);
      else
        negative(p, Rcode::kNxDomain);
    } else {
      core::IpAddress ip;
      switch (reversed_address(m.data(), q, prefix, ip)) {
        case NameShape::kOther:
          negative(p, Rcode::kNxDomain);
          break;
        case NameShape::kPartial:  // an empty non-terminal: names exist below it
          negative(p, Rcode::kNoError);
          break;
        case NameShape::kAddress: {
          p.ttl = c.ttl;
          // RFC 5782 5: 127.0.0.2 (and ::ffff:127.0.0.2) always listed, 127.0.0.1 never.
          if (is_loopback_test(ip, 1)) {
            negative(p, Rcode::kNxDomain);
          } else if (p.zone->kind == ZoneKind::kAllowIp) {
            if (is_loopback_test(ip, 2) || data.allowed_ip(ip, now))
              listed(p, q.qtype, false);
            else
              negative(p, Rcode::kNxDomain);
          } else {
            std::optional<Listing> l;
            if (is_loopback_test(ip, 2)) {
              l = Listing{2, kTestText, 0};
            } else {
              const bool want_text = q.qtype == rrtype::kTxt;
              l = data.blocked(ip, now, want_text ? std::span<char>(text_buf) : std::span<char>());
            }
            if (!l) {
              negative(p, Rcode::kNxDomain);
              break;
            }
            p.a_last = l->code < 2 ? 2 : l->code;
            p.text = l->text.substr(0, kMaxTxtText);
            if (l->expires > 0) {
              const int64_t left = l->expires - now;
              p.ttl = static_cast<uint32_t>(std::clamp<int64_t>(left, 0, c.ttl));
            }
            listed(p, q.qtype, true);
          }
          break;
        }
      }
    }
  }

  Writer w(out.data(), limit);
  if (!write_response(w, m, q, p, c, true)) {
    // RFC 2181 9: set TC and leave the records out; the client asks again over TCP.
    w = Writer(out.data(), limit);
    if (!write_response(w, m, q, p, c, false)) {
      r = header_only(m, out, p.rcode == Rcode::kBadVers ? Rcode::kFormErr : p.rcode);
      out[2] |= 0x02;
      r.truncated = true;
      return r;
    }
    r.truncated = true;
  }
  r.size = w.pos();
  r.rcode = p.rcode;
  r.nodata = p.rcode == Rcode::kNoError && !r.truncated && p.record == Record::kNone;
  return r;
}

}  // namespace backstop::dns
