// The MIME reader behind parse_message: reads a raw message in place (no object tree) and
// produces the same ParsedMessage as the GMime walk in mime.cpp (parse_message_gmime).
// Input is untrusted; every scan is bounded by the input and by the limits in limits.h.
#pragma once

#include <string_view>

#include "message/limits.h"
#include "message/mime.h"

namespace backstop::message {

// Same result as parse_message_gmime(raw, limits); see fast_mime.cpp for what it mirrors.
ParsedMessage parse_message_fast(std::string_view raw, const Limits& limits = {});

// The part of raw that either reader parses: at most max_message_bytes, and cut before the
// (max_parts+1)-th line starting "Content-Type:". Sets cut when anything was left off.
std::string_view bound_message_input(std::string_view raw, const Limits& limits, bool& cut);

}  // namespace backstop::message
