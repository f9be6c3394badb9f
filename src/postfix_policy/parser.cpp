// Postfix policy request parsing; see parser.h for the grammar and the choices made.
#include "postfix_policy/parser.h"

#include <algorithm>

namespace backstop::postfix_policy {
namespace {

bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::kNone:
      return "none";
    case ParseError::kLineTooLong:
      return "line too long";
    case ParseError::kTooManyAttributes:
      return "too many attributes";
    case ParseError::kMissingEquals:
      return "line without '='";
    case ParseError::kBadName:
      return "bad attribute name";
    case ParseError::kBadOctet:
      return "NUL or CR in a line";
    case ParseError::kEmptyRequest:
      return "empty request";
  }
  return "unknown";
}

void Parser::fail(ParseError e) {
  error_ = e;
  buffer_.clear();
  start_ = 0;
  scan_ = 0;
  tail_len_ = 0;
  pending_.clear();
  pending_lines_ = 0;
}

void Parser::feed(std::string_view bytes) {
  if (failed() || bytes.empty()) return;
  if (start_ > 0 && (start_ == buffer_.size() || start_ >= buffer_.size() / 2)) {
    buffer_.erase(0, start_);
    scan_ = scan_ > start_ ? scan_ - start_ : 0;
    start_ = 0;
  }
  buffer_.append(bytes);
  const size_t lf = bytes.rfind('\n');
  tail_len_ = lf == std::string_view::npos ? tail_len_ + bytes.size() : bytes.size() - lf - 1;
  if (tail_len_ > limits_.max_line + 1) fail(ParseError::kLineTooLong);  // +1: a CR may follow
}

bool Parser::parse_line(std::string_view line) {
  if (line.size() > limits_.max_line) {
    fail(ParseError::kLineTooLong);
    return false;
  }
  if (line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
    fail(ParseError::kBadOctet);
    return false;
  }
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos) {
    fail(ParseError::kMissingEquals);
    return false;
  }
  const std::string_view name = line.substr(0, eq);
  if (name.empty()) {
    fail(ParseError::kBadName);
    return false;
  }
  for (char c : name) {
    if (!valid_name_char(c)) {
      fail(ParseError::kBadName);
      return false;
    }
  }
  if (++pending_lines_ > limits_.max_attributes) {
    fail(ParseError::kTooManyAttributes);
    return false;
  }
  pending_.set(std::string(name), std::string(line.substr(eq + 1)));
  return true;
}

Parser::Status Parser::next(Request& out) {
  while (!failed()) {
    // Searching from scan_ keeps byte-by-byte feeding linear in a long line.
    const size_t lf = buffer_.find('\n', std::max(start_, scan_));
    if (lf == std::string::npos) {
      scan_ = buffer_.size();
      return Status::kNeedMore;
    }
    std::string_view line = std::string_view(buffer_).substr(start_, lf - start_);
    start_ = lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (pending_lines_ == 0) {
        fail(ParseError::kEmptyRequest);
        break;
      }
      out = std::move(pending_);
      pending_.clear();
      pending_lines_ = 0;
      if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
        scan_ = 0;
      }
      return Status::kRequest;
    }
    if (!parse_line(line)) break;
  }
  return Status::kError;
}

}  // namespace backstop::postfix_policy
