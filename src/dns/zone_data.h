// The DNS server's view of the lists: what the reputation layer answers for one IP address or
// domain name at one moment. The DNS codec (answer.h) asks; the lead's adapter over the
// reputation store implements it. Called from the DNS server's thread for every query.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/ip.h"

namespace backstop::dns {

// One blocklist entry as published: A 127.0.0.code and a TXT text.
struct Listing {
  // The last octet of the A record (127.0.0.code). Codes 0 and 1 are answered as 2: 127.0.0.1
  // is the "never listed" address of RFC 5782 section 5 and 127.0.0.0 is not an answer.
  uint8_t code = 2;
  // The TXT record, e.g. "backscatter-source, expires 2026-11-25T10:00:00Z". It must stay valid
  // until the call that produced it returns to the codec: it may point into the caller's
  // text buffer (see ZoneData::blocked) or into storage the ZoneData keeps.
  std::string_view text;
  // Unix seconds when the entry ends; 0 = no end. Answers never carry a TTL beyond it.
  int64_t expires = 0;
};

class ZoneData {
 public:
  virtual ~ZoneData() = default;
  // The blocklist zone. text_buf is scratch space the implementation may write the TXT text
  // into (Listing::text then points into it); it is empty when the question does not need the
  // text (an A query), so the text need not be built. IPv4 addresses arrive as IPv4 (v6=false),
  // IPv4-mapped IPv6 names included. The RFC 5782 test addresses 127.0.0.1 and 127.0.0.2 are
  // answered by the codec and never asked.
  virtual std::optional<Listing> blocked(const core::IpAddress& ip, int64_t now,
                                         std::span<char> text_buf) const = 0;
  // The IP allowlist zone (answered A 127.0.0.2). Same address rules as blocked().
  virtual bool allowed_ip(const core::IpAddress& ip, int64_t now) const = 0;
  // The domain allowlist zone: name is the lower-case dotted name asked about, without the
  // zone ("mail.example.com"), of letters, digits, '-' and '_' only. Wildcards
  // ("*.outgoing.example.com") are the implementation's business. The RFC 5782 test names
  // "test" and "invalid" are answered by the codec and never asked.
  virtual bool allowed_domain(std::string_view name, int64_t now) const = 0;
};

}  // namespace backstop::dns
