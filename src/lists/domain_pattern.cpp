// Host-name patterns; see domain_pattern.h.
#include "lists/domain_pattern.h"

#include "core/text.h"

namespace backstop::lists {

namespace {

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::nullopt_t fail(std::string* error, const char* message) {
  if (error) *error = message;
  return std::nullopt;
}

}  // namespace

std::string DomainPattern::str() const {
  std::string s;
  if (excluded) s += '!';
  if (match == DomainMatch::kSubdomains) s += "*.";
  if (match == DomainMatch::kBoth) s += '.';
  return s + name;
}

std::optional<DomainPattern> parse_domain_pattern(std::string_view text, std::string* error) {
  DomainPattern p;
  if (!text.empty() && text.front() == '!') {
    p.excluded = true;
    text.remove_prefix(1);
  }
  if (text.starts_with("*.")) {
    p.match = DomainMatch::kSubdomains;
    text.remove_prefix(2);
  } else if (text.starts_with(".")) {
    p.match = DomainMatch::kBoth;
    text.remove_prefix(1);
  }
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return fail(error, "empty domain name");
  if (text.size() > kMaxDomainName) return fail(error, "domain name longer than 253 characters");
  p.name = core::to_lower(text);
  size_t label = 0;
  for (char c : p.name) {
    if (c == '.') {
      if (label == 0) return fail(error, "empty label in domain name");
      label = 0;
      continue;
    }
    if (c == '*') return fail(error, "'*' is allowed only as a leading \"*.\"");
    if (!label_char(c)) return fail(error, "bad character in domain name");
    if (++label > 63) return fail(error, "domain label longer than 63 characters");
  }
  if (label == 0) return fail(error, "empty label in domain name");
  return p;
}

size_t normalize_domain(std::string_view name, char* out) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxDomainName) return 0;
  for (size_t i = 0; i < name.size(); ++i) out[i] = core::ascii_lower(name[i]);
  return name.size();
}

}  // namespace backstop::lists
