// libFuzzer target for the DNS answer path (dns::answer): raw query bytes, or a query built
// from the input around one of the served zones so that the zone logic is reached often, over
// UDP or TCP with output buffers of several sizes, against a ZoneData whose answers follow
// from the address asked. Checks: the response fits the buffer and the transport's limit,
// echoes ID, opcode and question, parses completely (counts, names with backward pointers
// only, no trailing bytes), the test addresses are never asked, and answering is
// deterministic; the resolver's response reader neither crashes on the input nor refuses the
// server's complete answers. Any violation aborts.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "dns/answer.h"
#include "dns/response.h"

namespace {

using namespace backstop;

[[noreturn]] void fail() {
  std::abort();
}

constexpr int64_t kNow = 1795559388;

class Data : public dns::ZoneData {
 public:
  std::optional<dns::Listing> blocked(const core::IpAddress& ip, int64_t now,
                                      std::span<char> text_buf) const override {
    check_ip(ip);
    const auto& b = ip.bytes;
    if (((b[0] ^ b[ip.v6 ? 15 : 3]) & 1) == 0) return std::nullopt;
    dns::Listing l;
    l.code = b[1];
    l.expires = (b[2] & 1) ? now + b[3] - 128 : 0;
    const size_t n = size_t{b[2]} * 5;  // up to 1275: more than the codec keeps
    if (!text_buf.empty() && (b[3] & 1)) {
      const size_t k = std::min(n, text_buf.size());
      std::memset(text_buf.data(), 'T', k);
      l.text = std::string_view(text_buf.data(), k);
    } else {
      static const std::string kLong(2000, 'S');
      l.text = std::string_view(kLong).substr(0, n);
    }
    return l;
  }
  bool allowed_ip(const core::IpAddress& ip, int64_t) const override {
    check_ip(ip);
    return ip.bytes[0] & 2;
  }
  bool allowed_domain(std::string_view name, int64_t) const override {
    if (name.empty() || name.size() > 253 || name == "test" || name == "invalid") fail();
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
      fail();
    for (char c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
        fail();
    return name.size() & 1;
  }

 private:
  static void check_ip(const core::IpAddress& ip) {
    if (!ip.v6 && ip.bytes[0] == 127 && ip.bytes[1] == 0 && ip.bytes[2] == 0 &&
        (ip.bytes[3] == 1 || ip.bytes[3] == 2))
      fail();
    if (!ip.v6)
      for (int i = 4; i < 16; ++i)
        if (ip.bytes[i]) fail();
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (ip.v6 && std::memcmp(ip.bytes.data(), kMapped, 12) == 0) fail();
  }
};

const dns::Zones& zones(bool variant) {
  static const dns::Zones a = [] {
    dns::ZonesConfig c;
    c.block_zone = "bl.example.org";
    c.allow_zone = "wl.example.org";
    c.domain_allow_zone = "dwl.example.org";
    c.ns_hosts = {"ns1.example.org", "ns.bl.example.org", "ns.other.net"};
    c.hostmaster = "hostmaster@example.org";
    return *dns::Zones::make(c, nullptr);
  }();
  static const dns::Zones b = [] {
    dns::ZonesConfig c;
    c.block_zone = "x";
    c.domain_allow_zone = "a.b.c.d.e.f.g";
    c.ns_hosts = {"x"};
    c.hostmaster = "x";
    c.udp_size = 4096;
    return *dns::Zones::make(c, nullptr);
  }();
  return variant ? b : a;
}

void walk_name(const std::vector<uint8_t>& m, size_t& pos) {
  size_t total = 0;
  size_t p = pos;
  bool jumped = false;
  for (int hops = 0;;) {
    if (p >= m.size()) fail();
    const uint8_t len = m[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 2 > m.size() || ++hops > 128) fail();
      const size_t target = size_t{len & 0x3Fu} << 8 | m[p + 1];
      if (target >= p || target < 12) fail();
      if (!jumped) pos = p + 2;
      jumped = true;
      p = target;
      continue;
    }
    if (len & 0xC0) fail();
    total += 1 + size_t{len};
    if (total > 255) fail();
    p += 1 + size_t{len};
    if (len == 0) break;
  }
  if (!jumped) pos = p;
}

void check(const std::vector<uint8_t>& q, const std::vector<uint8_t>& m, bool tcp, size_t out_size,
           uint16_t udp_size) {
  if (m.empty()) return;
  if (m.size() < 12 || m.size() > out_size) fail();
  if (!tcp && m.size() > std::max<size_t>(512, udp_size)) fail();
  if (m[0] != q[0] || m[1] != q[1] || !(m[2] & 0x80)) fail();
  if ((m[2] & 0x78) != (q[2] & 0x78)) fail();  // opcode
  if ((m[2] & 0x01) != (q[2] & 0x01)) fail();  // RD
  if (m[3] & 0xE0) fail();                     // RA, Z, AD never set
  auto g16 = [&](size_t p) { return size_t{m[p]} << 8 | m[p + 1]; };
  const size_t qd = g16(4), an = g16(6), ns = g16(8), ar = g16(10);
  if (qd > 1) fail();
  size_t pos = 12;
  if (qd == 1) {
    walk_name(m, pos);
    pos += 4;
    if (pos > m.size() || pos > q.size()) fail();
    if (std::memcmp(m.data() + 12, q.data() + 12, pos - 12) != 0) fail();  // echoed exactly
  }
  for (size_t i = 0; i < an + ns + ar; ++i) {
    walk_name(m, pos);
    if (pos + 10 > m.size()) fail();
    const size_t rdlen = g16(pos + 8);
    pos += 10 + rdlen;
    if (pos > m.size()) fail();
  }
  if (pos != m.size()) fail();
  if (an > 8 || ns > 1 || ar > 1) fail();
}

void put16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}

// A query around a zone: header bits, labels and type from the input.
std::vector<uint8_t> structured(const uint8_t* d, size_t n) {
  std::vector<uint8_t> m;
  if (n < 6) return m;
  const uint8_t f = d[0];
  m = {0x12, 0x34, static_cast<uint8_t>(d[1] & 0x7F),    d[2], 0, 1, 0, 0, 0,
       0,    0,    static_cast<uint8_t>((f & 1) ? 1 : 0)};
  const uint16_t qtype = static_cast<uint16_t>(d[3] << 8 | d[4]);
  const uint8_t which = d[5];
  d += 6;
  n -= 6;
  // Labels: the input split at '.', each cut to 63 octets; the whole kept within 255 octets.
  size_t total = 0;
  size_t start = 0;
  for (size_t i = 0; i <= n && total < 180; ++i) {
    if (i == n || d[i] == '.') {
      const size_t len = std::min<size_t>(i - start, 63);
      if (len > 0) {
        m.push_back(static_cast<uint8_t>(len));
        m.insert(m.end(), d + start, d + start + len);
        total += len + 1;
      }
      start = i + 1;
    }
  }
  static const char* kZones[] = {"\2bl\7example\3org",    "\2wl\7example\3org",
                                 "\3dwl\7example\3org",   "\1x",
                                 "\1a\1b\1c\1d\1e\1f\1g", ""};
  const char* z = kZones[which % 6];
  m.insert(m.end(), z, z + std::strlen(z));
  m.push_back(0);
  put16(m, qtype);
  put16(m, (f & 2) ? 255 : 1);
  if (f & 1) {
    const uint8_t opt[] = {0,
                           0,
                           41,
                           static_cast<uint8_t>(f & 4 ? 0x10 : 0x01),
                           0,
                           0,
                           static_cast<uint8_t>(f & 8 ? 1 : 0),
                           static_cast<uint8_t>(f & 0x80),
                           0,
                           0,
                           0};
    m.insert(m.end(), std::begin(opt), std::end(opt));
  }
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const bool tcp = mode & 1;
  const bool variant = mode & 2;
  static const size_t kSizes[] = {65535, 512, 100, 12};
  const size_t out_size = kSizes[(mode >> 2) & 3];
  std::vector<uint8_t> q =
      (mode & 16) ? structured(data + 1, size - 1) : std::vector<uint8_t>(data + 1, data + size);
  static Data zone_data;
  const dns::Zones& z = zones(variant);
  std::vector<uint8_t> out(out_size), again(out_size);
  const auto r = dns::answer(q, out, tcp, zone_data, z, kNow);
  if (r.size > out_size) fail();
  out.resize(r.size);
  if (r.size > 0 && q.size() < 12) fail();
  check(q, out, tcp, out_size, z.config().udp_size);
  const auto r2 = dns::answer(q, again, tcp, zone_data, z, kNow);
  again.resize(r2.size);
  if (again != out || r2.rcode != r.rcode || r2.truncated != r.truncated) fail();
  // The resolver's response reader (dns::parse_response) on the same bytes as a response, and
  // on the server's own answer, which it must read when it is complete.
  for (auto type : {dns::RecordType::kA, dns::RecordType::kPtr, dns::RecordType::kAaaa}) {
    auto raw = dns::parse_response(q, type);
    if (raw && raw->names.size() + raw->addresses.size() > dns::kMaxResponseRecords) fail();
    if (raw)
      for (const auto& n : raw->names)
        if (n.size() > 255) fail();
    if (!out.empty() && !r.truncated && !tcp && !dns::parse_response(out, type)) fail();
  }
  return 0;
}
