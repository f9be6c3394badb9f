// Automatic listing; see autolist.h.
#include "policy/autolist.h"

namespace backstop::policy {

bool Autolister::counted(std::unordered_map<std::string, Count>& counts, const std::string& ip,
                         uint32_t threshold, int64_t window, int64_t now) {
  if (counts.size() >= kMaxTracked && !counts.contains(ip)) {
    // Forget the stale windows; if all are live, start over rather than grow without bound.
    std::erase_if(counts, [&](const auto& kv) { return now - kv.second.start > window; });
    if (counts.size() >= kMaxTracked) counts.clear();
  }
  Count& c = counts[ip];
  if (c.n == 0 || now - c.start > window) c = {now, 0};
  if (++c.n < threshold) return false;
  counts.erase(ip);
  return true;
}

std::string Autolister::on_refusal(const config::Config& cfg, Reputation& rep,
                                   const SessionState& s, core::Reason why, int64_t now) {
  if (s.allowlisted || s.outbound || s.ours || s.client.ip_text.empty()) return "";
  const config::AutolistConfig& a = cfg.autolist;
  std::string reason;
  switch (why) {
    case core::Reason::kHeloIsUs: reason = a.helo_is_us; break;
    case core::Reason::kOwnDomainForged: reason = a.own_domain_forged; break;
    case core::Reason::kUnknownUser:
      if (!a.unknown_users.empty() &&
          counted(unknown_, s.client.ip_text, a.unknown_users_count,
                  a.unknown_users_window.count(), now))
        reason = a.unknown_users;
      break;
    case core::Reason::kBackscatter:
      if (!a.backscatter.empty() &&
          counted(backscatter_, s.client.ip_text, a.backscatter_count,
                  a.backscatter_window.count(), now))
        reason = a.backscatter;
      break;
    default: break;
  }
  if (reason.empty()) return "";
  const config::ReasonConfig* r = cfg.reason(reason);
  if (!r) return "";
  rep.list(s.client.ip, reason, r->lifetime.count() == 0 ? 0 : now + r->lifetime.count());
  return reason;
}

}  // namespace backstop::policy
