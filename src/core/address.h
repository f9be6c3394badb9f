// Mail addresses (RFC 5321 4.1.2 Mailbox) as values: parsing from envelope and header forms,
// and finding address-like tokens in free text. Input is untrusted; parsing never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::core {

struct Address {
  std::string local;   // as written (local parts are case-sensitive by the RFC)
  std::string domain;  // lower-cased
  std::string str() const { return local + "@" + domain; }
  bool operator==(const Address&) const = default;
};

// Parses "local@domain", "<local@domain>", "Name <local@domain>" and "<>"-free forms.
// Returns nullopt for anything that is not one mailbox (including the null path "<>").
std::optional<Address> parse_address(std::string_view text);

// Every distinct address-like token in free text, in order of first appearance, lower-cased.
// Used on bounce bodies, where addresses stand in angle brackets, quotes, or bare.
std::vector<std::string> find_addresses(std::string_view text, size_t max = 64);

// True for a plausible host or domain name (letters, digits, hyphens, dots; one dot at least).
bool is_domain_name(std::string_view s);

}  // namespace backstop::core
