// The incremental parser of Postfix policy delegation requests (SMTPD_POLICY_README): lines
// "name=value" ending in LF, a request ending with an empty line. Sans-IO: the caller feeds
// what the socket gave, in any split, and pulls complete requests. The peer is normally
// Postfix's smtpd, but anything that can connect to the port can send bytes, so every limit
// is enforced and every violation is final: the server then closes the connection without
// a reply (what SMTPD_POLICY_README asks of a policy server in trouble).
//
// Choices, documented in docs/milter-protocol.md: a CR before the LF is dropped (for testing
// by hand); the name is everything before the first '=' and must be [a-z0-9_]+; the value is
// the rest, may be empty and may contain '='; NUL or a CR inside a line is an error; a name
// given twice in one request keeps the last value; an empty line before any attribute is an
// error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "postfix_policy/request.h"

namespace backstop::postfix_policy {

struct ParserLimits {
  // Octets in a line without its line end. Postfix limits SMTP command lines to 2048
  // (line_length_limit) and names to 255, so an attribute that big is never Postfix's.
  size_t max_line = 4096;
  // Attribute lines in one request, duplicates included. Postfix 3.7 sends about 30.
  size_t max_attributes = 100;
};

enum class ParseError : uint8_t {
  kNone,
  kLineTooLong,
  kTooManyAttributes,
  kMissingEquals,  // a line without '='
  kBadName,        // empty, or not [a-z0-9_]
  kBadOctet,       // NUL, or CR inside a line
  kEmptyRequest,   // an empty line with no attribute before it
};
std::string_view to_string(ParseError error);

class Parser {
 public:
  enum class Status : uint8_t {
    kNeedMore,  // no complete request buffered
    kRequest,   // one request moved into the out argument
    kError,     // see error(); close the connection
  };

  explicit Parser(ParserLimits limits = {}) : limits_(limits) {}

  // Appends bytes (ignored after an error). An unterminated line over the limit fails here,
  // without waiting for its end.
  void feed(std::string_view bytes);

  // Parses buffered lines up to the end of the next request. Call until kNeedMore before
  // feeding again; the buffer then holds at most one unfinished line plus the last feed.
  Status next(Request& out);

  bool failed() const { return error_ != ParseError::kNone; }
  ParseError error() const { return error_; }
  size_t buffered() const { return buffer_.size() - start_; }
  // Attribute lines of the request being read (not yet complete).
  size_t pending_attributes() const { return pending_lines_; }

 private:
  void fail(ParseError e);
  bool parse_line(std::string_view line);

  ParserLimits limits_;
  std::string buffer_;
  size_t start_ = 0;     // first unconsumed octet
  size_t scan_ = 0;      // no LF in [start_, scan_)
  size_t tail_len_ = 0;  // octets after the last LF in buffer_
  Request pending_;
  size_t pending_lines_ = 0;
  ParseError error_ = ParseError::kNone;
};

}  // namespace backstop::postfix_policy
