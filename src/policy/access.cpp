// Connect-stage check: session limits, allowlist, blocklist (issue 3 "Connect").
#include "policy/checks.h"

namespace backstop::policy::checks {

core::Verdict access(const config::Config& cfg, SessionState& s, const ConnectFacts& facts) {
  s.ours = cfg.relays.networks.contains_ip(s.client.ip) ||
           cfg.relays.outbound.contains_ip(s.client.ip);
  if (facts.sessions_total > cfg.smtp.max_sessions)
    return core::Verdict::tempfail(core::Reason::kSessionLimit,
                                   reply_for(core::Reason::kSessionLimit, true));
  // Allowlisted clients are trusted: no later check but the recipient's existence applies.
  if (cfg.access.allow.contains_ip(s.client.ip) ||
      (!s.client.host.empty() && cfg.access.allow.contains_host(s.client.host))) {
    s.allowlisted = true;
    core::Verdict v;
    v.action = core::Action::kAccept;
    v.reason = core::Reason::kAllowlisted;
    return v;
  }
  if (facts.sessions_from_ip > cfg.smtp.max_sessions_per_ip)
    return core::Verdict::tempfail(core::Reason::kClientLimit,
                                   reply_for(core::Reason::kClientLimit, true));
  if (cfg.access.block.contains_ip(s.client.ip) ||
      (!s.client.host.empty() && cfg.access.block.contains_host(s.client.host)))
    return core::Verdict::reject(core::Reason::kBlocklisted,
                                 reply_for(core::Reason::kBlocklisted, false));
  return core::Verdict::proceed();
}

}  // namespace backstop::policy::checks
