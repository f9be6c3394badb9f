// HELO-stage check: a client that is not ours greeting with one of our names or addresses is
// lying about who it is (issue 3 "HELO"; seed 004: HELO checks).
#include "core/ip.h"
#include "core/text.h"
#include "policy/checks.h"

namespace backstop::policy::checks {

core::Verdict helo(const config::Config& cfg, const SessionState& s, std::string_view name) {
  if (cfg.checks.helo_is_us == config::CheckAction::kOff || s.ours || s.allowlisted)
    return core::Verdict::proceed();
  std::string_view n = core::trim(name);
  bool ours = false;
  for (const auto& h : cfg.checks.our_hosts)
    if (core::iequals(n, h)) ours = true;
  // An address literal "[192.0.2.1]" (RFC 5321 4.1.3) or a bare address.
  if (auto ip = core::parse_ip(n)) {
    for (const auto& mine : cfg.checks.our_ips)
      if (*ip == mine) ours = true;
  }
  if (!ours) return core::Verdict::proceed();
  bool temp = cfg.checks.helo_is_us == config::CheckAction::kTempfail;
  core::Verdict v = temp ? core::Verdict::tempfail(core::Reason::kHeloIsUs,
                                                   reply_for(core::Reason::kHeloIsUs, true))
                         : core::Verdict::reject(core::Reason::kHeloIsUs,
                                                 reply_for(core::Reason::kHeloIsUs, false));
  v.evidence.push_back("helo=" + std::string(n));
  return v;
}

}  // namespace backstop::policy::checks
