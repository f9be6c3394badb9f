// Legacy NDR reading; see legacy.h. Recipients are the addresses the notice names that are
// not the notice's own addressee (the original sender), not a mailer daemon, and not the
// original's sender; addresses on "recipient lines" (qmail's "<a@b>:", Sendmail's "<a@b>...",
// Exim's indented list) are preferred over addresses in prose.
#include "classify/legacy.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cctype>

#include "core/address.h"
#include "core/text.h"
#include "message/dsn.h"

namespace backstop::classify {
namespace {

using core::ifind;

bool is_daemon(std::string_view addr) {
  // Not postmaster@: mail to a postmaster bounces too; the notice's own postmaster sender is
  // excluded as the notice's From.
  static constexpr std::string_view kLocals[] = {"mailer-daemon@", "mailer_daemon@",
                                                 "mail-daemon@", "mdaemon@", "noreply@",
                                                 "no-reply@", "double-bounce@"};
  for (auto l : kLocals)
    if (core::istarts_with(addr, l)) return true;
  return false;
}

// Lower-case addresses found in a header value.
std::vector<std::string> header_addresses(std::string_view value) {
  return core::find_addresses(value, 16);
}

// A line that names one recipient and little else: "<a@b>:", "a@b", "<a@b>... User unknown",
// "  a@b\n    SMTP error ...", "Failed recipient: a@b", "To: a@b".
bool is_recipient_line(std::string_view line, std::string_view addr) {
  std::string_view t = core::trim(line);
  size_t at = ifind(t, addr);
  if (at == std::string_view::npos) return false;
  // Sendmail's "<addr>... reason" form.
  std::string_view after = t.substr(at + addr.size());
  if (!after.empty() && after.front() == '>') after.remove_prefix(1);
  if (after.starts_with("...")) return true;
  std::string_view before = core::trim(t.substr(0, at));
  if (!before.empty() && (before.back() == '<' || before.back() == '"' || before.back() == '\''))
    before = core::trim(before.substr(0, before.size() - 1));
  if (before.empty()) return true;
  static constexpr std::string_view kLeads[] = {"recipient", "to:", "to ", "address", "user",
                                                "mailbox", "rcpt", "for", "original-recipient",
                                                "final-recipient", "failed", "delivery to"};
  for (auto lead : kLeads)
    if (ifind(before, lead) != std::string_view::npos && before.size() < 60) return true;
  return false;
}

std::string trim_diagnostic(std::string_view s) {
  std::string out = core::collapse_space(s);
  if (out.size() > 512) out.resize(512);
  return out;
}

bool is_reply_code_at(std::string_view s, size_t i) {
  if (i + 3 > s.size()) return false;
  if (!(s[i] == '4' || s[i] == '5')) return false;
  if (!std::isdigit(static_cast<unsigned char>(s[i + 1])) ||
      !std::isdigit(static_cast<unsigned char>(s[i + 2])))
    return false;
  bool left = i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]));
  bool right = i + 3 == s.size() || s[i + 3] == ' ' || s[i + 3] == '-' || s[i + 3] == '.';
  // "5.1.1" is a status code, not a reply code.
  if (right && i + 3 < s.size() && s[i + 3] == '.') return false;
  return left && right;
}

}  // namespace

std::string_view notice_text(std::string_view body) {
  static constexpr std::string_view kCuts[] = {
      "\nReceived:", "\nReturn-Path:", "--- Below this line is a copy of the message",
      "------ This is a copy of the message", "----- Original message follows",
      "----- Unsent message follows", "-----Original Message-----",
      "------ Original message ------", "Original message headers:"};
  // The text ends where the first of kCuts starts (case-insensitive). One pass over the body,
  // trying the markers only where their first byte ('\n', '-' or 'o') is: this ran once per
  // marker before, 13% of classify() (docs/benchmarks.md, "Classifier throughput").
  auto cut_at = [&](size_t i) {
    // Every marker's second byte is 'r' (after '\n' or 'o') or '-': most candidates end here.
    char next = i + 1 < body.size() ? body[i + 1] : '\0';
    if (body[i] == '-' ? next != '-' : (next | 0x20) != 'r') return false;
    for (auto c : kCuts)
      if (core::ascii_lower(c[0]) == core::ascii_lower(body[i]) &&
          core::istarts_with(body.substr(i), c))
        return true;
    return false;
  };
  const size_t n = body.size();
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n'), dash = _mm_set1_epi8('-'), o = _mm_set1_epi8('o');
  const __m128i case_bit = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(body.data() + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, dash)),
                               _mm_cmpeq_epi8(_mm_or_si128(v, case_bit), o));
    for (unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(hit)); bits; bits &= bits - 1) {
      size_t at = i + static_cast<size_t>(__builtin_ctz(bits));
      if (cut_at(at)) return body.substr(0, at);
    }
  }
#endif
  for (; i < n; ++i) {
    char c = body[i];
    if ((c == '\n' || c == '-' || (c | 0x20) == 'o') && cut_at(i)) return body.substr(0, i);
  }
  return body;
}

std::string find_status_code(std::string_view text) {
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    char c = text[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '.'))
      continue;
    if (text[i + 1] != '.') continue;
    size_t j = i + 2, d1 = 0;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) && d1 < 3) ++j, ++d1;
    if (d1 == 0 || j >= text.size() || text[j] != '.') continue;
    size_t k = j + 1, d2 = 0;
    while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k])) && d2 < 3) ++k, ++d2;
    if (d2 == 0) continue;
    if (k < text.size() && (std::isalnum(static_cast<unsigned char>(text[k])) ||
                            (text[k] == '.' && k + 1 < text.size() &&
                             std::isdigit(static_cast<unsigned char>(text[k + 1])))))
      continue;  // an IP address or version number
    return std::string(text.substr(i, k - i));
  }
  return {};
}

LegacyDetails read_legacy(std::string_view notice, const message::Headers& top,
                          const message::Original& original) {
  LegacyDetails d;
  // Addresses that are not failed recipients.
  std::vector<std::string> exclude;
  // (Delivered-To and X-Original-To are left out: test and forwarding setups rewrite them.)
  for (auto name : {"To", "From", "Return-Path", "Sender"})
    for (auto v : top.all(name))
      for (auto& a : header_addresses(v)) exclude.push_back(a);
  for (auto& a : header_addresses(original.from)) exclude.push_back(a);
  for (auto& a : header_addresses(original.return_path)) exclude.push_back(a);
  auto excluded = [&](const std::string& a) {
    return is_daemon(a) || std::find(exclude.begin(), exclude.end(), a) != exclude.end();
  };

  // Exim names them in a header (X-Failed-Recipients); trust it first.
  for (auto v : top.all("X-Failed-Recipients"))
    for (auto& a : header_addresses(v))
      if (std::find(d.recipients.begin(), d.recipients.end(), a) == d.recipients.end())
        d.recipients.push_back(a);

  {
    std::vector<std::string> on_lines, in_prose;
    for (auto line : core::split_lines(notice)) {
      if (line.find('@') == std::string_view::npos) continue;
      for (auto& a : core::find_addresses(line, 8)) {
        // qmail-send's own form, "<address>:" alone on a line, names a failed recipient even
        // when it is also the notice's addressee (mail to oneself, cron jobs).
        std::string_view t = core::trim(line);
        bool qmail_form = t.size() == a.size() + 3 && t.front() == '<' && t.ends_with(">:");
        if (is_daemon(a) || (excluded(a) && !qmail_form)) continue;
        auto& bucket = is_recipient_line(line, a) ? on_lines : in_prose;
        if (std::find(bucket.begin(), bucket.end(), a) == bucket.end()) bucket.push_back(a);
      }
    }
    // Exim's header and its text differ after aliasing: keep both.
    for (auto& a : (!on_lines.empty() || !d.recipients.empty()) ? on_lines : in_prose)
      if (std::find(d.recipients.begin(), d.recipients.end(), a) == d.recipients.end())
        d.recipients.push_back(std::move(a));
    if (d.recipients.size() > 16) d.recipients.resize(16);
  }
  if (d.recipients.empty()) {
    // A delivery-status block pasted into the text (broken MIME): read it as RFC 3464.
    size_t at = ifind(notice, "\nFinal-Recipient:");
    if (at != std::string_view::npos) {
      size_t start = ifind(notice, "\nReporting-MTA:");
      if (start == std::string_view::npos || start > at) start = at;
      message::DeliveryStatus ds = message::parse_delivery_status(notice.substr(start + 1));
      for (const auto& r : ds.recipients)
        if (!r.final_recipient.empty()) d.recipients.push_back(r.final_recipient);
      if (d.status.empty() && !ds.recipients.empty()) d.status = ds.recipients[0].status;
    }
  }
  if (d.recipients.empty()) {
    for (auto& a : header_addresses(original.to))
      if (!excluded(a)) d.recipients.push_back(a);
  }

  if (d.status.empty()) d.status = find_status_code(notice);

  // Diagnostic: the remote server's answer. Prefer text after "said:" (Postfix, qmail's
  // "Remote host said:"), else the first line that carries an SMTP reply code.
  size_t said = ifind(notice, "said:");
  if (said != std::string_view::npos) {
    std::string_view rest = notice.substr(said + 5);
    size_t end = rest.find("\n\n");
    if (end == std::string_view::npos) end = rest.find("\r\n\r\n");
    d.diagnostic = trim_diagnostic(rest.substr(0, std::min(end, size_t(600))));
  }
  if (d.diagnostic.empty()) {
    for (auto line : core::split_lines(notice)) {
      for (size_t i = 0; i + 3 <= line.size(); ++i) {
        if (is_reply_code_at(line, i)) {
          d.diagnostic = trim_diagnostic(line.substr(i));
          break;
        }
      }
      if (!d.diagnostic.empty()) break;
    }
  }
  if (d.status.empty() && !d.diagnostic.empty()) {
    // "550 User unknown" with no enhanced code: the class is the reply's first digit.
    char c = d.diagnostic[0];
    if (c == '5' || c == '4') d.status = std::string(1, c) + ".0.0";
  }

  // Reporting MTA: Postfix names itself ("This is the mail system at host X."), else the
  // mailer daemon's domain, else the host that stamped the notice first.
  size_t host = ifind(notice, "mail system at host ");
  if (host != std::string_view::npos) {
    std::string_view rest = notice.substr(host + 20);
    size_t end = 0;
    while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
    std::string_view name = rest.substr(0, end);
    while (!name.empty() && name.back() == '.') name.remove_suffix(1);
    d.reporting_mta = core::to_lower(name);
  }
  if (d.reporting_mta.empty()) {
    for (auto& a : header_addresses(top.get_or_empty("From"))) {
      if (is_daemon(a)) {
        d.reporting_mta = a.substr(a.find('@') + 1);
        break;
      }
    }
  }
  return d;
}

}  // namespace backstop::classify
