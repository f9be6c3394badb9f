// The client side of SMTP (RFC 5321) as sans-IO pieces for relaying to the downstream MTA:
// a reply reader (multi-line replies, RFC 5321 4.2.1), command formatting, and a dot-stuffing
// encoder for DATA (RFC 5321 4.5.2). Untrusted input: the downstream's replies are bounded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/reply.h"

namespace backstop::smtp {

class ReplyReader {
 public:
  static constexpr size_t kMaxReplyBytes = 64 * 1024;

  // Appends bytes; returns true when a complete reply is available (take() it).
  bool feed(std::string_view bytes);
  bool ready() const { return ready_; }
  // The complete reply: code, enhanced code (when the text starts with one), text of all lines
  // joined by spaces; extensions() lists the EHLO keywords (lines after the first, upper-case).
  core::Reply take();
  const std::vector<std::string>& lines() const { return lines_; }
  bool error() const { return error_; }  // malformed or over-long: close the connection

 private:
  bool parse_lines();
  std::string buf_;
  std::vector<std::string> lines_;
  bool ready_ = false;
  bool error_ = false;
  int code_ = 0;
};

// EHLO keywords of a reply's lines (upper-case, first word of each line after the first).
std::vector<std::string> ehlo_keywords(const std::vector<std::string>& lines);

// "MAIL FROM:<addr> params\r\n" (null sender as "<>"), "RCPT TO:<addr>\r\n".
std::string mail_command(const std::optional<core::Address>& sender, std::string_view params);
std::string rcpt_command(const core::Address& rcpt);

// Dot-stuffs message data that uses CRLF line ends. Keep one per message: it remembers whether
// the next byte starts a line.
class DotStuffer {
 public:
  void encode(std::string_view in, std::string& out);
  // The end-of-data marker, with a CRLF first if the data did not end with one.
  std::string finish();

 private:
  bool at_line_start_ = true;
  char last_ = '\n';
};

}  // namespace backstop::smtp
