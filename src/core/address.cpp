// Address parsing; see address.h. RFC 5321 4.1.2 for the grammar, read liberally: real bounces
// quote addresses in every style, so the finder accepts what a human would call an address.
#include "core/address.h"

#include <algorithm>

#include "core/text.h"

namespace backstop::core {
namespace {

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~': case '.':
      return true;
    default:
      return static_cast<unsigned char>(c) >= 0x80;  // SMTPUTF8 (RFC 6531)
  }
}

bool is_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

bool is_domain_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.' || s.front() == '-')
    return false;
  if (s.find('.') == std::string_view::npos) return false;
  if (s.find("..") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), is_domain_char);
}

std::optional<Address> parse_address(std::string_view text) {
  text = trim(text);
  if (auto lt = text.rfind('<'); lt != std::string_view::npos) {
    auto gt = text.find('>', lt);
    if (gt == std::string_view::npos) return std::nullopt;
    text = trim(text.substr(lt + 1, gt - lt - 1));
    // Source route (RFC 5321 4.1.2 "A-d-l"): "@a,@b:user@c" -> "user@c".
    if (!text.empty() && text.front() == '@') {
      auto colon = text.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      text = text.substr(colon + 1);
    }
  }
  auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= text.size()) return std::nullopt;
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (domain.front() == '[') {  // address literal
    if (domain.back() != ']') return std::nullopt;
  } else if (!is_domain_name(domain) && domain.find('.') != std::string_view::npos) {
    return std::nullopt;
  } else if (!std::all_of(domain.begin(), domain.end(), is_domain_char)) {
    return std::nullopt;
  }
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    // quoted-string: accept as is
  } else if (!std::all_of(local.begin(), local.end(), is_atext)) {
    return std::nullopt;
  }
  if (local.size() > 256 || domain.size() > 255) return std::nullopt;
  return Address{std::string(local), to_lower(domain)};
}

std::vector<std::string> find_addresses(std::string_view text, size_t max) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (out.size() < max) {
    size_t at = text.find('@', pos);
    if (at == std::string_view::npos) break;
    pos = at + 1;
    size_t b = at;
    while (b > 0 && is_atext(text[b - 1]) && at - b < 256) --b;
    size_t e = at + 1;
    while (e < text.size() && is_domain_char(text[e]) && e - at < 256) ++e;
    std::string_view local = text.substr(b, at - b);
    std::string_view domain = text.substr(at + 1, e - at - 1);
    // A quote or dot before the local part is punctuation around the address, not part of it.
    while (!local.empty() && (local.front() == '.' || local.front() == '\'' || local.front() == '`'))
      local.remove_prefix(1);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
    if (local.empty() || !is_domain_name(domain)) continue;
    std::string addr = to_lower(local) + "@" + to_lower(domain);
    if (std::find(out.begin(), out.end(), addr) == out.end()) out.push_back(std::move(addr));
    pos = e;
  }
  return out;
}

}  // namespace backstop::core
