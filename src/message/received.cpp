// Received field reader; see received.h. The grammar (RFC 5321 4.4, "Stamp") is followed loosely:
// "from" clause up to " by ", then the "by" host. Known variants of the from clause:
//   Postfix/Sendmail  from HELO (rdns [1.2.3.4])
//   Exim              from rdns ([1.2.3.4] helo=HELO)   or   from [1.2.3.4] (helo=HELO)
//   qmail             from unknown (HELO helo) (1.2.3.4)
//   Exchange          from host.example (10.0.0.1)
#include "message/received.h"

#include "core/address.h"
#include "core/ip.h"
#include "core/text.h"

namespace backstop::message {
namespace {

// Position of keyword as a whole word outside comments (RFC 5322 3.2.2 parentheses), so that
// "(Postfix, from userid 1000)" or "(qmail 1234 invoked from network)" is not a from clause.
size_t find_word(std::string_view s, std::string_view word, size_t from = 0) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (depth > 0 || i < from || i + word.size() > s.size()) continue;
    if (!core::iequals(s.substr(i, word.size()), word)) continue;
    bool left = i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == ';';
    size_t end = i + word.size();
    bool right = end < s.size() && (s[end] == ' ' || s[end] == '\t');
    if (left && right) return i;
  }
  return std::string_view::npos;
}

std::string_view first_token(std::string_view s) {
  s = core::trim(s);
  size_t end = 0;
  while (end < s.size() && s[end] != ' ' && s[end] != '\t' && s[end] != '(' && s[end] != ')' &&
         s[end] != ';')
    ++end;
  return s.substr(0, end);
}

bool plausible_host(std::string_view h) {
  return !h.empty() && !core::iequals(h, "unknown") && !core::parse_ip(h) && h.front() != '[';
}

}  // namespace

ReceivedHop parse_received(std::string_view value) {
  ReceivedHop hop;
  // Everything after the ";" is the date (RFC 5322 3.6.7).
  std::string_view v = value;
  if (auto semi = v.rfind(';'); semi != std::string_view::npos) v = v.substr(0, semi);
  size_t from = find_word(v, "from");
  size_t by = find_word(v, "by", from == std::string_view::npos ? 0 : from + 4);
  if (by != std::string_view::npos) hop.by_host = core::to_lower(first_token(v.substr(by + 2)));
  if (from == std::string_view::npos) return hop;
  std::string_view clause = v.substr(from + 4, (by == std::string_view::npos ? v.size() : by) -
                                                   (from + 4));
  std::string_view first = first_token(clause);
  if (plausible_host(first)) {
    hop.from_host = core::to_lower(first);
  } else {
    // "from unknown (HELO x)", "from [1.2.3.4] (helo=x)": the HELO is the best name left.
    size_t helo = core::ifind(clause, "helo");
    if (helo != std::string_view::npos) {
      std::string_view rest = clause.substr(helo + 4);
      while (!rest.empty() && (rest.front() == '=' || rest.front() == ' ')) rest.remove_prefix(1);
      std::string_view name = first_token(rest);
      if (!name.empty() && name.back() == ']') name = {};
      hop.from_host = core::to_lower(name);
    }
    if (hop.from_host.empty()) {
      // "from unknown (rdns [1.2.3.4])": a name inside the parentheses.
      size_t paren = clause.find('(');
      if (paren != std::string_view::npos) {
        std::string_view name = first_token(clause.substr(paren + 1));
        if (plausible_host(name) && core::is_domain_name(name)) hop.from_host = core::to_lower(name);
      }
    }
  }
  // The address the receiving side saw: prefer a bracketed literal, then any literal.
  std::string_view scan = clause;
  if (size_t lb = clause.find('['); lb != std::string_view::npos) scan = clause.substr(lb);
  if (auto ip = core::find_ip(scan)) {
    hop.from_ip = ip->str();
  } else if (auto ip2 = core::find_ip(clause)) {
    hop.from_ip = ip2->str();
  }
  return hop;
}

}  // namespace backstop::message
