// Reading the answers the resolver gets back for its own questions (PTR, A, AAAA): the records
// of the asked type in the answer section and how long they may be cached (RFC 1035 4.1, RFC
// 2308 for negative answers). Pure; the response comes from the network and is trusted for
// nothing: every offset is bounds-checked and compression pointers may only point backwards.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ip.h"

namespace backstop::dns {

enum class RecordType : uint16_t { kA = 1, kPtr = 12, kAaaa = 28 };

struct ResponseRecords {
  int rcode = 0;                           // 0 NOERROR, 3 NXDOMAIN, ...
  std::vector<std::string> names;          // PTR targets: lower case, no trailing dot
  std::vector<core::IpAddress> addresses;  // A or AAAA
  // How long the answer may be cached: the smallest TTL of the records kept, or for an answer
  // without records (NXDOMAIN, NODATA) min(SOA TTL, SOA MINIMUM) from the authority section;
  // nullopt when the response says neither.
  std::optional<uint32_t> ttl;
};

// At most this many records of the type are kept (a PTR set of thousands is an attack).
inline constexpr size_t kMaxResponseRecords = 32;

// Parses a response to a question of type `type`. nullopt when the message is malformed or is
// not a response.
std::optional<ResponseRecords> parse_response(std::span<const uint8_t> msg, RecordType type);

}  // namespace backstop::dns
