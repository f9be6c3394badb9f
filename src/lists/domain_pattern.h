// Host-name patterns with rbldnsd's dnset meaning, and the name normalisation that DomainSet
// lookups use. Pure; input untrusted.
//   example.com     the name exactly
//   *.example.com   its subdomains only
//   .example.com    the name and its subdomains
//   !PATTERN        an exclusion of what PATTERN matches
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace backstop::lists {

enum class DomainMatch : uint8_t { kExact, kSubdomains, kBoth };

struct DomainPattern {
  std::string name;  // lower case, no trailing dot, no "*." or "." prefix
  DomainMatch match = DomainMatch::kExact;
  bool excluded = false;
  // The pattern as written in a dnset file: "!*.example.com".
  std::string str() const;
  bool operator==(const DomainPattern&) const = default;
};

// Longest name accepted (RFC 1035 2.3.4, without the trailing dot).
inline constexpr size_t kMaxDomainName = 253;

// Parses a pattern. Labels are 1-63 letters, digits, '-' or '_'; a trailing dot is ignored;
// case is folded. "*" and "." alone, "*" anywhere but a leading "*.", and blanks are errors.
std::optional<DomainPattern> parse_domain_pattern(std::string_view text,
                                                  std::string* error = nullptr);

// Lower-cases name into out (at least kMaxDomainName bytes) without its trailing dot and
// returns the length, or 0 when the name is empty or longer than kMaxDomainName. No checks of
// the characters: a name that no pattern could hold simply matches nothing.
size_t normalize_domain(std::string_view name, char* out);

}  // namespace backstop::lists
