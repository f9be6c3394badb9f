// The config's value types: networks, host-name patterns, client lists, action names, and the
// per-recipient backscatter action. Pure; used on the data path, so nothing here throws.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "config/config.h"
#include "core/text.h"

namespace backstop::config {
namespace {

// True when the bits of ip below prefix are all zero.
bool host_bits_clear(const core::IpAddress& ip, int prefix) {
  const int bits = ip.v6 ? 128 : 32;
  for (int i = prefix; i < bits; ++i)
    if (ip.bytes[size_t(i / 8)] & (0x80 >> (i % 8))) return false;
  return true;
}

core::IpAddress with_host_bits_cleared(core::IpAddress ip, int prefix) {
  const int bits = ip.v6 ? 128 : 32;
  for (int i = prefix; i < bits; ++i) ip.bytes[size_t(i / 8)] &= uint8_t(~(0x80 >> (i % 8)));
  return ip;
}

bool is_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

void set(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

}  // namespace

bool Cidr::contains(const core::IpAddress& ip) const {
  if (ip.v6 != address.v6) return false;
  const int full = prefix / 8;
  if (std::memcmp(ip.bytes.data(), address.bytes.data(), size_t(full)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = uint8_t(0xff << (8 - rest));
  return (ip.bytes[size_t(full)] & mask) == (address.bytes[size_t(full)] & mask);
}

std::string Cidr::str() const {
  if (prefix == (address.v6 ? 128 : 32)) return address.str();
  return address.str() + "/" + std::to_string(prefix);
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  text = core::trim(text);
  std::string_view addr = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      set(error, "'" + std::string(text) + "' has no prefix length after '/'");
      return std::nullopt;
    }
    prefix = std::stoi(std::string(p));
  }
  // Brackets and "IPv6:" belong to address literals in mail, not to networks in a config.
  auto ip = addr.empty() || addr.front() == '[' || core::istarts_with(addr, "ipv6:")
                ? std::nullopt
                : core::parse_ip(addr);
  if (!ip) {
    set(error, "'" + std::string(addr) + "' is not an IPv4 or IPv6 address");
    return std::nullopt;
  }
  const int bits = ip->v6 ? 128 : 32;
  Cidr c{*ip, prefix.value_or(bits)};
  if (c.prefix > bits) {
    set(error, "'" + std::string(text) + "': prefix length " + std::to_string(c.prefix) +
                   " is more than " + std::to_string(bits));
    return std::nullopt;
  }
  if (!host_bits_clear(c.address, c.prefix)) {
    Cidr fixed{with_host_bits_cleared(c.address, c.prefix), c.prefix};
    set(error, "'" + std::string(text) + "' has bits set beyond its prefix length; did you mean '" +
                   fixed.str() + "'?");
    return std::nullopt;
  }
  return c;
}

bool HostPattern::matches(std::string_view host) const {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string_view p = pattern;
  if (core::istarts_with(p, "*.")) {
    // Subdomains only: "*.example.com" matches "a.example.com", not "example.com".
    p.remove_prefix(1);
    return host.size() > p.size() && core::iends_with(host, p);
  }
  if (!p.empty() && p.front() == '.') {
    // The domain and its subdomains.
    if (core::iequals(host, p.substr(1))) return true;
    return host.size() > p.size() && core::iends_with(host, p);
  }
  return core::iequals(host, p);
}

std::optional<HostPattern> parse_host_pattern(std::string_view text, std::string* error) {
  text = core::trim(text);
  std::string_view name = text;
  const bool excluded = name.starts_with("!");
  if (excluded) name.remove_prefix(1);
  if (name.starts_with("*."))
    name.remove_prefix(2);
  else if (name.starts_with("."))
    name.remove_prefix(1);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);  // absolute form
  std::string quoted = "'" + std::string(text) + "'";
  if (name.empty()) {
    set(error, quoted +
                   " is not a host name pattern (\"host.example.com\", \"*.example.com\""
                   " or \".example.com\")");
    return std::nullopt;
  }
  if (name.size() > 253) {
    set(error, quoted + " is longer than a host name can be (253)");
    return std::nullopt;
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    std::string_view label = name.substr(start, dot - start);
    if (label.empty()) {
      set(error, quoted + " has an empty label (two dots in a row, or a '*' not in front)");
      return std::nullopt;
    }
    if (label.size() > 63) {
      set(error, quoted + " has a label longer than 63 characters");
      return std::nullopt;
    }
    for (char c : label) {
      if (!is_label_char(c)) {
        std::string what = c == '*' ? "'*' is only allowed as a whole first label (\"*.\")"
                                    : std::string("'") + c + "' cannot appear in a host name";
        set(error, quoted + ": " + what);
        return std::nullopt;
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      set(error, quoted + ": a label cannot start or end with '-'");
      return std::nullopt;
    }
    start = dot + 1;
  }
  // What was written before the name ("*." or "."), without the "!".
  const size_t from = excluded ? 1 : 0;
  std::string prefix(text.substr(from, size_t(name.data() - text.data()) - from));
  return HostPattern{core::to_lower(prefix + std::string(name)), excluded};
}

bool ClientList::contains_ip(const core::IpAddress& ip) const {
  for (const auto& n : networks)
    if (n.contains(ip)) return true;
  return false;
}

bool ClientList::contains_host(std::string_view host) const {
  if (host.empty()) return false;
  // As in rbldnsd's dnset: an exclusion that matches wins over every pattern that includes.
  bool included = false;
  for (const auto& h : hosts) {
    if (!h.matches(host)) continue;
    if (h.excluded) return false;
    included = true;
  }
  return included;
}

bool ClientList::add(std::string_view entry, bool hosts_allowed, std::string* error) {
  entry = core::trim(entry);
  const bool looks_numeric =
      !entry.empty() && (entry.find_first_of(":/") != std::string_view::npos ||
                         std::all_of(entry.begin(), entry.end(),
                                     [](char c) { return c == '.' || (c >= '0' && c <= '9'); }));
  if (looks_numeric || !hosts_allowed) {
    auto c = parse_cidr(entry, error);
    if (!c) {
      if (!looks_numeric && error) *error += " (host names are not allowed here)";
      return false;
    }
    networks.push_back(*c);
    return true;
  }
  auto h = parse_host_pattern(entry, error);
  if (!h) return false;
  hosts.push_back(std::move(*h));
  return true;
}

const char* to_string(CheckAction a) {
  switch (a) {
    case CheckAction::kOff:
      return "off";
    case CheckAction::kNote:
      return "note";
    case CheckAction::kReject:
      return "reject";
    case CheckAction::kTempfail:
      return "tempfail";
  }
  return "?";
}

const char* to_string(BackscatterAction a) {
  switch (a) {
    case BackscatterAction::kReject:
      return "reject";
    case BackscatterAction::kTempfail:
      return "tempfail";
    case BackscatterAction::kDiscard:
      return "discard";
    case BackscatterAction::kTag:
      return "tag";
  }
  return "?";
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  text = core::trim(text);
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hp.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    hp.host = std::string(text);  // a bare IPv6 address: no port
  } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (port.empty()) return std::nullopt;
  } else {
    hp.host = std::string(text);
  }
  if (hp.host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) return std::nullopt;
    hp.port = uint16_t(n);
  }
  return hp;
}

bool DomainsConfig::any_recipient(std::string_view domain) const {
  std::string key = "@";
  key += core::to_lower(domain);
  return recipients.contains(key) || file_recipients.contains(key);
}

BackscatterAction Config::backscatter_action_for(std::string_view recipient) const {
  // The most specific setting wins: the address, then its domain, then the default.
  if (backscatter.recipients.empty() && backscatter.domains.empty()) return backscatter.action;
  std::string address = core::to_lower(recipient);
  if (auto it = backscatter.recipients.find(address); it != backscatter.recipients.end())
    return it->second;
  if (auto at = address.rfind('@'); at != std::string::npos) {
    if (auto it = backscatter.domains.find(address.substr(at + 1)); it != backscatter.domains.end())
      return it->second;
  }
  return backscatter.action;
}

const ReasonConfig* Config::reason(std::string_view name) const {
  for (const auto& r : reasons)
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace backstop::config
