// One Postfix policy delegation request (SMTPD_POLICY_README "Protocol description"): the
// name=value attributes Postfix's smtpd sends, with typed accessors for those backstop's
// engine uses. A value type; the attributes are untrusted client data relayed by Postfix.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.h"
#include "core/ip.h"

namespace backstop::postfix_policy {

// protocol_state: the SMTP state the request is about, as SMTPD_POLICY_README lists them.
enum class ProtocolState : uint8_t {
  kUnknown,  // absent or a value this list does not know
  kConnect,
  kEhlo,
  kHelo,
  kMail,
  kRcpt,
  kData,
  kEndOfMessage,
  kVrfy,
  kEtrn,
};
ProtocolState parse_protocol_state(std::string_view value);  // exact, upper case
std::string_view to_string(ProtocolState state);             // "" for kUnknown

class Request {
 public:
  using Attributes = std::map<std::string, std::string, std::less<>>;

  // Sets an attribute; a name seen again replaces the earlier value (the last wins).
  void set(std::string name, std::string value) { attrs_[std::move(name)] = std::move(value); }
  bool has(std::string_view name) const { return attrs_.find(name) != attrs_.end(); }
  // The value, or "" when absent (Postfix sends absent facts as empty values too).
  std::string_view get(std::string_view name) const;
  const Attributes& attributes() const { return attrs_; }
  size_t attribute_count() const { return attrs_.size(); }
  bool empty() const { return attrs_.empty(); }
  void clear() { attrs_.clear(); }

  std::string_view request() const { return get("request"); }
  bool is_access_policy() const { return request() == "smtpd_access_policy"; }
  ProtocolState protocol_state() const { return parse_protocol_state(get("protocol_state")); }
  std::string_view protocol_name() const { return get("protocol_name"); }  // SMTP, ESMTP, ...
  std::string_view helo_name() const { return get("helo_name"); }
  std::string_view queue_id() const { return get("queue_id"); }
  std::string_view instance() const { return get("instance"); }  // same for one message

  // Envelope: Postfix sends the addresses without angle brackets; the null sender is "".
  std::string_view sender() const { return get("sender"); }
  std::string_view recipient() const { return get("recipient"); }
  std::optional<core::Address> sender_address() const;     // nullopt for "" or unparsable
  std::optional<core::Address> recipient_address() const;  // nullopt for "" or unparsable
  std::optional<uint64_t> recipient_count() const { return number("recipient_count"); }
  std::optional<uint64_t> size() const { return number("size"); }  // MAIL SIZE=, 0 if none

  // Client: client_name is "unknown" without a verified name; reverse_client_name is the
  // unverified PTR name ("unknown" when none).
  std::string_view client_address() const { return get("client_address"); }
  std::optional<core::IpAddress> client_ip() const;
  std::string_view client_name() const { return get("client_name"); }
  std::string_view reverse_client_name() const { return get("reverse_client_name"); }
  std::optional<uint16_t> client_port() const { return port("client_port"); }

  std::string_view sasl_method() const { return get("sasl_method"); }
  std::string_view sasl_username() const { return get("sasl_username"); }
  std::string_view sasl_sender() const { return get("sasl_sender"); }
  std::string_view ccert_subject() const { return get("ccert_subject"); }
  std::string_view encryption_protocol() const { return get("encryption_protocol"); }
  bool stress() const { return get("stress") == "yes"; }  // Postfix is overloaded
  std::string_view server_address() const { return get("server_address"); }
  std::optional<uint16_t> server_port() const { return port("server_port"); }
  std::string_view policy_context() const { return get("policy_context"); }

 private:
  std::optional<uint64_t> number(std::string_view name) const;
  std::optional<uint16_t> port(std::string_view name) const;
  Attributes attrs_;
};

}  // namespace backstop::postfix_policy
