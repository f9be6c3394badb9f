// The Postfix policy front end's logic; see policy_filter.h.
#include "net/policy_filter.h"

#include "core/text.h"
#include "postfix_policy/response.h"

namespace backstop::net {

namespace pp = postfix_policy;

std::string PolicyFilter::respond(const core::Verdict& v) const {
  if (v.action == core::Action::kReject || v.action == core::Action::kTempfail) {
    if (auto r = pp::reply(v.reply)) return *r;
    return v.action == core::Action::kReject ? pp::reject() : pp::defer();
  }
  return pp::dunno();
}

core::Verdict PolicyFilter::start(const pp::Request& r) {
  state_ = {};
  if (auto ip = r.client_ip()) {
    state_.client.ip = *ip;
    state_.client.ip_text = ip->str();
  }
  // client_name is Postfix's verified (forward-confirmed) name, or "unknown".
  std::string_view name = r.client_name();
  if (!name.empty() && name != "unknown") state_.client.host = core::to_lower(name);
  const auto& cfg = engine_.config();
  state_.outbound = !r.sasl_username().empty() ||
                    (!state_.client.ip_text.empty() && cfg.relays.networks.contains_ip(state_.client.ip));
  core::Verdict v;
  if (!state_.client.ip_text.empty()) {
    v = engine_.connect(state_, {});
    if (v.refused()) return v;
  }
  if (!r.helo_name().empty()) {
    v = engine_.helo(state_, r.helo_name());
    if (v.refused()) return v;
  }
  std::optional<core::Address> sender;
  if (!r.sender().empty()) {
    sender = r.sender_address();
    if (!sender) return core::Verdict::proceed();  // unreadable: Postfix's own checks apply
  }
  return engine_.mail(state_, sender);
}

std::string PolicyFilter::answer(const pp::Request& r) {
  if (!r.is_access_policy()) return pp::dunno();
  auto stage = r.protocol_state();
  if (stage != pp::ProtocolState::kRcpt && stage != pp::ProtocolState::kData &&
      stage != pp::ProtocolState::kEndOfMessage)
    return pp::dunno();
  std::string instance(r.instance());
  if (instance.empty() || instance != instance_) {
    instance_ = instance;
    session_verdict_ = start(r);
  }
  if (session_verdict_.refused()) return respond(session_verdict_);
  switch (stage) {
    case pp::ProtocolState::kRcpt: {
      auto rcpt = r.recipient_address();
      if (!rcpt) return pp::dunno();
      return respond(engine_.rcpt(state_, *rcpt).verdict);
    }
    case pp::ProtocolState::kData: return respond(engine_.data(state_));
    default: return pp::dunno();
  }
}

}  // namespace backstop::net
