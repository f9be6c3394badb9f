// End-of-message check: a bounce-class message is accepted only with evidence that it answers
// mail the domain really sent (issue 3 "DATA / end of message"):
//  - a recipient with a valid BATV tag;
//  - the quoted original's Message-ID in the sent index;
//  - the quoted original's Received chain shows it entered the bouncing site from one of our
//    outbound relays. Read from the newest hop down: hops without an address and the remote
//    site's internal hops (special-purpose addresses that are not ours) are skipped; the first
//    hop from a public address is the one the remote site wrote when it received the message,
//    and only that one is believed. A hop naming our relay below a foreign public hop is what
//    a forger writes, and is reported as "forged-relay-hop", not accepted.
#include "core/ip.h"
#include "policy/checks.h"

namespace backstop::policy::checks {

Evidence bounce_evidence(const config::Config& cfg, const SentIndex& sent, int64_t now,
                         const SessionState& s, const classify::Classification& c) {
  Evidence e;
  for (const auto& r : s.recipients)
    if (r.batv_valid) {
      e.legitimate = true;
      e.found.push_back("batv-valid");
      break;
    }
  if (!c.original.message_id.empty() && sent.contains(c.original.message_id, now)) {
    e.legitimate = true;
    e.found.push_back("sent-message-id");
  }
  bool believed = true;  // still above the first foreign public hop
  for (const auto& hop : c.original.received) {
    auto ip = core::parse_ip(hop.from_ip);
    bool ip_ours = ip && cfg.relays.outbound.contains_ip(*ip);
    bool name_ours = !hop.from_host.empty() && cfg.relays.outbound.contains_host(hop.from_host);
    if (ip_ours) {
      if (believed) {
        e.legitimate = true;
        e.found.push_back("our-relay-hop");
      } else {
        e.found.push_back("forged-relay-hop");
      }
      break;
    }
    if (name_ours && ip) {
      e.found.push_back("forged-relay-hop");  // our name from someone else's address
      break;
    }
    if (ip && !core::is_special_purpose(*ip)) believed = false;
  }
  if (!c.original.found) e.found.push_back("no-original");
  return e;
}

}  // namespace backstop::policy::checks
