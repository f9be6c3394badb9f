// Recovers the original message that a bounce, auto-reply or notice answers: from an attached
// message/rfc822 or text/rfc822-headers part, else from headers quoted inline in the text.
// Everything read here is untrusted and may be forged by whoever sent the original.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "message/mime.h"

namespace backstop::message {

// One hop of a Received chain (RFC 5321 4.4), as far as it could be read.
struct Hop {
  std::string from_host;
  std::string from_ip;
  std::string by_host;
  bool operator==(const Hop&) const = default;
};

struct Original {
  bool found = false;         // an original (headers at least) was recovered
  bool headers_only = false;  // only its headers were quoted
  std::string message_id;     // without angle brackets
  std::string from;
  std::string to;
  std::string subject;
  std::string date;
  std::string return_path;    // envelope sender when quoted
  std::vector<Hop> received;  // as the headers stand: newest first, the oldest last
  std::string origin_ip;      // see origin_ip() below
  std::vector<std::string> urls;  // host names advertised in the original body
};

Original recover_original(const ParsedMessage& msg, const Limits& limits = {});

// The standard reading of a Received chain for the origin: walking from the oldest hop to the
// newest, the first connecting address that is a public Internet address is where the message
// entered the Internet, i.e. the first hop outside the sender's own (private) relays. Hops with
// no address or a special-purpose one (RFC 6890) are the sender's internal relays.
std::string origin_ip(const std::vector<Hop>& received_newest_first);

// Host names of URLs (http, https, ftp, www.) in text, lower-case, distinct, at most max.
std::vector<std::string> find_url_hosts(std::string_view text, size_t max = 32);

// The Message-ID inside a field value, without angle brackets.
std::string extract_message_id(std::string_view value);

}  // namespace backstop::message
