// Header fields (RFC 5322 2.2) as an ordered list, and a parser for header blocks that appear as
// plain text: text/rfc822-headers parts and originals quoted inline in legacy bounces.
// Input is untrusted: the parser never reads past the view and stops at the configured limits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::message {

struct Header {
  std::string name;
  std::string value;  // unfolded (CRLF + WSP joined to one space), trimmed, not decoded
};

class Headers {
 public:
  void add(std::string name, std::string value);
  void reserve(size_t n) { fields_.reserve(n); }
  // First field of that name (case-insensitive), or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  std::string_view get_or_empty(std::string_view name) const;
  std::vector<std::string_view> all(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<Header>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Header> fields_;
};

struct HeaderBlock {
  Headers headers;
  size_t body_offset = 0;  // where the body starts in the input (after the blank line)
  bool complete = false;   // a blank line ended the block
};

// Parses a header block from the start of text. Lines that are not fields end the block,
// except a leading "From " mbox line, which is skipped. At most max_headers fields are kept.
HeaderBlock parse_header_block(std::string_view text, size_t max_headers = 1000);

// Finds, anywhere in text, the longest run of header-looking lines that includes at least one of
// the fields that identify a message (Received, Message-ID, From, Subject, Date, To), and parses
// it. Used for originals quoted inline. Returns nullopt if there is none.
std::optional<HeaderBlock> find_header_block(std::string_view text, size_t max_headers = 1000);

// Decodes RFC 2047 encoded words in a header value (for display; invalid words are kept).
std::string decode_words(std::string_view value);

}  // namespace backstop::message
