// The policy engine; see engine.h. This file sequences the checks (checks.h) and turns their
// outcomes into verdicts and events; the checks themselves live one per file.
#include "policy/engine.h"

#include <algorithm>

#include "batv/key_ring.h"
#include "core/text.h"
#include "message/headers.h"
#include "message/original.h"
#include "policy/checks.h"
#include "policy/greylist.h"

namespace backstop::policy {

std::string_view to_string(Stage s) {
  switch (s) {
    case Stage::kConnect: return "connect";
    case Stage::kHelo: return "helo";
    case Stage::kMail: return "mail";
    case Stage::kRcpt: return "rcpt";
    case Stage::kData: return "data";
    case Stage::kMessage: return "message";
    case Stage::kStorm: return "storm";
  }
  return "connect";
}

namespace checks {

core::Reply reply_for(core::Reason reason, bool temporary) {
  using R = core::Reason;
  switch (reason) {
    case R::kSessionLimit: return {421, "4.7.0", "Too many connections, try again later"};
    case R::kClientLimit:
      return {421, "4.7.0", "Too many connections from your address, try again later"};
    case R::kBlocklisted: return {554, "5.7.1", "Your address is on this site's blocklist"};
    case R::kHeloIsUs:
      return temporary ? core::Reply{450, "4.7.1", "HELO with our own name or address refused"}
                       : core::Reply{550, "5.7.1", "HELO with our own name or address refused"};
    case R::kOwnDomainForged:
      return temporary
                 ? core::Reply{451, "4.7.1", "Mail from our domain must come through our servers"}
                 : core::Reply{550, "5.7.1", "Mail from our domain must come through our servers"};
    case R::kRelayDenied: return {550, "5.7.1", "Relay access denied"};
    case R::kUnknownUser: return {550, "5.1.1", "No such user here"};
    case R::kBadBatvTag:
      return {550, "5.7.1", "Invalid bounce address tag: we never sent mail from this address"};
    case R::kExpiredBatvTag: return {550, "5.7.1", "Expired bounce address tag"};
    case R::kStorm:
      return {550, "5.7.1",
              "Backscatter storm: bounces to untagged addresses of this domain are refused"};
    case R::kNullSenderMultiRcpt:
      return temporary ? core::Reply{451, "4.7.1", "A bounce has exactly one recipient"}
                       : core::Reply{550, "5.7.1", "A bounce has exactly one recipient"};
    case R::kBackscatter:
      return temporary ? core::Reply{451, "4.7.1", "Backscatter refused, try again later"}
                       : core::Reply{550, "5.7.1", "Backscatter refused"};
    default: return temporary ? core::Reply{451, "4.3.0", "Try again later"}
                              : core::Reply{550, "5.7.1", "Refused"};
  }
}

}  // namespace checks

namespace {

std::optional<batv::Prvs> make_prvs(const config::Config& cfg, std::string* error) {
  if (cfg.batv.key_text.empty()) return std::nullopt;
  batv::KeyRingResult keys = batv::parse_key_ring(cfg.batv.key_text);
  if (!keys.ring) {
    if (error) *error = "BATV key file: " + (keys.errors.empty() ? std::string("unreadable")
                                                                  : to_string(keys.errors[0]));
    return std::nullopt;
  }
  return batv::Prvs::make(std::move(*keys.ring), cfg.batv.lifetime_days, error);
}

std::string sender_text(const SessionState& s) {
  if (!s.has_sender) return "";
  return s.sender ? "<" + s.sender->str() + ">" : "<>";
}

bool is_bounce_class(classify::Class c) {
  return c == classify::Class::kBounce || c == classify::Class::kAutoReply ||
         c == classify::Class::kChallengeResponse || c == classify::Class::kVirusNotice;
}

// With several recipients the most lenient action wins, so that a recipient who asked to see
// backscatter (tag) still gets it: tag, then tempfail, then reject, then discard.
config::BackscatterAction action_for(const config::Config& cfg, const SessionState& s) {
  using A = config::BackscatterAction;
  auto rank = [](A a) {
    switch (a) {
      case A::kTag: return 0;
      case A::kTempfail: return 1;
      case A::kReject: return 2;
      case A::kDiscard: return 3;
    }
    return 2;
  };
  A best = A::kDiscard;
  bool any = false;
  for (const auto& r : s.recipients) {
    A a = cfg.backscatter_action_for(core::to_lower(r.address.str()));
    if (!any || rank(a) < rank(best)) best = a;
    any = true;
  }
  return any ? best : cfg.backscatter.action;
}

}  // namespace

Engine::Engine(std::shared_ptr<const config::Config> config,
               const classify::Classifier& classifier, SentIndex& sent,
               StormDetector& storms, const core::Clock& clock, EventSink& events)
    : config_(std::move(config)),
      classifier_(classifier),
      sent_(sent),
      storms_(storms),
      clock_(clock),
      events_(events) {
  prvs_ = make_prvs(*config_, nullptr);
  storms_.set_config(config_->storm);
}

bool Engine::reload(std::shared_ptr<const config::Config> config, std::string* error) {
  std::string err;
  auto prvs = make_prvs(*config, &err);
  if (!prvs && !config->batv.key_text.empty()) {
    if (error) *error = err;
    return false;
  }
  config_ = std::move(config);
  prvs_ = std::move(prvs);
  storms_.set_config(config_->storm);
  return true;
}

void Engine::emit(const SessionState& s, Stage stage, const core::Verdict& v,
                  std::string recipient, std::string detail) {
  Event e;
  e.time = clock_.now();
  e.stage = stage;
  e.action = v.action;
  e.reason = v.reason;
  e.code = v.refused() ? v.reply.code : 0;
  e.client_host = s.client.host;
  e.client_ip = s.client.ip_text;
  e.helo = s.helo;
  e.sender = sender_text(s);
  e.recipient = std::move(recipient);
  e.detail = std::move(detail);
  events_.emit(e);
}

void Engine::autolist(const SessionState& s, core::Reason why) {
  if (!reputation_) return;
  std::string reason = autolister_.on_refusal(*config_, *reputation_, s, why, clock_.now());
  if (!reason.empty())
    emit(s, Stage::kConnect,
         core::Verdict{core::Action::kContinue, core::Reason::kListed, {}, {}}, "",
         "listed " + s.client.ip_text + " reason=" + reason);
}

// The shared lists: an allowlisted client skips the checks; a listed one gets its reason's
// answer (451 4.7.1 or 550 5.7.1 with the reason's text).
std::optional<core::Verdict> Engine::listed(SessionState& s) {
  if (!reputation_ || s.allowlisted || s.client.ip_text.empty()) return std::nullopt;
  if (!config_->store.fail_open && !reputation_->available())
    return core::Verdict::tempfail(core::Reason::kListed,
                                   {451, "4.3.0", "Reputation store unavailable, try again later"});
  const int64_t now = clock_.now();
  if (reputation_->allowed(s.client.ip, now) ||
      (!s.client.host.empty() && reputation_->allowed_host(s.client.host, now))) {
    s.allowlisted = true;
    return core::Verdict{core::Action::kAccept, core::Reason::kAllowlisted, {}, {}};
  }
  auto l = reputation_->blocked(s.client.ip, now);
  if (!l) return std::nullopt;
  const config::ReasonConfig* r = config_->reason(l->reason);
  bool permanent = r ? r->permanent : false;
  std::string text = r && !r->text.empty() ? r->text : "Your address is listed (" + l->reason + ")";
  core::Verdict v = permanent
                        ? core::Verdict::reject(core::Reason::kListed, {550, "5.7.1", text})
                        : core::Verdict::tempfail(core::Reason::kListed, {451, "4.7.1", text});
  v.evidence.push_back("listed:" + l->reason + ":" + l->subject);
  return v;
}

std::optional<core::Verdict> Engine::greylisted(SessionState& s, const core::Address& rcpt) {
  const auto& g = config_->greylist;
  if (!g.enabled || !reputation_ || s.allowlisted || s.sender_allowlisted || s.outbound || s.ours ||
      s.client.ip_text.empty())
    return std::nullopt;
  // The store is down: other nodes' triplets are unknown, so "open" does not greylist and
  // "tempfail" defers everything greylisting would decide.
  if (!reputation_->available()) {
    if (g.fail_open) return std::nullopt;
    return core::Verdict::tempfail(core::Reason::kGreylisted,
                                   {451, "4.3.0", "Greylisting unavailable, try again later"});
  }
  auto reply = greylist(g, *reputation_, s.client.ip, s.sender, rcpt.str(), clock_.now());
  if (!reply) return std::nullopt;
  return core::Verdict::tempfail(core::Reason::kGreylisted, *reply);
}

bool Engine::wants_client_names() const {
  switch (config_->resolver.client_names) {
    case config::ClientNames::kNever:
      return false;
    case config::ClientNames::kAlways:
      return true;
    case config::ClientNames::kAuto:
      break;
  }
  return !config_->access.allow.hosts.empty() || !config_->access.block.hosts.empty() ||
         (reputation_ && reputation_->has_host_entries());
}

core::Verdict Engine::connect(SessionState& s, const ConnectFacts& facts) {
  if (s.outbound) return core::Verdict::proceed();
  core::Verdict v = checks::access(*config_, s, facts);
  if (!v.refused() && v.reason == core::Reason::kNone)
    if (auto l = listed(s)) v = *l;
  if (v.refused() || v.reason != core::Reason::kNone) emit(s, Stage::kConnect, v, "", "");
  return v;
}

core::Verdict Engine::helo(SessionState& s, std::string_view name) {
  s.helo = std::string(core::trim(name));
  if (s.outbound) return core::Verdict::proceed();
  core::Verdict v = checks::helo(*config_, s, name);
  if (v.refused()) {
    emit(s, Stage::kHelo, v, "", "");
    autolist(s, v.reason);
  }
  return v;
}

core::Verdict Engine::mail(SessionState& s, const std::optional<core::Address>& sender) {
  s.reset_transaction();
  s.has_sender = true;
  s.sender = sender;
  if (s.outbound) return core::Verdict::proceed();
  s.sender_allowlisted =
      sender && config_->access.allow_sender_domains.contains(core::to_lower(sender->domain));
  core::Verdict v = checks::sender(*config_, s, sender);
  if (v.refused()) {
    emit(s, Stage::kMail, v, "", "");
    autolist(s, v.reason);
  }
  return v;
}

RcptResult Engine::rcpt(SessionState& s, const core::Address& rcpt) {
  if (s.outbound) {
    s.recipients.push_back({rcpt, rcpt.str(), false, false});
    return {};
  }
  RcptResult r = checks::recipient(*config_, prvs_ ? &*prvs_ : nullptr, storms_, clock_, s, rcpt);
  // Greylisting last, so that unknown users and bad tags are refused for good at once; the
  // null sender is greylisted at DATA (SAV probes are not delayed).
  if (!r.verdict.refused() && s.has_sender && !s.null_sender()) {
    if (auto g = greylisted(s, r.rewritten.value_or(rcpt))) {
      if (!s.recipients.empty()) s.recipients.pop_back();
      r.verdict = *g;
      r.rewritten.reset();
    }
  }
  if (r.verdict.refused()) {
    emit(s, Stage::kRcpt, r.verdict, rcpt.str(), "");
    autolist(s, r.verdict.reason);
    if (r.verdict.reason == core::Reason::kUnknownUser) {
      if (auto change = storms_.record(StormKind::kUnknownUser, rcpt.domain, "", clock_.now()))
        emit(s, Stage::kStorm, core::Verdict{core::Action::kContinue, core::Reason::kStorm, {}, {}},
             "", "storm started for " + change->scope);
    }
  }
  return r;
}

core::Verdict Engine::data(SessionState& s) {
  if (s.outbound) return core::Verdict::proceed();
  for (const auto& r : s.recipients) {
    if (!r.storm) continue;
    core::Verdict v =
        core::Verdict::reject(core::Reason::kStorm, checks::reply_for(core::Reason::kStorm, false));
    emit(s, Stage::kData, v, r.address.str(), "");
    return v;
  }
  auto action = config_->checks.null_sender_multi_rcpt;
  if (s.null_sender() && s.recipients.size() > 1 && action != config::CheckAction::kOff &&
      !s.allowlisted) {
    bool temp = action == config::CheckAction::kTempfail;
    core::Verdict v =
        temp ? core::Verdict::tempfail(core::Reason::kNullSenderMultiRcpt,
                                       checks::reply_for(core::Reason::kNullSenderMultiRcpt, true))
             : core::Verdict::reject(core::Reason::kNullSenderMultiRcpt,
                                     checks::reply_for(core::Reason::kNullSenderMultiRcpt, false));
    emit(s, Stage::kData, v, s.recipients.empty() ? "" : s.recipients[0].address.str(), "");
    return v;
  }
  if (s.null_sender() && !s.recipients.empty()) {
    if (auto g = greylisted(s, s.recipients[0].address)) {
      emit(s, Stage::kData, *g, s.recipients[0].address.str(), "");
      return *g;
    }
  }
  return core::Verdict::proceed();
}

MessageResult Engine::message(SessionState& s, std::string_view raw) {
  MessageResult m;
  m.classification = classifier_.classify(raw);
  const auto& c = m.classification;
  std::string cls(classify::to_string(c.cls));
  std::vector<std::string> evidence = c.evidence;
  for (const auto& n : s.notes) evidence.push_back(n);
  for (const auto& n : s.transaction_notes) evidence.push_back(n);

  bool needs_evidence = s.null_sender() || is_bounce_class(c.cls);
  std::string verdict_word = "accept";
  if (s.allowlisted || s.sender_allowlisted) {
    evidence.push_back(s.allowlisted ? "allowlisted" : "allowlisted-sender");
  } else if (needs_evidence) {
    checks::Evidence ev = checks::bounce_evidence(*config_, sent_, clock_.now(), s, c);
    evidence.insert(evidence.end(), ev.found.begin(), ev.found.end());
    if (ev.legitimate) {
      m.verdict.reason = core::Reason::kLegitBounce;
    } else {
      using A = config::BackscatterAction;
      A action = action_for(*config_, s);
      m.verdict.reason = core::Reason::kBackscatter;
      switch (action) {
        case A::kReject:
          m.verdict.action = core::Action::kReject;
          m.verdict.reply = {550, "5.7.1", config_->backscatter.reject_text};
          verdict_word = "reject";
          break;
        case A::kTempfail:
          m.verdict.action = core::Action::kTempfail;
          m.verdict.reply = checks::reply_for(core::Reason::kBackscatter, true);
          verdict_word = "tempfail";
          break;
        case A::kDiscard:
          m.verdict.action = core::Action::kDiscard;
          m.verdict.reason = core::Reason::kDiscarded;
          verdict_word = "discard";
          break;
        case A::kTag:
          m.verdict.action = core::Action::kTag;
          m.verdict.reason = core::Reason::kTagged;
          m.extra_header = config_->backscatter.tag_header + ": backscatter (" + cls + ")";
          verdict_word = "tag";
          break;
      }
      if (m.verdict.refused()) autolist(s, core::Reason::kBackscatter);
      for (const auto& r : s.recipients) {
        if (auto change = storms_.record(StormKind::kBackscatter, r.address.domain,
                                         core::to_lower(r.address.str()), clock_.now()))
          emit(s, Stage::kStorm,
               core::Verdict{core::Action::kContinue, core::Reason::kStorm, {}, {}}, "",
               "storm started for " + change->scope);
      }
    }
  }
  m.verdict.evidence = evidence;
  std::string ev_text;
  for (const auto& e : evidence) ev_text += (ev_text.empty() ? "" : ",") + e;
  m.x_backstop = "class=" + cls + "; verdict=" + verdict_word +
                 (ev_text.empty() ? std::string() : "; evidence=" + ev_text);
  std::string detail = "class=" + cls + (ev_text.empty() ? "" : " evidence=" + ev_text);
  for (const auto& r : s.recipients) emit(s, Stage::kMessage, m.verdict, r.address.str(), detail);
  return m;
}

OutboundResult Engine::outbound_message(SessionState& s, std::string_view headers) {
  OutboundResult out;
  if (!s.outbound) return out;
  const int64_t now = clock_.now();
  message::HeaderBlock block = message::parse_header_block(headers);
  out.message_id = message::extract_message_id(block.headers.get_or_empty("Message-ID"));
  const int64_t lifetime = int64_t(config_->batv.lifetime_days) * 86400;
  if (!out.message_id.empty()) sent_.add(out.message_id, now + lifetime);
  std::string detail = "outbound";
  if (prvs_ && s.sender && config_->batv.sign_domains.contains(core::to_lower(s.sender->domain)) &&
      !batv::has_prvs_prefix(s.sender->local)) {
    out.sender = prvs_->sign(s.sender->str(), clock_);
    detail += " signed";
  }
  if (!out.message_id.empty()) detail += " message-id=<" + out.message_id + ">";
  core::Verdict v = core::Verdict::proceed();
  v.reason = core::Reason::kOutbound;
  for (const auto& r : s.recipients) emit(s, Stage::kMessage, v, r.address.str(), detail);
  return out;
}

void Engine::delivered(const SessionState& s, const core::Reply& downstream) {
  if (downstream.positive()) return;
  core::Verdict v = downstream.temporary()
                        ? core::Verdict::tempfail(core::Reason::kDownstream, downstream)
                        : core::Verdict::reject(core::Reason::kDownstream, downstream);
  emit(s, Stage::kMessage, v, s.recipients.empty() ? "" : s.recipients[0].address.str(),
       "downstream " + std::to_string(downstream.code) + " " + downstream.text);
}

void Engine::tick() {
  for (const auto& change : storms_.expire(clock_.now())) {
    SessionState none;
    emit(none, Stage::kStorm, core::Verdict{core::Action::kContinue, core::Reason::kStorm, {}, {}},
         "", "storm ended for " + change.scope);
  }
}

}  // namespace backstop::policy
