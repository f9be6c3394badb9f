// Reads Received fields (RFC 5321 4.4 "Trace Information") as real MTAs write them: Postfix,
// Sendmail, Exim, qmail, Exchange and others. Values are untrusted and often forged; callers
// decide what to believe (see original.h for the origin reading).
#pragma once

#include <string>
#include <string_view>

namespace backstop::message {

struct ReceivedHop {
  std::string from_host;  // HELO name or reverse DNS name of the sending side
  std::string from_ip;    // the connecting address, canonical text form
  std::string by_host;    // the receiving host
};

ReceivedHop parse_received(std::string_view value);

}  // namespace backstop::message
