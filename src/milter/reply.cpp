// Milter reply encoders; see reply.h. Layouts follow libmilter's smfi_* functions as Postfix's
// milter8.c reads them (docs/milter-protocol.md has the table).
#include "milter/reply.h"

#include "milter/wire.h"

namespace backstop::milter {
namespace {

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool has_control(std::string_view s) {
  for (char c : s)
    if (is_control(c)) return true;
  return false;
}

// RFC 5322 2.2 field name: printable ASCII but ':'.
bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') return false;
  }
  return true;
}

// Folding only as "\n" + WSP (libmilter's smfi_addheader rule); tabs allowed; nothing else
// below 0x20.
bool valid_header_value(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\n') {
      if (i + 1 >= value.size() || (value[i + 1] != ' ' && value[i + 1] != '\t')) return false;
      continue;
    }
    if (c == '\t') continue;
    if (is_control(c)) return false;
  }
  return true;
}

bool valid_address(std::string_view a) {
  return !a.empty() && !has_control(a);
}

std::string header_packet(char code, const uint32_t* index, std::string_view name,
                          std::string_view value) {
  std::string data;
  if (index) put_u32(data, *index);
  put_cstring(data, name);
  put_cstring(data, value);
  return make_packet(code, data);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 3463 2: class "." subject "." detail, subject and detail 1-3 digits.
bool valid_enhanced(std::string_view e, char klass) {
  if (e.size() < 5 || e[0] != klass || e[1] != '.') return false;
  size_t pos = 2;
  for (int part = 0; part < 2; ++part) {
    size_t digits = 0;
    while (pos < e.size() && is_digit(e[pos])) ++pos, ++digits;
    if (digits < 1 || digits > 3) return false;
    if (part == 0) {
      if (pos >= e.size() || e[pos] != '.') return false;
      ++pos;
    }
  }
  return pos == e.size();
}

// Appends one sanitized text line, stopping before max octets; never splits a "%%" pair or
// a UTF-8 sequence.
void append_text(std::string& out, std::string_view text, size_t max) {
  const size_t limit = out.size() + max;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (out.size() + 2 > limit) break;
      out.append("%%");
      continue;
    }
    if (out.size() + 1 > limit) {
      // Cut inside a UTF-8 sequence: drop its lead and continuation octets already written.
      if ((static_cast<unsigned char>(c) & 0xc0) == 0x80) {
        while ((static_cast<unsigned char>(out.back()) & 0xc0) == 0x80) out.pop_back();
        if (static_cast<unsigned char>(out.back()) >= 0xc0) out.pop_back();
      }
      break;
    }
    out.push_back(is_control(c) ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
}

}  // namespace

std::string encode_continue() {
  return make_packet(SMFIR_CONTINUE, {});
}
std::string encode_accept() {
  return make_packet(SMFIR_ACCEPT, {});
}
std::string encode_reject() {
  return make_packet(SMFIR_REJECT, {});
}
std::string encode_tempfail() {
  return make_packet(SMFIR_TEMPFAIL, {});
}
std::string encode_discard() {
  return make_packet(SMFIR_DISCARD, {});
}
std::string encode_progress() {
  return make_packet(SMFIR_PROGRESS, {});
}
std::string encode_skip() {
  return make_packet(SMFIR_SKIP, {});
}
std::string encode_shutdown() {
  return make_packet(SMFIR_SHUTDOWN, {});
}
std::string encode_conn_fail() {
  return make_packet(SMFIR_CONN_FAIL, {});
}

std::optional<std::string> format_reply_text(int code, std::string_view enhanced,
                                             const std::vector<std::string>& lines) {
  if (code < 400 || code > 599) return std::nullopt;
  const std::string code_text = std::to_string(code);
  std::string enh(enhanced);
  if (enh.empty()) enh = std::string(1, code_text[0]) + ".0.0";
  if (!valid_enhanced(enh, code_text[0])) return std::nullopt;

  const size_t n = lines.empty() ? 1 : std::min(lines.size(), kMaxReplyLines);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out.append("\r\n");
    const size_t line_start = out.size();
    out.append(code_text);
    out.push_back(i + 1 < n ? '-' : ' ');
    out.append(enh);
    const std::string_view text = lines.empty() ? std::string_view() : lines[i];
    if (!text.empty()) {
      out.push_back(' ');
      const size_t used = out.size() - line_start;
      append_text(out, text, kMaxReplyLine - used);
      // append_text trims trailing spaces, which may include the separator: fine.
    }
  }
  return out;
}

std::optional<std::string> encode_replycode(int code, std::string_view enhanced,
                                            const std::vector<std::string>& lines) {
  auto text = format_reply_text(code, enhanced, lines);
  if (!text) return std::nullopt;
  text->push_back('\0');
  return make_packet(SMFIR_REPLYCODE, *text);
}

std::optional<std::string> encode_replycode(int code, std::string_view enhanced,
                                            std::string_view text) {
  return encode_replycode(code, enhanced, std::vector<std::string>{std::string(text)});
}

std::optional<std::string> encode_replycode(const core::Reply& reply) {
  return encode_replycode(reply.code, reply.enhanced, reply.text);
}

std::optional<std::string> encode_addheader(std::string_view name, std::string_view value) {
  if (!valid_header_name(name) || !valid_header_value(value)) return std::nullopt;
  return header_packet(SMFIR_ADDHEADER, nullptr, name, value);
}

std::optional<std::string> encode_insheader(uint32_t index, std::string_view name,
                                            std::string_view value) {
  if (!valid_header_name(name) || !valid_header_value(value)) return std::nullopt;
  return header_packet(SMFIR_INSHEADER, &index, name, value);
}

std::optional<std::string> encode_chgheader(uint32_t index, std::string_view name,
                                            std::string_view value) {
  if (!valid_header_name(name) || !valid_header_value(value)) return std::nullopt;
  return header_packet(SMFIR_CHGHEADER, &index, name, value);
}

namespace {
std::optional<std::string> address_packet(char code, std::string_view address,
                                          std::string_view args, bool with_args) {
  if (!valid_address(address) || has_control(args)) return std::nullopt;
  std::string data;
  put_cstring(data, address);
  if (with_args && !args.empty()) put_cstring(data, args);
  return make_packet(code, data);
}
}  // namespace

std::optional<std::string> encode_chgfrom(std::string_view address, std::string_view esmtp_args) {
  return address_packet(SMFIR_CHGFROM, address, esmtp_args, true);
}
std::optional<std::string> encode_addrcpt(std::string_view address) {
  return address_packet(SMFIR_ADDRCPT, address, {}, false);
}
std::optional<std::string> encode_addrcpt_par(std::string_view address,
                                              std::string_view esmtp_args) {
  return address_packet(SMFIR_ADDRCPT_PAR, address, esmtp_args, true);
}
std::optional<std::string> encode_delrcpt(std::string_view address) {
  return address_packet(SMFIR_DELRCPT, address, {}, false);
}

std::optional<std::string> encode_quarantine(std::string_view reason) {
  if (reason.empty() || has_control(reason)) return std::nullopt;
  std::string data;
  put_cstring(data, reason);
  return make_packet(SMFIR_QUARANTINE, data);
}

std::optional<std::string> encode_replbody(std::string_view chunk) {
  if (chunk.size() > kChunkSize) return std::nullopt;
  return make_packet(SMFIR_REPLBODY, chunk);
}

std::optional<std::string> encode_optneg(const OptNeg& reply,
                                         const std::vector<MacroList>& macros) {
  std::string data;
  put_u32(data, reply.version);
  put_u32(data, reply.actions);
  put_u32(data, reply.protocol);
  for (const MacroList& m : macros) {
    if (m.stage > SMFIM_EOH || has_control(m.names)) return std::nullopt;
    put_u32(data, m.stage);
    put_cstring(data, m.names);
  }
  return make_packet(SMFIC_OPTNEG, data);
}

}  // namespace backstop::milter
