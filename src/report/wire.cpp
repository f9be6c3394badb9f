// Report packets; see wire.h and docs/report-protocol.md. All integers are big-endian.
#include "report/wire.h"

#include <openssl/rand.h>

#include "core/hmac.h"

namespace backstop::report {

namespace {

constexpr char kMagic[3] = {'B', 'S', 'R'};
constexpr size_t kFixedHeader = 3 + 1 + 1 + 1 + 8 + 16 + 1;  // without key id and node

std::nullopt_t fail(std::string* error, const char* message) {
  if (error) *error = message;
  return std::nullopt;
}

bool host_bits_clear(const core::IpAddress& a, int prefix) {
  const int bytes = a.v6 ? 16 : 4;
  for (int i = 0; i < bytes; ++i) {
    const int bit0 = i * 8;
    uint8_t host_mask = 0xff;
    if (bit0 + 8 <= prefix)
      host_mask = 0;
    else if (bit0 < prefix)
      host_mask = static_cast<uint8_t>(0xff >> (prefix - bit0));
    if (a.bytes[i] & host_mask) return false;
  }
  return true;
}

const char* check_entry(const ReportEntry& e) {
  if (e.prefix < 0 || e.prefix > (e.address.v6 ? 128 : 32)) return "prefix length out of range";
  if (!host_bits_clear(e.address, e.prefix)) return "host bits set below the prefix length";
  if (!is_token(e.reason, kMaxReason)) return "reason is not a token of at most 32 bytes";
  return nullptr;
}

const char* check_header(const Report& r) {
  if (!is_token(r.key_id, kMaxKeyId)) return "key id is not a token of at most 32 bytes";
  if (!is_token(r.node, kMaxNode)) return "node id is not a token of at most 64 bytes";
  return nullptr;
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// A cursor over untrusted bytes: every read checks what is left.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool byte(uint8_t* v) {
    if (pos_ >= data_.size()) return false;
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool bytes(size_t n, std::string_view* v) {
    if (n > data_.size() - pos_) return false;
    *v = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t left() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

size_t entry_size(const ReportEntry& e) {
  return 1 + 1 + (e.address.v6 ? 16 : 4) + 1 + e.reason.size();
}

size_t packet_size(const Report& r) {
  size_t n = kFixedHeader + r.key_id.size() + r.node.size() + kMacSize;
  for (const ReportEntry& e : r.entries) n += entry_size(e);
  return n;
}

std::optional<std::string> encode_report(const Report& r, std::string_view secret,
                                         std::string* error) {
  if (const char* e = check_header(r)) return fail(error, e);
  if (r.entries.empty()) return fail(error, "no entries");
  if (r.entries.size() > kMaxEntries) return fail(error, "more than 255 entries");
  for (const ReportEntry& e : r.entries)
    if (const char* m = check_entry(e)) return fail(error, m);
  if (packet_size(r) > kMaxPacket) return fail(error, "packet larger than 1232 bytes");
  std::string out(kMagic, sizeof kMagic);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(r.key_id.size()));
  out += r.key_id;
  out.push_back(static_cast<char>(r.node.size()));
  out += r.node;
  put_u64(out, static_cast<uint64_t>(r.timestamp));
  out.append(reinterpret_cast<const char*>(r.nonce.data()), r.nonce.size());
  out.push_back(static_cast<char>(r.entries.size()));
  for (const ReportEntry& e : r.entries) {
    out.push_back(e.address.v6 ? 6 : 4);
    out.push_back(static_cast<char>(e.prefix));
    out.append(reinterpret_cast<const char*>(e.address.bytes.data()), e.address.v6 ? 16 : 4);
    out.push_back(static_cast<char>(e.reason.size()));
    out += e.reason;
  }
  const auto mac = core::hmac_sha256(secret, out);
  out.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  return out;
}

std::optional<Nonce> random_nonce() {
  Nonce n;
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1) return std::nullopt;
  return n;
}

std::vector<std::string> encode_reports(const ReportKey& key, std::string_view node,
                                        int64_t timestamp, const std::vector<ReportEntry>& entries,
                                        const NonceSource& nonces, std::string* error) {
  std::vector<std::string> packets;
  auto failed = [&](const char* message) {
    if (error) *error = message;
    return std::vector<std::string>{};
  };
  if (entries.empty()) return failed("no entries");
  Report r;
  r.key_id = key.id;
  r.node = std::string(node);
  r.timestamp = timestamp;
  if (const char* e = check_header(r)) return failed(e);
  const size_t header = packet_size(r);  // with no entries: header and MAC
  size_t i = 0;
  while (i < entries.size()) {
    r.entries.clear();
    size_t size = header;
    while (i < entries.size() && r.entries.size() < kMaxEntries &&
           size + entry_size(entries[i]) <= kMaxPacket) {
      if (const char* e = check_entry(entries[i])) return failed(e);
      size += entry_size(entries[i]);
      r.entries.push_back(entries[i++]);
    }
    if (r.entries.empty()) {  // cannot happen with valid tokens; guards the loop all the same
      return failed("an entry does not fit in a packet");
    }
    const std::optional<Nonce> n = nonces ? nonces() : random_nonce();
    if (!n) return failed("no random nonce available");
    r.nonce = *n;
    auto packet = encode_report(r, key.secret, error);
    if (!packet) return {};
    packets.push_back(std::move(*packet));
  }
  return packets;
}

std::optional<DecodedPacket> decode_report(std::string_view packet, std::string* error) {
  if (packet.size() > kMaxPacket) return fail(error, "packet larger than 1232 bytes");
  if (packet.size() < kFixedHeader + 2 + kMacSize) return fail(error, "packet too short");
  DecodedPacket d;
  d.signed_bytes = packet.substr(0, packet.size() - kMacSize);
  d.mac = packet.substr(packet.size() - kMacSize);
  Reader in(d.signed_bytes);
  std::string_view magic, v;
  uint8_t version = 0, len = 0;
  if (!in.bytes(3, &magic) || magic != std::string_view(kMagic, 3)) return fail(error, "bad magic");
  if (!in.byte(&version) || version != kVersion) return fail(error, "unknown version");
  if (!in.byte(&len) || !in.bytes(len, &v) || !is_token(v, kMaxKeyId))
    return fail(error, "bad key id");
  d.report.key_id = std::string(v);
  if (!in.byte(&len) || !in.bytes(len, &v) || !is_token(v, kMaxNode))
    return fail(error, "bad node id");
  d.report.node = std::string(v);
  if (!in.bytes(8, &v)) return fail(error, "truncated timestamp");
  uint64_t ts = 0;
  for (char c : v) ts = (ts << 8) | static_cast<uint8_t>(c);
  d.report.timestamp = static_cast<int64_t>(ts);
  if (!in.bytes(16, &v)) return fail(error, "truncated nonce");
  for (size_t i = 0; i < 16; ++i) d.report.nonce[i] = static_cast<uint8_t>(v[i]);
  uint8_t count = 0;
  if (!in.byte(&count) || count == 0) return fail(error, "no entries");
  d.report.entries.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    ReportEntry e;
    uint8_t family = 0, prefix = 0;
    if (!in.byte(&family) || (family != 4 && family != 6)) return fail(error, "bad family");
    e.address.v6 = family == 6;
    if (!in.byte(&prefix)) return fail(error, "truncated entry");
    e.prefix = prefix;
    if (!in.bytes(e.address.v6 ? 16 : 4, &v)) return fail(error, "truncated address");
    for (size_t b = 0; b < v.size(); ++b) e.address.bytes[b] = static_cast<uint8_t>(v[b]);
    if (!in.byte(&len) || !in.bytes(len, &v)) return fail(error, "truncated reason");
    e.reason = std::string(v);
    if (const char* m = check_entry(e)) return fail(error, m);
    d.report.entries.push_back(std::move(e));
  }
  if (in.left() != 0) return fail(error, "bytes after the last entry");
  return d;
}

}  // namespace backstop::report
