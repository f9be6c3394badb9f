// IP addresses (IPv4 and IPv6) as values: parsing, printing, and the special-purpose ranges
// (RFC 6890) that never identify a mail client on the Internet. Pure; input untrusted.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace backstop::core {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
  bool operator==(const IpAddress&) const = default;
  std::string str() const;
};

// Parses dotted-quad IPv4 or RFC 4291 IPv6 text ("IPv6:" prefix and brackets allowed).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) come back as IPv4.
std::optional<IpAddress> parse_ip(std::string_view text);

// Loopback, private, link-local, shared, documentation, multicast and reserved ranges.
bool is_special_purpose(const IpAddress& ip);

// First IP literal in text (in brackets, parentheses or bare), or nullopt.
std::optional<IpAddress> find_ip(std::string_view text);

}  // namespace backstop::core
