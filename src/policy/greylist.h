// Greylisting (issue 4): the first attempt of an unknown (client network, sender, recipient)
// triplet is deferred with 451 4.7.1; a retry after `delay` and within `retry_window` passes,
// and the triplet then passes until `lifetime` runs out. A client network that passed
// `pass_count` triplets skips greylisting for `pass_lifetime`. Allowlisted and outbound clients
// skip it; null-sender mail is greylisted at DATA, never at RCPT, so SAV probes are not delayed.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "core/address.h"
#include "core/reply.h"
#include "policy/reputation.h"

namespace backstop::policy {

// The sender as greylisting compares it: lower-case, a BATV tag removed, and digit runs in the
// local part replaced by '#' (VERP and per-message bounce addresses: "list+123-4@x" and
// "list+987-6@x" are one sender). The null sender is "<>".
std::string grey_sender(const std::optional<core::Address>& sender);

// The client network as greylisting groups it ("192.0.2.0/24", "2001:db8:1:2::/64").
std::string grey_network(const core::IpAddress& ip, const config::GreylistConfig& cfg);

// The store key of a triplet: "grey:NETWORK|SENDER|RECIPIENT".
std::string grey_key(const std::string& network, const std::string& sender,
                     const std::string& recipient);

// Decides one triplet and records what it learned. nullopt: pass; else the 451 reply.
std::optional<core::Reply> greylist(const config::GreylistConfig& cfg, Reputation& rep,
                                    const core::IpAddress& ip,
                                    const std::optional<core::Address>& sender,
                                    const std::string& recipient, int64_t now);

}  // namespace backstop::policy
