// The drill's sink session; see sink.h. RFC 5321 4.1.1 commands, 4.5.2 dot-stuffing.
#include "drill/sink.h"

#include "core/text.h"

namespace backstop::drill {

std::string SinkSession::greeting() {
  return "220 drill-sink ESMTP\r\n";
}

bool SinkSession::feed(std::string_view bytes, std::string& out, std::vector<Arrival>& arrivals) {
  size_t pos = 0;
  while (pos < bytes.size() && state_ != State::kClosed) {
    size_t nl = bytes.find('\n', pos);
    std::string_view piece =
        bytes.substr(pos, nl == std::string_view::npos ? bytes.npos : nl - pos);
    pos = nl == std::string_view::npos ? bytes.size() : nl + 1;
    if (!cut_) {
      size_t room = kMaxLine - std::min(kMaxLine, partial_.size());
      if (piece.size() > room) {
        partial_.append(piece.substr(0, room));
        cut_ = true;
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) break;  // the line goes on in the next read
    std::string_view l = partial_;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (cut_ && state_ == State::kCommand) {
      out += "500 5.5.2 Line too long\r\n";
    } else {
      line(l, out, arrivals);
    }
    partial_.clear();
    cut_ = false;
  }
  return state_ != State::kClosed;
}

void SinkSession::line(std::string_view l, std::string& out, std::vector<Arrival>& arrivals) {
  if (state_ == State::kData)
    data_line(l, out, arrivals);
  else
    command(l, out);
}

void SinkSession::command(std::string_view l, std::string& out) {
  std::string_view verb = l.substr(0, l.find(' '));
  if (core::iequals(verb, "EHLO")) {
    out += "250-drill-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE\r\n";
  } else if (core::iequals(verb, "HELO")) {
    out += "250 drill-sink\r\n";
  } else if (core::iequals(verb, "MAIL")) {
    mail_ = true;
    rcpt_ = false;
    out += "250 2.1.0 Ok\r\n";
  } else if (core::iequals(verb, "RCPT")) {
    if (!mail_) {
      out += "503 5.5.1 Error: need MAIL command\r\n";
      return;
    }
    rcpt_ = true;
    out += "250 2.1.5 Ok\r\n";
  } else if (core::iequals(verb, "DATA")) {
    if (!rcpt_) {
      out += "503 5.5.1 Error: need RCPT command\r\n";
      return;
    }
    state_ = State::kData;
    in_header_ = true;
    header_lines_ = 0;
    current_ = {};
    out += "354 End data with <CR><LF>.<CR><LF>\r\n";
  } else if (core::iequals(verb, "RSET")) {
    mail_ = rcpt_ = false;
    out += "250 2.0.0 Ok\r\n";
  } else if (core::iequals(verb, "NOOP")) {
    out += "250 2.0.0 Ok\r\n";
  } else if (core::iequals(verb, "QUIT")) {
    out += "221 2.0.0 Bye\r\n";
    state_ = State::kClosed;
  } else {
    out += "502 5.5.2 Error: command not recognized\r\n";
  }
}

void SinkSession::data_line(std::string_view l, std::string& out, std::vector<Arrival>& arrivals) {
  if (l == ".") {
    ++messages_;
    arrivals.push_back(std::move(current_));
    current_ = {};
    state_ = State::kCommand;
    mail_ = rcpt_ = false;
    out += "250 2.0.0 Ok: queued as D" + std::to_string(messages_) + "\r\n";
    return;
  }
  if (!in_header_) return;
  if (l.empty() || ++header_lines_ > kMaxHeaderLines) {
    in_header_ = false;
    return;
  }
  if (l.front() == '.') l.remove_prefix(1);  // RFC 5321 4.5.2: a stuffed dot
  auto take = [&](std::string_view name, std::string& into) {
    if (into.empty() && core::istarts_with(l, name) && l.size() > name.size() &&
        l[name.size()] == ':')
      into = std::string(core::trim(l.substr(name.size() + 1)).substr(0, 128));
  };
  take("X-Drill-Class", current_.cls);
  take("X-Drill-Id", current_.id);
}

}  // namespace backstop::drill
