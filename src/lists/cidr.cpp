// CIDR values for the lists; see cidr.h.
#include "lists/cidr.h"

#include <algorithm>
#include <cstring>

namespace backstop::lists {

namespace {

bool valid_cidr_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
         c == ':';
}

void clear_host_bits(core::IpAddress& ip, int prefix) {
  const int bytes = ip.v6 ? 16 : 4;
  for (int i = 0; i < bytes; ++i) {
    const int bit0 = i * 8;
    if (bit0 >= prefix) {
      ip.bytes[i] = 0;
    } else if (bit0 + 8 > prefix) {
      ip.bytes[i] &= static_cast<uint8_t>(0xff00 >> (prefix - bit0));
    }
  }
}

std::nullopt_t fail(std::string* error, const char* message) {
  if (error) *error = message;
  return std::nullopt;
}

}  // namespace

bool Cidr::contains(const core::IpAddress& ip) const {
  if (ip.v6 != address.v6) return false;
  core::IpAddress masked = ip;
  clear_host_bits(masked, prefix);
  return masked == address;
}

std::string Cidr::str() const {
  std::string s = address.str();
  if (prefix != max_prefix()) {
    s += '/';
    s += std::to_string(prefix);
  }
  return s;
}

std::strong_ordering Cidr::operator<=>(const Cidr& other) const {
  if (address.v6 != other.address.v6)
    return address.v6 ? std::strong_ordering::greater : std::strong_ordering::less;
  const int c = std::memcmp(address.bytes.data(), other.address.bytes.data(), 16);
  if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  return prefix <=> other.prefix;
}

Cidr network_of(const core::IpAddress& ip, int prefix) {
  Cidr c;
  c.address = ip;
  c.prefix = std::clamp(prefix, 0, ip.v6 ? 128 : 32);
  if (!ip.v6) std::fill(c.address.bytes.begin() + 4, c.address.bytes.end(), 0);
  clear_host_bits(c.address, c.prefix);
  return c;
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  if (text.empty()) return fail(error, "empty network");
  if (text.size() > 64) return fail(error, "network too long");
  const size_t slash = text.find('/');
  std::string_view addr_text = text.substr(0, slash);
  for (char c : addr_text)
    if (!valid_cidr_char(c)) return fail(error, "not an IP address or CIDR network");
  auto ip = core::parse_ip(addr_text);
  if (!ip) return fail(error, "not an IP address");
  const bool text_v6 = addr_text.find(':') != std::string_view::npos;
  int prefix = text_v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return fail(error, "bad prefix length");
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return fail(error, "bad prefix length");
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > (text_v6 ? 128 : 32)) return fail(error, "prefix length out of range");
  }
  if (text_v6 && !ip->v6) {  // IPv4-mapped: the low 32 bits are the IPv4 address
    if (prefix < 96) return fail(error, "IPv4-mapped network shorter than /96");
    prefix -= 96;
  }
  Cidr c = network_of(*ip, prefix);
  if (c.address != *ip) return fail(error, "host bits set below the prefix length");
  return c;
}

Cidr greylist_network(const core::IpAddress& ip, GreylistPrefixes prefixes) {
  return network_of(ip, ip.v6 ? prefixes.v6 : prefixes.v4);
}

}  // namespace backstop::lists
