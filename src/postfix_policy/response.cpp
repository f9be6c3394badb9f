// Postfix policy replies; see response.h.
#include "postfix_policy/response.h"

namespace backstop::postfix_policy {
namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// Appends text made safe for one reply line, stopping at limit octets of out.
void append_safe(std::string& out, std::string_view text, size_t limit) {
  bool in_break = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    char put = static_cast<char>(c);
    if (c == '\r' || c == '\n') {
      if (in_break) continue;
      in_break = true;
      put = ' ';
    } else {
      in_break = false;
      if (is_control(c)) put = ' ';
    }
    if (out.size() + 1 > limit) {
      if ((c & 0xc0) == 0x80) {  // inside a UTF-8 sequence: drop its written part
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80)
          out.pop_back();
        if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xc0) out.pop_back();
      }
      break;
    }
    out.push_back(put);
  }
}

// RFC 3463 2: class "." subject "." detail (1-3 digits each), the class the code's first digit.
bool valid_enhanced(std::string_view e, char klass) {
  if (e.size() < 5 || e[0] != klass || e[1] != '.') return false;
  size_t pos = 2;
  for (int part = 0; part < 2; ++part) {
    size_t digits = 0;
    while (pos < e.size() && e[pos] >= '0' && e[pos] <= '9') ++pos, ++digits;
    if (digits < 1 || digits > 3) return false;
    if (part == 0) {
      if (pos >= e.size() || e[pos] != '.') return false;
      ++pos;
    }
  }
  return pos == e.size();
}

std::string trimmed(std::string s, size_t keep) {
  while (s.size() > keep && s.back() == ' ') s.pop_back();
  return s;
}

std::string with_text(std::string_view verb, std::string_view text) {
  std::string line = "action=";
  line.append(verb);
  const size_t bare = line.size();
  if (!text.empty()) {
    line.push_back(' ');
    append_safe(line, text, kMaxActionLine);
  }
  return trimmed(std::move(line), bare) + "\n\n";
}

}  // namespace

std::string format_action(std::string_view action) {
  std::string line = "action=";
  append_safe(line, action, kMaxActionLine);
  line = trimmed(std::move(line), 7);
  size_t first = 7;
  while (first < line.size() && line[first] == ' ') ++first;
  line.erase(7, first - 7);
  if (line.size() == 7) line.append("DUNNO");
  return line + "\n\n";
}

std::string ok() {
  return "action=OK\n\n";
}
std::string dunno() {
  return "action=DUNNO\n\n";
}
std::string reject(std::string_view text) {
  return with_text("REJECT", text);
}
std::string defer(std::string_view text) {
  return with_text("DEFER", text);
}
std::string defer_if_permit(std::string_view text) {
  return with_text("DEFER_IF_PERMIT", text);
}
std::string defer_if_reject(std::string_view text) {
  return with_text("DEFER_IF_REJECT", text);
}

std::optional<std::string> reply(const core::Reply& r) {
  if (r.code < 400 || r.code > 599) return std::nullopt;
  std::string verb = std::to_string(r.code);
  if (!r.enhanced.empty()) {
    if (!valid_enhanced(r.enhanced, verb[0])) return std::nullopt;
    verb += " " + r.enhanced;
  }
  return with_text(verb, r.text);
}

std::optional<std::string> prepend(std::string_view name, std::string_view value) {
  if (name.empty()) return std::nullopt;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || ch == ':') return std::nullopt;
  }
  std::string header(name);
  header.push_back(':');
  return with_text("PREPEND " + header, value);
}

}  // namespace backstop::postfix_policy
