// Splits mailbox files into messages: mbox (RFC 4155 "From " separated) or one message.
// Pure: works on bytes the caller read; directory and Maildir walking is the caller's.
#pragma once

#include <string_view>
#include <vector>

namespace backstop::message {

// True if data starts like an mbox file ("From " line with a sender and a date).
bool looks_like_mbox(std::string_view data);

// The messages of an mbox, each without its "From " separator line. ">From " quoting
// (mboxrd) is left as is: it does not change classification.
std::vector<std::string_view> split_mbox(std::string_view data);

}  // namespace backstop::message
