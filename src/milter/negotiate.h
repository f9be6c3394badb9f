// Option negotiation, filter side: from the MTA's SMFIC_OPTNEG offer and what backstop wants,
// the values of the OPTNEG reply and the reply packet. Pure.
//
// The MTA offers the actions (SMFIF_*) a filter may take and the protocol flags (SMFIP_*) it
// supports; the filter answers with subsets (Sendmail and Postfix refuse a filter that asks
// for an action they did not offer) and with its version, at most the MTA's.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "milter/command.h"
#include "milter/reply.h"

namespace backstop::milter {

struct FilterWants {
  uint32_t required_actions = 0;   // SMFIF_*: negotiation fails unless all are offered
  uint32_t optional_actions = 0;   // SMFIF_*: taken when offered
  uint32_t required_protocol = 0;  // SMFIP_*: negotiation fails unless all are offered
  // SMFIP_*: taken when offered, e.g. SMFIP_RCPT_REJ (see recipients the MTA rejected),
  // SMFIP_NOUNKNOWN, SMFIP_NODATA, SMFIP_NR_HDR and the other no-reply flags,
  // SMFIP_HDR_LEADSPC.
  uint32_t optional_protocol = 0;
  // Macro lists to request per stage; sent only when the MTA offers SMFIF_SETSYMLIST (the
  // reply then includes that action). Otherwise the MTA sends its configured macros.
  std::vector<MacroList> macros;
};

struct Negotiation {
  OptNeg granted;                 // the version, actions and protocol flags replied
  std::vector<MacroList> macros;  // the macro lists sent; empty when not offered
  std::string reply;              // the SMFIC_OPTNEG reply packet to send
};

// Fails (an English text for the log) when the MTA's version is below 2, when a required
// action or protocol flag is not offered, or when a macro list cannot be encoded.
std::variant<Negotiation, std::string> negotiate(const OptNeg& offer, const FilterWants& wants);

}  // namespace backstop::milter
