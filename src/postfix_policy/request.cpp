// Postfix policy request accessors; see request.h. Numbers are decimal digits only, bounded;
// anything else reads as absent.
#include "postfix_policy/request.h"

namespace backstop::postfix_policy {
namespace {

struct StateName {
  std::string_view name;
  ProtocolState state;
};

constexpr StateName kStates[] = {
    {"CONNECT", ProtocolState::kConnect},
    {"EHLO", ProtocolState::kEhlo},
    {"HELO", ProtocolState::kHelo},
    {"MAIL", ProtocolState::kMail},
    {"RCPT", ProtocolState::kRcpt},
    {"DATA", ProtocolState::kData},
    {"END-OF-MESSAGE", ProtocolState::kEndOfMessage},
    {"VRFY", ProtocolState::kVrfy},
    {"ETRN", ProtocolState::kEtrn},
};

std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;  // 2^64 - 1 has 20 digits
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

ProtocolState parse_protocol_state(std::string_view value) {
  for (const auto& s : kStates)
    if (s.name == value) return s.state;
  return ProtocolState::kUnknown;
}

std::string_view to_string(ProtocolState state) {
  for (const auto& s : kStates)
    if (s.state == state) return s.name;
  return {};
}

std::string_view Request::get(std::string_view name) const {
  const auto it = attrs_.find(name);
  return it == attrs_.end() ? std::string_view() : std::string_view(it->second);
}

std::optional<uint64_t> Request::number(std::string_view name) const {
  return parse_decimal(get(name));
}

std::optional<uint16_t> Request::port(std::string_view name) const {
  const auto v = parse_decimal(get(name));
  if (!v || *v > 65535) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

std::optional<core::Address> Request::sender_address() const {
  if (sender().empty()) return std::nullopt;
  return core::parse_address(sender());
}

std::optional<core::Address> Request::recipient_address() const {
  if (recipient().empty()) return std::nullopt;
  return core::parse_address(recipient());
}

std::optional<core::IpAddress> Request::client_ip() const {
  return core::parse_ip(client_address());
}

}  // namespace backstop::postfix_policy
