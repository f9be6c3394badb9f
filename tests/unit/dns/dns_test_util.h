// Test helpers for the DNS codec: builds query messages by hand (case kept, for 0x20 tests)
// and parses response messages independently of the codec, following compression pointers
// with a loop guard, so tests can check every field.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/zone_data.h"

namespace backstop::dns::testing {

// Wire form of a dotted name, case kept, no checks (tests build malformed names by hand).
inline std::vector<uint8_t> wire_name(const std::string& text) {
  std::vector<uint8_t> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string::npos) dot = text.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), text.begin() + static_cast<long>(start),
               text.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

struct QueryBuilder {
  uint16_t id = 0xBEEF;
  uint8_t flags2 = 0x01;  // RD
  uint8_t flags3 = 0x00;
  uint16_t qdcount = 1;
  std::string qname = "2.0.0.127.bl.example.org";
  std::vector<uint8_t> raw_qname;  // used instead of qname when not empty
  uint16_t qtype = 1;
  uint16_t qclass = 1;
  bool edns = false;
  uint16_t edns_size = 4096;
  uint8_t edns_version = 0;
  bool edns_do = false;

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> m = {static_cast<uint8_t>(id >> 8),
                              static_cast<uint8_t>(id),
                              flags2,
                              flags3,
                              static_cast<uint8_t>(qdcount >> 8),
                              static_cast<uint8_t>(qdcount),
                              0,
                              0,
                              0,
                              0,
                              0,
                              static_cast<uint8_t>(edns ? 1 : 0)};
    auto n = raw_qname.empty() ? wire_name(qname) : raw_qname;
    m.insert(m.end(), n.begin(), n.end());
    m.push_back(static_cast<uint8_t>(qtype >> 8));
    m.push_back(static_cast<uint8_t>(qtype));
    m.push_back(static_cast<uint8_t>(qclass >> 8));
    m.push_back(static_cast<uint8_t>(qclass));
    if (edns) {
      const uint8_t opt[] = {0,
                             0,
                             41,
                             static_cast<uint8_t>(edns_size >> 8),
                             static_cast<uint8_t>(edns_size),
                             0,
                             edns_version,
                             static_cast<uint8_t>(edns_do ? 0x80 : 0),
                             0,
                             0,
                             0};
      m.insert(m.end(), std::begin(opt), std::end(opt));
    }
    return m;
  }
};

struct Rr {
  std::string name;
  uint16_t owner_raw = 0;  // the first two octets of the owner as written (0xC00C: pointer to 12)
  uint16_t type = 0;
  uint16_t cls = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
  size_t rdata_offset = 0;  // in the message
};

struct Response {
  std::vector<uint8_t> bytes;
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, z = false, ad = false,
       cd = false;
  uint8_t opcode = 0, rcode = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::vector<uint8_t> question;  // raw question section
  std::vector<Rr> an, ns, ar;

  const Rr* opt() const {
    for (const auto& r : ar)
      if (r.type == 41) return &r;
    return nullptr;
  }
};

// Reads a (possibly compressed) name at pos as lower-case-preserving dotted text.
inline std::optional<std::string> read_name(const std::vector<uint8_t>& m, size_t& pos) {
  std::string out;
  size_t p = pos;
  bool jumped = false;
  int hops = 0;
  while (true) {
    if (p >= m.size()) return std::nullopt;
    const uint8_t len = m[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 2 > m.size() || ++hops > 64) return std::nullopt;
      const size_t target = size_t(len & 0x3F) << 8 | m[p + 1];
      if (target >= p) return std::nullopt;  // pointers only go backwards
      if (!jumped) pos = p + 2;
      jumped = true;
      p = target;
      continue;
    }
    if (len & 0xC0) return std::nullopt;
    ++p;
    if (len == 0) break;
    if (p + len > m.size()) return std::nullopt;
    if (!out.empty()) out += '.';
    out.append(m.begin() + static_cast<long>(p), m.begin() + static_cast<long>(p + len));
    p += len;
    if (out.size() > 255) return std::nullopt;
  }
  if (!jumped) pos = p;
  return out;
}

inline std::optional<Response> parse_response(std::span<const uint8_t> bytes) {
  Response r;
  r.bytes.assign(bytes.begin(), bytes.end());
  const auto& m = r.bytes;
  if (m.size() < 12) return std::nullopt;
  auto g16 = [&](size_t p) { return static_cast<uint16_t>(m[p] << 8 | m[p + 1]); };
  r.id = g16(0);
  r.qr = m[2] & 0x80;
  r.opcode = (m[2] >> 3) & 0x0F;
  r.aa = m[2] & 0x04;
  r.tc = m[2] & 0x02;
  r.rd = m[2] & 0x01;
  r.ra = m[3] & 0x80;
  r.z = m[3] & 0x40;
  r.ad = m[3] & 0x20;
  r.cd = m[3] & 0x10;
  r.rcode = m[3] & 0x0F;
  r.qdcount = g16(4);
  r.ancount = g16(6);
  r.nscount = g16(8);
  r.arcount = g16(10);
  size_t pos = 12;
  for (int i = 0; i < r.qdcount; ++i) {
    const size_t start = pos;
    if (!read_name(m, pos) || pos + 4 > m.size()) return std::nullopt;
    pos += 4;
    r.question.insert(r.question.end(), m.begin() + static_cast<long>(start),
                      m.begin() + static_cast<long>(pos));
  }
  auto section = [&](int count, std::vector<Rr>& out) {
    for (int i = 0; i < count; ++i) {
      Rr rr;
      if (pos + 2 > m.size()) return false;
      rr.owner_raw = g16(pos);
      auto name = read_name(m, pos);
      if (!name || pos + 10 > m.size()) return false;
      rr.name = *name;
      rr.type = g16(pos);
      rr.cls = g16(pos + 2);
      rr.ttl = uint32_t(g16(pos + 4)) << 16 | g16(pos + 6);
      const size_t len = g16(pos + 8);
      pos += 10;
      if (pos + len > m.size()) return false;
      rr.rdata_offset = pos;
      rr.rdata.assign(m.begin() + static_cast<long>(pos), m.begin() + static_cast<long>(pos + len));
      pos += len;
      out.push_back(std::move(rr));
    }
    return true;
  };
  if (!section(r.ancount, r.an) || !section(r.nscount, r.ns) || !section(r.arcount, r.ar))
    return std::nullopt;
  if (pos != m.size()) return std::nullopt;  // no trailing bytes
  return r;
}

struct Soa {
  std::string mname, rname;
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

inline std::optional<Soa> parse_soa(const Response& r, const Rr& rr) {
  Soa s;
  size_t pos = rr.rdata_offset;
  auto mname = read_name(r.bytes, pos);
  if (!mname) return std::nullopt;
  auto rname = read_name(r.bytes, pos);
  if (!rname || pos + 20 != rr.rdata_offset + rr.rdata.size()) return std::nullopt;
  auto g32 = [&](size_t p) {
    return uint32_t(r.bytes[p]) << 24 | uint32_t(r.bytes[p + 1]) << 16 |
           uint32_t(r.bytes[p + 2]) << 8 | r.bytes[p + 3];
  };
  s.mname = *mname;
  s.rname = *rname;
  s.serial = g32(pos);
  s.refresh = g32(pos + 4);
  s.retry = g32(pos + 8);
  s.expire = g32(pos + 12);
  s.minimum = g32(pos + 16);
  return s;
}

// TXT RDATA as its character-strings.
inline std::optional<std::vector<std::string>> txt_strings(const Rr& rr) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p < rr.rdata.size()) {
    const size_t n = rr.rdata[p];
    if (p + 1 + n > rr.rdata.size()) return std::nullopt;
    out.emplace_back(rr.rdata.begin() + static_cast<long>(p + 1),
                     rr.rdata.begin() + static_cast<long>(p + 1 + n));
    p += 1 + n;
  }
  return out;
}

// A ZoneData from maps, recording what it was asked.
class FakeZoneData : public ZoneData {
 public:
  struct Entry {
    uint8_t code = 2;
    std::string text;
    int64_t expires = 0;
    bool use_buffer = false;  // write the text into the caller's buffer
  };
  std::map<std::string, Entry> blocked_ips;  // by IpAddress::str()
  std::set<std::string> allowed_ips;
  std::set<std::string> allowed_domains;
  mutable std::vector<std::string> asked;  // "b:IP", "a:IP", "d:NAME"
  mutable size_t last_text_buf = 0;

  std::optional<Listing> blocked(const core::IpAddress& ip, int64_t now,
                                 std::span<char> text_buf) const override {
    asked.push_back("b:" + ip.str() + (ip.v6 ? "/6" : "/4"));
    last_text_buf = text_buf.size();
    auto it = blocked_ips.find(ip.str());
    if (it == blocked_ips.end()) return std::nullopt;
    Listing l;
    l.code = it->second.code;
    l.expires = it->second.expires;
    if (it->second.use_buffer) {
      const size_t n = std::min(text_buf.size(), it->second.text.size());
      std::copy_n(it->second.text.data(), n, text_buf.data());
      l.text = std::string_view(text_buf.data(), n);
    } else {
      l.text = it->second.text;
    }
    return l;
  }
  bool allowed_ip(const core::IpAddress& ip, int64_t) const override {
    asked.push_back("a:" + ip.str() + (ip.v6 ? "/6" : "/4"));
    return allowed_ips.count(ip.str()) > 0;
  }
  bool allowed_domain(std::string_view name, int64_t) const override {
    asked.push_back("d:" + std::string(name));
    return allowed_domains.count(std::string(name)) > 0;
  }
};

}  // namespace backstop::dns::testing
