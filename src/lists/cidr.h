// Networks (IPv4 /0-/32, IPv6 /0-/128) as values for the lists: parsing and printing CIDR text,
// masking an address to a prefix, and the greylisting network of a client. Pure; input untrusted.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip.h"

namespace backstop::lists {

struct Cidr {
  core::IpAddress address;  // host bits below prefix are always zero
  int prefix = 32;          // 0-32 for IPv4, 0-128 for IPv6

  bool v6() const { return address.v6; }
  int max_prefix() const { return address.v6 ? 128 : 32; }
  // Same family and the first `prefix` bits equal.
  bool contains(const core::IpAddress& ip) const;
  // "192.0.2.0/24", "2001:db8::/32"; a host route (/32, /128) prints as the bare address.
  std::string str() const;
  bool operator==(const Cidr&) const = default;
  // Orders IPv4 before IPv6, then by address, then by prefix: a total order for sorted output.
  std::strong_ordering operator<=>(const Cidr& other) const;
};

// The network of ip with the given prefix (host bits cleared). prefix is clamped to the family's
// range.
Cidr network_of(const core::IpAddress& ip, int prefix);
// A host route: /32 or /128.
inline Cidr host_route(const core::IpAddress& ip) {
  return network_of(ip, ip.v6 ? 128 : 32);
}

// Parses "192.0.2.0/24", "2001:db8::/32", or a bare address (a host route). Only digits, hex
// digits, '.', ':' and one '/' are accepted (no brackets, no "IPv6:" tag, no blanks). Host bits
// set below the prefix are an error (a typo more often than not). An IPv4-mapped IPv6 network
// ("::ffff:192.0.2.0/120") is returned as IPv4 (/24); shorter mapped prefixes are an error.
// *error (if given) says why on failure.
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);

// The network that greylisting treats as one client: senders that retry from another address of
// the same pool (big providers rotate outgoing addresses) still match their first attempt.
struct GreylistPrefixes {
  int v4 = 24;
  int v6 = 64;
};
Cidr greylist_network(const core::IpAddress& ip, GreylistPrefixes prefixes = {});

}  // namespace backstop::lists
