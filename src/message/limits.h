// Hard limits on how much of an untrusted message is looked at. A message past a limit is
// read up to it; nothing fails. Each limit has a unit test (tests/unit/classify/limits_test.cpp).
#pragma once

#include <cstddef>

namespace backstop::message {

struct Limits {
  size_t max_message_bytes = 32u << 20;  // bytes of one message that are parsed
  int max_depth = 12;                    // MIME nesting (multiparts and attached messages)
  int max_parts = 200;                   // MIME parts in all
  int max_headers = 1000;                // header fields kept per header block
  size_t max_line = 64u << 10;           // bytes of one header value kept
  size_t max_part_text = 1u << 20;       // decoded bytes of one part that are looked at
};

}  // namespace backstop::message
