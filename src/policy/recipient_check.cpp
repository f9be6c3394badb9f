// RCPT-stage check (issue 3 "RCPT"): local domains, existing recipients (no catch-all:
// unknown users get 550 5.1.1 now, never a bounce later), BATV tags, and storm mode.
#include "core/text.h"
#include "policy/checks.h"

namespace backstop::policy::checks {
namespace {

bool exists(const config::Config& cfg, const core::Address& a) {
  std::string key = core::to_lower(a.str());
  return cfg.domains.any_recipient(a.domain) || cfg.domains.recipients.contains(key) ||
         cfg.domains.file_recipients.contains(key);
}

}  // namespace

RcptResult recipient(const config::Config& cfg, const batv::Prvs* prvs,
                     const StormDetector& storms, const core::Clock& clock, SessionState& s,
                     const core::Address& rcpt) {
  RcptResult r;
  if (!cfg.domains.local.contains(rcpt.domain)) {
    r.verdict = core::Verdict::reject(core::Reason::kRelayDenied,
                                      reply_for(core::Reason::kRelayDenied, false));
    return r;
  }
  core::Address bare = rcpt;
  bool tagged = batv::has_prvs_prefix(rcpt.local);
  bool valid_tag = false;
  if (tagged && prvs) {
    batv::Verification v = prvs->verify(rcpt.str(), clock);
    if (v.status == batv::Status::kValid) {
      valid_tag = true;
      if (auto a = core::parse_address(v.address)) bare = *a;
    } else if (v.status == batv::Status::kExpired) {
      r.verdict = core::Verdict::reject(core::Reason::kExpiredBatvTag,
                                        reply_for(core::Reason::kExpiredBatvTag, false));
      return r;
    } else if (v.status != batv::Status::kUntagged) {
      r.verdict = core::Verdict::reject(core::Reason::kBadBatvTag,
                                        reply_for(core::Reason::kBadBatvTag, false));
      return r;
    }
  } else if (tagged) {
    // BATV is not configured here: the tag cannot be checked, so it is only removed.
    if (auto a = core::parse_address(batv::strip_tag(rcpt.str()))) bare = *a;
  }
  if (!exists(cfg, bare)) {
    r.verdict = core::Verdict::reject(core::Reason::kUnknownUser,
                                      reply_for(core::Reason::kUnknownUser, false));
    return r;
  }
  // Storm mode: a null-sender RCPT to an untagged address is refused here, so the storm costs
  // no DATA bandwidth. SAV probes to tagged addresses and allowlisted clients still pass.
  bool storm = s.null_sender() && !valid_tag && !s.allowlisted && cfg.storm.strict_rcpt &&
               storms.in_storm(bare.domain, core::to_lower(bare.str()), clock.now());
  if (storm && !cfg.storm.strict_at_data) {
    r.verdict = core::Verdict::reject(core::Reason::kStorm, reply_for(core::Reason::kStorm, false));
    return r;
  }
  // strict_stage = "data": the RCPT passes (a SAV probe ends here); DATA is refused.
  s.recipients.push_back({bare, rcpt.str(), valid_tag, storm});
  if (tagged) r.rewritten = bare;
  if (valid_tag) r.verdict.evidence.push_back("batv-valid");
  return r;
}

}  // namespace backstop::policy::checks
