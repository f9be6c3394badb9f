// SMTP command-line parsing; see command.h. The grammar is RFC 5321 4.1.2, extended for UTF-8
// by RFC 6531 3.3. Input is one untrusted line (already bounded by the session); no allocation
// beyond the parsed values, no exceptions.
#include "smtp/command.h"

#include <limits>

#include "core/text.h"
#include "smtp/replies.h"

namespace backstop::smtp {
namespace {

struct VerbName {
  std::string_view name;
  Verb verb;
};

constexpr VerbName kVerbs[] = {
    {"EHLO", Verb::kEhlo},
    {"HELO", Verb::kHelo},
    {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt},
    {"DATA", Verb::kData},
    {"RSET", Verb::kRset},
    {"NOOP", Verb::kNoop},
    {"QUIT", Verb::kQuit},
    {"VRFY", Verb::kVrfy},
    {"EXPN", Verb::kExpn},
    {"HELP", Verb::kHelp},
    {"STARTTLS", Verb::kStartTls},
    // Known verbs we do not offer (RFC 5321 4.2.4: 502): AUTH (RFC 4954), BDAT (RFC 3030),
    // ETRN (RFC 1985), ATRN (RFC 2645), and RFC 821's TURN, SEND, SOML, SAML (RFC 5321 F.).
    {"AUTH", Verb::kNotImplemented},
    {"BDAT", Verb::kNotImplemented},
    {"ETRN", Verb::kNotImplemented},
    {"ATRN", Verb::kNotImplemented},
    {"TURN", Verb::kNotImplemented},
    {"SEND", Verb::kNotImplemented},
    {"SOML", Verb::kNotImplemented},
    {"SAML", Verb::kNotImplemented},
};

// RFC 5321 4.5.3.1.1 says 64 octets of local part; tagged (BATV, SRS) addresses exceed that in
// practice, so we allow what core::parse_address allows. RFC 5321 4.5.3.1.2: 255 of domain.
constexpr size_t kMaxLocal = 256;
constexpr size_t kMaxDomain = 255;
constexpr size_t kMaxKeywordInReply = 32;

bool is_ws(char c) {
  return c == ' ' || c == '\t';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_8bit(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

// RFC 5322 3.2.3 atext, plus "." (dot-string, read liberally: "a..b" exists in the wild), plus
// UTF8-non-ascii (RFC 6531 3.3).
bool is_atext(char c) {
  if (is_alpha(c) || is_digit(c) || is_8bit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
    case '.':
      return true;
    default:
      return false;
  }
}

std::string_view ltrim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  return s;
}

// RFC 5321 4.1.2: Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str];
// RFC 6531 3.3 adds U-labels (any non-ASCII octet here; IDNA validity is not ours to judge).
// Returns the length of the domain at the start of s, 0 if there is none.
size_t scan_domain(std::string_view s) {
  size_t i = 0;
  while (true) {
    const size_t start = i;
    while (i < s.size() && (is_alpha(s[i]) || is_digit(s[i]) || is_8bit(s[i]) || s[i] == '-')) ++i;
    if (i == start || s[start] == '-' || s[i - 1] == '-') return 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      continue;
    }
    return i;
  }
}

// RFC 5321 4.1.3: address-literal = "[" ... "]"; the inside is dcontent (%d33-90 / %d94-126),
// which covers IPv4, "IPv6:..." and general literals. Returns the length including brackets.
size_t scan_literal(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  size_t i = 1;
  while (i < s.size() && s[i] != ']') {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 33 || u > 126 || u == '[' || u == '\\') return 0;
    ++i;
  }
  if (i >= s.size() || i == 1) return 0;
  return i + 1;
}

// RFC 5321 4.1.2 Quoted-string = DQUOTE *QcontentSMTP DQUOTE; qtextSMTP is %d32-33 / %d35-91 /
// %d93-126 (and UTF-8 by RFC 6531 3.3); quoted-pairSMTP = "\" %d32-126. Returns the length
// including both quotes, 0 if malformed.
size_t scan_quoted(std::string_view s) {
  if (s.empty() || s[0] != '"') return 0;
  size_t i = 1;
  while (i < s.size()) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u == '"') return i + 1;
    if (u == '\\') {
      if (i + 1 >= s.size()) return 0;
      const auto v = static_cast<unsigned char>(s[i + 1]);
      if ((v < 32 || v == 127) && v < 0x80) return 0;
      i += 2;
      continue;
    }
    if (u < 32 || u == 127) return 0;
    ++i;
  }
  return 0;
}

// RFC 5321 4.1.2 A-d-l = At-domain *( "," At-domain ) ":" — a source route, which servers
// must accept and should ignore (RFC 5321 4.1.2, appendix C). Returns the length including
// the colon, 0 if malformed.
size_t scan_source_route(std::string_view s) {
  size_t i = 0;
  while (true) {
    if (i >= s.size() || s[i] != '@') return 0;
    ++i;
    const size_t d = scan_domain(s.substr(i));
    if (d == 0) return 0;
    i += d;
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ':') return i + 1;
    return 0;
  }
}

bool has_8bit(std::string_view s) {
  for (char c : s)
    if (is_8bit(c)) return true;
  return false;
}

// Mailbox = Local-part "@" ( Domain / address-literal ), at the start of s. Fills r and returns
// the length consumed, or 0 with r.error set.
size_t scan_mailbox(std::string_view s, bool allow_postmaster, bool bracketed, PathResult& r) {
  size_t i = 0;
  if (!s.empty() && s[0] == '"') {
    i = scan_quoted(s);
    if (i == 0) {
      r.error = "malformed quoted local part";
      return 0;
    }
  } else {
    while (i < s.size() && is_atext(s[i])) ++i;
  }
  const std::string_view local = s.substr(0, i);
  if (local.empty()) {
    r.error = "empty local part";
    return 0;
  }
  // RFC 5321 4.1.1.3: "<Postmaster>" without a domain, case-insensitive.
  const bool at_end = i == s.size() || (bracketed ? s[i] == '>' : is_ws(s[i]));
  if (allow_postmaster && at_end && core::iequals(local, "postmaster")) {
    r.postmaster = true;
    return i;
  }
  if (i >= s.size() || s[i] != '@') {
    r.error = "missing @domain";
    return 0;
  }
  ++i;
  const std::string_view rest = s.substr(i);
  const size_t d = (!rest.empty() && rest[0] == '[') ? scan_literal(rest) : scan_domain(rest);
  if (d == 0) {
    r.error = "bad domain";
    return 0;
  }
  const std::string_view domain = rest.substr(0, d);
  if (local.size() > kMaxLocal || domain.size() > kMaxDomain) {
    r.error = "path too long";  // RFC 5321 4.5.3.1.9 "501 Path too long"
    return 0;
  }
  r.utf8 = has_8bit(local) || has_8bit(domain);
  r.address = core::Address{std::string(local), core::to_lower(domain)};
  return i + d;
}

struct Param {
  std::string_view keyword;
  std::string_view value;
  bool has_value = false;
};

// RFC 5321 4.1.2: esmtp-param = esmtp-keyword ["=" esmtp-value];
// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60 / %d62-126),
// extended with UTF8-non-ascii by RFC 6531 3.3.
bool parse_param(std::string_view token, Param& p) {
  const size_t eq = token.find('=');
  p.keyword = token.substr(0, eq);
  if (p.keyword.empty() || !(is_alpha(p.keyword[0]) || is_digit(p.keyword[0]))) return false;
  for (char c : p.keyword)
    if (!(is_alpha(c) || is_digit(c) || c == '-')) return false;
  if (eq == std::string_view::npos) return true;
  p.has_value = true;
  p.value = token.substr(eq + 1);
  if (p.value.empty()) return false;
  for (char c : p.value) {
    const auto u = static_cast<unsigned char>(c);
    if (!((u >= 33 && u <= 60) || (u >= 62 && u <= 126) || u >= 0x80)) return false;
  }
  return true;
}

// Splits "K=V K2 ..." into parameters; calls f(param) for each and stops at the first error.
template <class F>
std::optional<core::Reply> for_each_param(std::string_view params, F&& f) {
  params = ltrim(params);
  while (!params.empty()) {
    size_t end = 0;
    while (end < params.size() && !is_ws(params[end])) ++end;
    Param p;
    if (!parse_param(params.substr(0, end), p))
      return replies::bad_args("invalid parameter syntax");
    if (auto err = f(p)) return err;
    params = ltrim(params.substr(end));
  }
  return std::nullopt;
}

std::string_view keyword_for_reply(std::string_view k) {
  return k.substr(0, kMaxKeywordInReply);
}

// RFC 1870: size-value = 1*20DIGIT. Values past uint64 saturate (they exceed any limit).
bool parse_size(std::string_view v, uint64_t& out) {
  if (v.empty() || v.size() > 20) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (!is_digit(c)) return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      n = std::numeric_limits<uint64_t>::max();
    } else {
      n = n * 10 + d;
    }
  }
  out = n;
  return true;
}

std::optional<core::Reply> parse_mail_params(std::string_view raw, MailParams& mp) {
  mp.raw = std::string(core::trim(raw));
  return for_each_param(raw, [&](const Param& p) -> std::optional<core::Reply> {
    if (core::iequals(p.keyword, "SIZE")) {  // RFC 1870
      uint64_t n = 0;
      if (mp.size) return replies::bad_args("duplicate SIZE parameter");
      if (!p.has_value || !parse_size(p.value, n)) return replies::bad_args("bad SIZE value");
      mp.size = n;
      return std::nullopt;
    }
    if (core::iequals(p.keyword, "BODY")) {  // RFC 6152 2
      if (!mp.body.empty()) return replies::bad_args("duplicate BODY parameter");
      if (!p.has_value) return replies::bad_args("bad BODY value");
      if (core::iequals(p.value, "7BIT")) {
        mp.body = "7BIT";
      } else if (core::iequals(p.value, "8BITMIME")) {
        mp.body = "8BITMIME";
      } else if (core::iequals(p.value, "BINARYMIME")) {
        // RFC 3030 3: needs CHUNKING, which we do not offer (RFC 5321 4.1.1.11: 555).
        return replies::unknown_param("BODY=BINARYMIME");
      } else {
        return replies::bad_args("bad BODY value");
      }
      return std::nullopt;
    }
    if (core::iequals(p.keyword, "SMTPUTF8")) {  // RFC 6531 3.4: no value
      if (mp.smtputf8) return replies::bad_args("duplicate SMTPUTF8 parameter");
      if (p.has_value) return replies::bad_args("SMTPUTF8 takes no value");
      mp.smtputf8 = true;
      return std::nullopt;
    }
    // RFC 5321 4.1.1.11: a parameter we do not know or offer (RET, ENVID, AUTH, ...): 555.
    return replies::unknown_param(keyword_for_reply(p.keyword));
  });
}

std::optional<core::Reply> parse_rcpt_params(std::string_view raw) {
  // We advertise no RCPT parameters (no DSN), so any well-formed one gets 555.
  return for_each_param(raw, [](const Param& p) -> std::optional<core::Reply> {
    return replies::unknown_param(keyword_for_reply(p.keyword));
  });
}

struct Split {
  std::string_view verb;
  std::string_view arg;
};

Split split(std::string_view line) {
  line = core::trim(line);
  size_t v = 0;
  while (v < line.size() && !is_ws(line[v])) ++v;
  return {line.substr(0, v), ltrim(line.substr(v))};
}

Verb lookup(std::string_view name) {
  for (const auto& v : kVerbs)
    if (core::iequals(name, v.name)) return v.verb;
  return Verb::kUnknown;
}

std::string first_word(std::string_view s) {
  size_t e = 0;
  while (e < s.size() && !is_ws(s[e])) ++e;
  return std::string(s.substr(0, e));
}

}  // namespace

PathResult parse_path(std::string_view text, bool allow_null, bool allow_postmaster) {
  PathResult r;
  text = ltrim(text);
  if (text.empty()) {
    r.error = "missing address";
    return r;
  }
  std::string_view rest;
  if (text[0] != '<') {
    // A path without angle brackets: not RFC 5321, but sent by enough broken software that
    // refusing it would lose mail. It ends at the first space.
    const size_t n = scan_mailbox(text, allow_postmaster, false, r);
    if (n == 0) return r;
    rest = text.substr(n);
  } else {
    size_t i = 1;
    if (i < text.size() && text[i] == '>') {
      if (!allow_null) {
        r.error = "empty address";
        return r;
      }
      r.null_path = true;
      rest = text.substr(2);
    } else {
      if (i < text.size() && text[i] == '@') {
        const size_t route = scan_source_route(text.substr(i));
        if (route == 0) {
          r.error = "bad source route";
          return r;
        }
        i += route;
      }
      const size_t n = scan_mailbox(text.substr(i), allow_postmaster, true, r);
      if (n == 0) return r;
      i += n;
      if (i >= text.size() || text[i] != '>') {
        r.address.reset();
        r.postmaster = false;
        r.error = "missing > after address";
        return r;
      }
      rest = text.substr(i + 1);
    }
  }
  if (!rest.empty() && !is_ws(rest[0])) {
    r.address.reset();
    r.null_path = r.postmaster = false;
    r.error = "garbage after address";
    return r;
  }
  r.params = ltrim(rest);
  return r;
}

Verb parse_verb(std::string_view line) {
  return lookup(split(line).verb);
}

ParseResult parse_command(std::string_view line) {
  // RFC 5321 2.3.8 / 4.1.1: commands are printable text; a control octet (NUL, a bare CR, ...)
  // is never part of a valid command and must not reach logs or policy.
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return SyntaxError{replies::invalid_characters()};
  }
  const Split s = split(line);
  Command cmd;
  cmd.verb = lookup(s.verb);
  switch (cmd.verb) {
    case Verb::kHelo:
    case Verb::kEhlo:
      // RFC 5321 4.1.1.1: "EHLO" SP ( Domain / address-literal ). We keep the first word and let
      // policy judge it; anything after it is ignored.
      if (s.arg.empty()) return SyntaxError{replies::bad_args("EHLO/HELO needs a host name")};
      cmd.arg = first_word(s.arg);
      return cmd;
    case Verb::kMail: {
      // RFC 5321 4.1.1.2: "MAIL FROM:" Reverse-path [SP Mail-parameters]
      if (!core::istarts_with(s.arg, "FROM:"))
        return SyntaxError{replies::syntax("MAIL FROM:<address>")};
      PathResult p = parse_path(s.arg.substr(5), true, false);
      if (p.error) return SyntaxError{replies::bad_sender(p.error)};
      if (auto err = parse_mail_params(p.params, cmd.params)) return SyntaxError{std::move(*err)};
      cmd.path = std::move(p.address);
      cmd.utf8_path = p.utf8;
      return cmd;
    }
    case Verb::kRcpt: {
      // RFC 5321 4.1.1.3: "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
      // Forward-path ) [SP Rcpt-parameters]
      if (!core::istarts_with(s.arg, "TO:"))
        return SyntaxError{replies::syntax("RCPT TO:<address>")};
      PathResult p = parse_path(s.arg.substr(3), false, true);
      if (p.error) return SyntaxError{replies::bad_recipient(p.error)};
      if (auto err = parse_rcpt_params(p.params)) return SyntaxError{std::move(*err)};
      cmd.path = std::move(p.address);
      cmd.postmaster = p.postmaster;
      cmd.utf8_path = p.utf8;
      return cmd;
    }
    case Verb::kData:      // RFC 5321 4.1.1.4: "DATA" CRLF
    case Verb::kRset:      // RFC 5321 4.1.1.5: "RSET" CRLF
    case Verb::kStartTls:  // RFC 3207 4: "501 Syntax error (no parameters allowed)"
      if (!s.arg.empty()) return SyntaxError{replies::bad_args("no parameters allowed")};
      return cmd;
    case Verb::kVrfy:  // RFC 5321 4.1.1.6: "VRFY" SP String
      if (s.arg.empty()) return SyntaxError{replies::bad_args("VRFY needs an argument")};
      cmd.arg = std::string(s.arg);
      return cmd;
    case Verb::kQuit:  // RFC 5321 4.1.1.10; an argument is ignored: the client wants to go
    case Verb::kExpn:
    case Verb::kHelp:
    case Verb::kNoop:  // RFC 5321 4.1.1.9: "NOOP" [ SP String ]
    case Verb::kNotImplemented:
    case Verb::kUnknown:
      cmd.arg = std::string(s.arg);
      return cmd;
  }
  return cmd;
}

}  // namespace backstop::smtp
