// MAIL-stage check: our own domain as envelope sender from a client outside our relays and
// networks is forged (issue 3 "MAIL"; seed 004). Default: note it in the header, do not reject,
// because roaming users and forwarders legitimately do it.
#include "policy/checks.h"

namespace backstop::policy::checks {

core::Verdict sender(const config::Config& cfg, SessionState& s,
                     const std::optional<core::Address>& sender) {
  auto action = cfg.checks.own_domain_sender;
  if (!sender || action == config::CheckAction::kOff || s.ours || s.allowlisted)
    return core::Verdict::proceed();
  if (!cfg.domains.local.contains(sender->domain)) return core::Verdict::proceed();
  if (action == config::CheckAction::kNote) {
    s.transaction_notes.push_back("own-domain-sender-from-outside");
    return core::Verdict::proceed();
  }
  bool temp = action == config::CheckAction::kTempfail;
  return temp ? core::Verdict::tempfail(core::Reason::kOwnDomainForged,
                                        reply_for(core::Reason::kOwnDomainForged, true))
              : core::Verdict::reject(core::Reason::kOwnDomainForged,
                                      reply_for(core::Reason::kOwnDomainForged, false));
}

}  // namespace backstop::policy::checks
