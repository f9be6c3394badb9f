// Milter option negotiation; see negotiate.h. The subset rule is what Postfix's milter8.c
// (request mask conflict) and Sendmail's milter.c check on their side of the handshake.
#include "milter/negotiate.h"

#include <algorithm>
#include <cstdio>

namespace backstop::milter {
namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

}  // namespace

std::variant<Negotiation, std::string> negotiate(const OptNeg& offer, const FilterWants& wants) {
  if (offer.version < kMinProtocolVersion)
    return "MTA offers milter protocol version " + std::to_string(offer.version) + ", below 2";
  if (const uint32_t missing = wants.required_actions & ~offer.actions)
    return "MTA does not offer the actions " + hex(missing) + " (offered " + hex(offer.actions) +
           ")";
  if (const uint32_t missing = wants.required_protocol & ~offer.protocol)
    return "MTA does not offer the protocol flags " + hex(missing) + " (offered " +
           hex(offer.protocol) + ")";

  Negotiation n;
  n.granted.version = std::min(offer.version, kProtocolVersion);
  n.granted.actions = (wants.required_actions | wants.optional_actions) & offer.actions;
  n.granted.protocol = (wants.required_protocol | wants.optional_protocol) & offer.protocol;
  if (!wants.macros.empty() && (offer.actions & SMFIF_SETSYMLIST)) {
    n.granted.actions |= SMFIF_SETSYMLIST;
    n.macros = wants.macros;
  }
  auto reply = encode_optneg(n.granted, n.macros);
  if (!reply) return std::string("a macro list cannot be encoded");
  n.reply = std::move(*reply);
  return n;
}

}  // namespace backstop::milter
