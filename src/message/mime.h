// Parses a raw message into a flat view that the classifier reads: the top headers, the leaf
// parts with their decoded text, and the messages attached or quoted as MIME parts.
// Input is untrusted; the limits in limits.h bound depth, part count and sizes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "message/headers.h"
#include "message/limits.h"

namespace backstop::message {

struct Part {
  std::string type;      // lower-case "type/subtype"
  std::string filename;  // of an attachment, if named
  std::string text;      // decoded text (UTF-8) of text-like parts; empty for binary ones
  int message_depth = 0;  // 0 for the top message, 1 inside an attached message, ...
};

// A message/rfc822 (or message/global) part, or a text/rfc822-headers part (headers only).
struct AttachedMessage {
  Headers headers;
  bool headers_only = false;
  int depth = 1;
  std::string body_text;  // concatenated text of its own text parts (bounded)
};

struct ParsedMessage {
  Headers headers;
  std::string content_type;  // top level, lower-case "type/subtype"
  std::string report_type;   // report-type parameter of a top-level multipart/report
  std::vector<Part> parts;
  std::vector<AttachedMessage> attached;
  bool limit_reached = false;
  bool parsed = false;  // a message could be read at all (GMime's rules: see fast_mime.cpp)
};

// Must be called once per process before parse_message (idempotent, thread-safe).
void init_mime();
// The reader in fast_mime.cpp: GMime's reading of the message without GMime's object tree.
ParsedMessage parse_message(std::string_view raw, const Limits& limits = {});
// The same view from a full GMime parse: the reference that parse_message is compared with
// (tests/unit/message/fast_mime_test.cpp, bench/classify/mime_equivalence.cpp).
ParsedMessage parse_message_gmime(std::string_view raw, const Limits& limits = {});

// Plain text of an HTML body: tags removed, common entities decoded, whitespace kept.
std::string html_to_text(std::string_view html, size_t max_bytes);

}  // namespace backstop::message
