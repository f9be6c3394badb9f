// SMTP client pieces; see client.h.
#include "smtp/client.h"

#include <cctype>

#include "core/text.h"

namespace backstop::smtp {

bool ReplyReader::feed(std::string_view bytes) {
  if (ready_ || error_) return ready_;
  buf_.append(bytes);
  if (buf_.size() > kMaxReplyBytes) {
    error_ = true;
    return false;
  }
  return parse_lines();
}

bool ReplyReader::parse_lines() {
  // RFC 5321 4.2.1: "ddd-text" continues, "ddd text" (or "ddd") ends the reply.
  size_t pos = 0;
  while (true) {
    size_t nl = buf_.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string line = buf_.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = nl + 1;
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2])) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      error_ = true;
      return false;
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!lines_.empty() && code != code_) {
      error_ = true;
      return false;
    }
    code_ = code;
    lines_.push_back(line.size() > 4 ? line.substr(4) : std::string());
    if (line.size() == 3 || line[3] == ' ') {
      ready_ = true;
      buf_.erase(0, pos);
      return true;
    }
  }
  buf_.erase(0, pos);
  return false;
}

core::Reply ReplyReader::take() {
  core::Reply r;
  r.code = code_;
  std::string text;
  for (const auto& l : lines_) text += (text.empty() ? "" : " ") + l;
  // An enhanced status code leads the text (RFC 2034).
  std::string_view t = text;
  size_t sp = t.find(' ');
  std::string_view first = t.substr(0, sp);
  if (first.size() >= 5 && first.size() <= 11 && first[1] == '.' &&
      (first[0] == '2' || first[0] == '4' || first[0] == '5')) {
    r.enhanced = std::string(first);
    r.text = sp == std::string_view::npos ? "" : std::string(t.substr(sp + 1));
  } else {
    r.text = text;
  }
  // Keep what arrived after the reply (pipelined replies) for the next one.
  std::string rest = std::move(buf_);
  *this = ReplyReader();
  if (!rest.empty()) feed(rest);
  return r;
}

std::vector<std::string> ehlo_keywords(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    std::string kw(l.substr(0, l.find(' ')));
    for (auto& c : kw) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back(kw);
  }
  return out;
}

std::string mail_command(const std::optional<core::Address>& sender, std::string_view params) {
  std::string cmd = "MAIL FROM:<" + (sender ? sender->str() : std::string()) + ">";
  if (!params.empty()) {
    cmd += ' ';
    cmd += params;
  }
  cmd += "\r\n";
  return cmd;
}

std::string rcpt_command(const core::Address& rcpt) { return "RCPT TO:<" + rcpt.str() + ">\r\n"; }

void DotStuffer::encode(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size() + 16);
  for (char c : in) {
    if (at_line_start_ && c == '.') out.push_back('.');  // RFC 5321 4.5.2
    out.push_back(c);
    at_line_start_ = c == '\n';
    last_ = c;
  }
}

std::string DotStuffer::finish() { return at_line_start_ ? ".\r\n" : "\r\n.\r\n"; }

}  // namespace backstop::smtp
