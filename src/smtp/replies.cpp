// The standard SMTP replies and their wire format; see replies.h for the RFC of each.
// sanitize() is the one gate for reply text that did not originate here.
#include "smtp/replies.h"

#include <algorithm>
#include <string>

namespace backstop::smtp::replies {
namespace {

core::Reply make(int code, std::string enhanced, std::string text) {
  return core::Reply{code, std::move(enhanced), std::move(text)};
}

std::string cat(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + b.size());
  s.append(a);
  s.append(b);
  return s;
}

// RFC 3463 2: status-code = class "." subject "." detail; class 2/4/5, subject and detail are
// 1 to 3 digits without leading zeros (we accept leading zeros: harmless).
bool valid_enhanced(std::string_view e) {
  if (e.size() < 5 || (e[0] != '2' && e[0] != '4' && e[0] != '5') || e[1] != '.') return false;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t digits = 0;
    while (i < e.size() && e[i] >= '0' && e[i] <= '9') ++i, ++digits;
    if (digits == 0 || digits > 3) return false;
    if (part == 0) {
      if (i >= e.size() || e[i] != '.') return false;
      ++i;
    }
  }
  return i == e.size();
}

}  // namespace

core::Reply greeting(std::string_view host) {
  return make(220, "", cat(host, " ESMTP backstop"));
}
core::Reply closing(std::string_view host) {
  return make(221, "2.0.0", cat(host, " closing connection"));
}
core::Reply timeout(std::string_view host) {
  return make(421, "4.4.2", cat(host, " Error: timeout exceeded, closing connection"));
}
core::Reply too_many_errors(std::string_view host) {
  return make(421, "4.7.0", cat(host, " Error: too many errors, closing connection"));
}
core::Reply input_overflow(std::string_view host) {
  return make(421, "4.7.0", cat(host, " Error: too much pipelined input, closing connection"));
}
core::Reply no_service() {
  return make(503, "5.5.1", "Error: no SMTP service here");
}

core::Reply ok() {
  return make(250, "2.0.0", "OK");
}
core::Reply sender_ok() {
  return make(250, "2.1.0", "Sender OK");
}
core::Reply recipient_ok() {
  return make(250, "2.1.5", "Recipient OK");
}
core::Reply start_data() {
  return make(354, "", "End data with <CR><LF>.<CR><LF>");
}
core::Reply cannot_vrfy() {
  return make(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}
core::Reply help() {
  return make(214, "2.0.0",
              "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS; see RFC 5321");
}
core::Reply start_tls() {
  return make(220, "2.0.0", "Ready to start TLS");
}
core::Reply helo(std::string_view host) {
  return make(250, "", std::string(host));
}

std::vector<std::string> ehlo_lines(std::string_view host, size_t max_size, bool starttls) {
  std::vector<std::string> lines;
  lines.reserve(7);
  lines.emplace_back(host);
  lines.emplace_back("PIPELINING");
  lines.push_back("SIZE " + std::to_string(max_size));
  lines.emplace_back("8BITMIME");
  lines.emplace_back("SMTPUTF8");
  if (starttls) lines.emplace_back("STARTTLS");
  lines.emplace_back("ENHANCEDSTATUSCODES");
  return lines;
}

core::Reply invalid_characters() {
  return make(500, "5.5.2", "Error: invalid character in command");
}
core::Reply unrecognized() {
  return make(500, "5.5.1", "Error: command not recognized");
}
core::Reply not_implemented() {
  return make(502, "5.5.1", "Error: command not implemented");
}
core::Reply expn_disabled() {
  return make(502, "5.5.1", "Error: EXPN is disabled");
}
core::Reply bad_sequence(std::string_view why) {
  return make(503, "5.5.1", cat("Error: ", why));
}
core::Reply syntax(std::string_view why) {
  return make(501, "5.5.2", cat("Syntax: ", why));
}
core::Reply bad_args(std::string_view why) {
  return make(501, "5.5.4", cat("Error: ", why));
}
core::Reply bad_sender(std::string_view why) {
  return make(501, "5.1.7", cat("Bad sender address syntax: ", why));
}
core::Reply bad_recipient(std::string_view why) {
  return make(501, "5.1.3", cat("Bad recipient address syntax: ", why));
}
core::Reply unknown_param(std::string_view keyword) {
  return make(555, "5.5.4", cat("Unsupported parameter ", keyword));
}
core::Reply line_too_long() {
  return make(500, "5.5.2", "Error: line too long");
}
core::Reply data_line_too_long() {
  return make(554, "5.6.0", "Error: message has a line too long");
}
core::Reply message_too_big() {
  return make(552, "5.3.4", "Error: message size exceeds fixed maximum message size");
}
core::Reply too_many_recipients() {
  return make(452, "4.5.3", "Error: too many recipients");
}
core::Reply no_valid_recipients() {
  return make(554, "5.5.1", "Error: no valid recipients");
}
core::Reply utf8_required() {
  return make(553, "5.6.7", "Error: non-ASCII address needs the SMTPUTF8 parameter");
}
core::Reply storage_failed() {
  return make(451, "4.3.0", "Error: local error in processing, try again later");
}
core::Reply tls_already_active() {
  return make(503, "5.5.1", "Error: TLS already active");
}

core::Reply sanitize(const core::Reply& r, int min_code, int max_code, int fallback_code,
                     std::string_view default_detail) {
  core::Reply out;
  out.code = (r.code >= min_code && r.code <= max_code) ? r.code : fallback_code;
  const char cls = static_cast<char>('0' + out.code / 100);
  if (valid_enhanced(r.enhanced)) {
    out.enhanced = r.enhanced;
    out.enhanced[0] = cls;  // RFC 3463 2: the class must agree with the reply code
  } else {
    out.enhanced = std::string(1, cls) + "." + std::string(default_detail);
  }
  // RFC 5321 4.2 textstring = 1*(%d09 / %d32-126); never a CR or LF that would end the line.
  const size_t room = kMaxReplyLine - 4 - (out.enhanced.empty() ? 0 : out.enhanced.size() + 1) - 2;
  out.text.reserve(std::min(r.text.size(), room));
  for (char c : r.text) {
    if (out.text.size() >= room) break;
    const auto u = static_cast<unsigned char>(c);
    out.text.push_back((u < 0x20 && c != '\t') || u >= 0x7f ? ' ' : c);
  }
  while (!out.text.empty() && (out.text.back() == ' ' || out.text.back() == '\t'))
    out.text.pop_back();
  if (out.text.empty())
    out.text = out.code < 400 ? "OK" : out.code < 500 ? "Try again later" : "Rejected";
  return out;
}

core::Reply refusal(const core::Verdict& v) {
  if (v.action == core::Action::kTempfail) return sanitize(v.reply, 400, 499, 451, "7.1");
  return sanitize(v.reply, 500, 599, 550, "7.1");
}

void format(const core::Reply& r, std::string& out) {
  out.append(std::to_string(r.code));
  out.push_back(' ');
  if (!r.enhanced.empty()) {
    out.append(r.enhanced);
    out.push_back(' ');
  }
  out.append(r.text);
  out.append("\r\n");
}

void format_lines(int code, std::string_view enhanced, const std::vector<std::string>& lines,
                  std::string& out) {
  const std::string c = std::to_string(code);
  for (size_t i = 0; i < lines.size(); ++i) {
    out.append(c);
    out.push_back(i + 1 < lines.size() ? '-' : ' ');
    if (!enhanced.empty()) {
      out.append(enhanced);
      out.push_back(' ');
    }
    out.append(lines[i]);
    out.append("\r\n");
  }
}

}  // namespace backstop::smtp::replies
