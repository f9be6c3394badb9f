// The milter front end's logic; see milter_filter.h.
#include "net/milter_filter.h"

#include "core/address.h"
#include "core/ip.h"
#include "core/text.h"
#include "milter/protocol.h"
#include "milter/reply.h"

namespace backstop::net {
namespace {

// "<a@b>" (and the null sender "<>") as the MTA passes MAIL and RCPT arguments.
std::string_view strip_brackets(std::string_view a) {
  a = core::trim(a);
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  return a;
}

// Macro names arrive as "{daemon_name}" or a single letter ("i", "j", "_").
std::string macro_key(std::string_view name) {
  if (name.size() >= 2 && name.front() == '{' && name.back() == '}')
    name = name.substr(1, name.size() - 2);
  return std::string(name);
}

}  // namespace

milter::FilterWants milter_wants() {
  using namespace milter;
  FilterWants w;
  // Signing (CHGFROM), un-tagging recipients (ADDRCPT/DELRCPT) and X-Backstop (ADDHDRS).
  w.required_actions = SMFIF_ADDHDRS | SMFIF_CHGFROM | SMFIF_ADDRCPT | SMFIF_DELRCPT;
  // Fewer round trips: no replies to CONNECT, HELO and MAIL (their refusals are answered at
  // RCPT), headers and body chunks; no unknown commands. The MTA still sends CONNECT, HELO and
  // MAIL, with their macros: Postfix writes unanswered commands into its buffer and flushes it
  // with the next command it waits for, so they cost no round trip, and the engine sees the
  // same facts, from the same fields, as with every answer awaited. (SMFIP_NOMAIL with the
  // sender from the {mail_addr} macro at RCPT would save nothing more: Postfix still sends the
  // MAIL macros, and {mail_addr} is the address after Postfix's own rewriting. Postfix has no
  // macro for the HELO name, so HELO has to come as a command anyway.)
  w.optional_protocol = SMFIP_NOUNKNOWN | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                        SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
  // Only the macros read here: {daemon_name} and {auth_authen} (is_outbound). Postfix replaces
  // a stage left out (or empty) with its main.cf list, e.g. milter_rcpt_macros, whose
  // {rcpt_addr}, {rcpt_host} and {rcpt_mailer} it would look up in its address resolver and
  // send with every RCPT for nothing; so the HELO and RCPT stages ask for {daemon_name}, a
  // constant, instead. DATA, end of headers and end of message keep the MTA's lists (Postfix:
  // the queue ID "i" alone).
  w.macros = {{SMFIM_CONNECT, "{daemon_name}"},
              {SMFIM_HELO, "{daemon_name}"},
              {SMFIM_ENVFROM, "{daemon_name} {auth_authen}"},
              {SMFIM_ENVRCPT, "{daemon_name}"}};
  return w;
}

std::string MilterFilter::macro(const std::string& name) const {
  auto it = macros_.find(name);
  return it == macros_.end() ? std::string() : it->second;
}

bool MilterFilter::is_outbound() const {
  const auto& cfg = engine_.config();
  if (!macro("auth_authen").empty()) return true;
  std::string daemon = macro("daemon_name");
  if (!daemon.empty() && cfg.milter.outbound_daemons.contains(daemon)) return true;
  return !state_.client.ip_text.empty() && cfg.relays.networks.contains_ip(state_.client.ip);
}

void MilterFilter::reply(char command, const core::Verdict& v, std::string& out) {
  if (!milter::expects_reply(command, protocol_)) return;
  if (v.action == core::Action::kReject || v.action == core::Action::kTempfail) {
    if (auto p = milter::encode_replycode(v.reply)) {
      out += *p;
      return;
    }
    out += v.action == core::Action::kReject ? milter::encode_reject() : milter::encode_tempfail();
    return;
  }
  out += milter::encode_continue();
}

void MilterFilter::reset_message() {
  state_.reset_transaction();
  mail_refusal_ = {};
  message_.clear();
  headers_.clear();
  truncated_ = false;
  rewrites_.clear();
}

void MilterFilter::on_connect(const milter::Connect& c, std::string& out) {
  state_ = {};
  pending_ = {};
  reset_message();
  if (c.family == milter::SMFIA_INET || c.family == milter::SMFIA_INET6) {
    if (auto ip = core::parse_ip(c.address)) {
      state_.client.ip = *ip;
      state_.client.ip_text = ip->str();
    }
  }
  // Postfix sends "[192.0.2.1]" when the client's name did not verify: no name then.
  if (!c.hostname.empty() && c.hostname.front() != '[' && c.hostname != "unknown")
    state_.client.host = core::to_lower(c.hostname);
  core::Verdict v;
  if (!state_.client.ip_text.empty()) v = engine_.connect(state_, {});
  if (v.refused()) pending_ = v;
  reply(milter::SMFIC_CONNECT, core::Verdict::proceed(), out);
}

void MilterFilter::on_helo(const milter::Helo& h, std::string& out) {
  core::Verdict v = engine_.helo(state_, h.name);
  if (v.refused() && !pending_.refused()) pending_ = v;
  reply(milter::SMFIC_HELO, core::Verdict::proceed(), out);
}

void MilterFilter::on_mail(const milter::Mail& m, std::string& out) {
  reset_message();
  state_.outbound = is_outbound();
  core::Verdict v = mail_verdict(m);
  // SMFIP_NR_MAIL: the MTA goes on to RCPT without this answer; the refusal waits there.
  if (v.refused() && !milter::expects_reply(milter::SMFIC_MAIL, protocol_)) mail_refusal_ = v;
  reply(milter::SMFIC_MAIL, v, out);
}

core::Verdict MilterFilter::mail_verdict(const milter::Mail& m) {
  if (pending_.refused() && !state_.outbound) return pending_;
  std::string_view arg = strip_brackets(m.sender);
  std::optional<core::Address> sender;
  if (!arg.empty()) {
    sender = core::parse_address(arg);
    // An address the engine cannot read is the MTA's business; go on without a sender check.
    if (!sender) {
      state_.has_sender = true;
      return core::Verdict::proceed();
    }
  }
  return engine_.mail(state_, sender);
}

void MilterFilter::on_rcpt(const milter::Rcpt& r, std::string& out) {
  if (mail_refusal_.refused()) {
    reply(milter::SMFIC_RCPT, mail_refusal_, out);
    return;
  }
  std::string_view arg = strip_brackets(r.recipient);
  auto address = core::parse_address(arg);
  if (!address) {
    reply(milter::SMFIC_RCPT, core::Verdict::proceed(), out);
    return;
  }
  policy::RcptResult result = engine_.rcpt(state_, *address);
  if (!result.verdict.refused() && result.rewritten && !state_.outbound)
    rewrites_.emplace_back(std::string(arg), result.rewritten->str());
  reply(milter::SMFIC_RCPT, result.verdict, out);
}

void MilterFilter::on_data(std::string& out) {
  reply(milter::SMFIC_DATA, engine_.data(state_), out);
}

void MilterFilter::on_end_of_message(const milter::EndOfBody& e, std::string& out) {
  if (!e.chunk.empty() && !truncated_) message_.append(e.chunk);
  if (state_.outbound) {
    policy::OutboundResult r = engine_.outbound_message(state_, headers_);
    if (r.sender)
      if (auto p = milter::encode_chgfrom("<" + *r.sender + ">")) out += *p;
    out += milter::encode_continue();
    reset_message();
    return;
  }
  policy::MessageResult m = engine_.message(state_, message_);
  const core::Verdict& v = m.verdict;
  if (v.action == core::Action::kReject || v.action == core::Action::kTempfail) {
    reply(milter::SMFIC_BODYEOB, v, out);
    reset_message();
    return;
  }
  if (v.action == core::Action::kDiscard) {
    out += milter::encode_discard();
    reset_message();
    return;
  }
  for (const auto& [tagged, bare] : rewrites_) {
    if (auto p = milter::encode_delrcpt("<" + tagged + ">")) out += *p;
    if (auto p = milter::encode_addrcpt("<" + bare + ">")) out += *p;
  }
  if (!m.extra_header.empty()) {
    size_t colon = m.extra_header.find(':');
    if (colon != std::string::npos)
      if (auto p = milter::encode_addheader(m.extra_header.substr(0, colon),
                                            core::trim(m.extra_header.substr(colon + 1))))
        out += *p;
  }
  if (auto p = milter::encode_addheader("X-Backstop", m.x_backstop)) out += *p;
  out += milter::encode_continue();
  reset_message();
}

bool MilterFilter::handle(const milter::Command& command, std::string& out) {
  using namespace milter;
  return std::visit(
      [&](const auto& c) -> bool {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, OptNeg>) {
          auto result = negotiate(c, milter_wants());
          if (auto* why = std::get_if<std::string>(&result)) {
            error_ = "option negotiation failed: " + *why;
            return false;
          }
          auto& n = std::get<Negotiation>(result);
          protocol_ = n.granted.protocol;
          out += n.reply;
        } else if constexpr (std::is_same_v<T, Macro>) {
          for (const auto& [name, value] : c.macros) macros_[macro_key(name)] = value;
        } else if constexpr (std::is_same_v<T, Connect>) {
          on_connect(c, out);
        } else if constexpr (std::is_same_v<T, Helo>) {
          on_helo(c, out);
        } else if constexpr (std::is_same_v<T, Mail>) {
          on_mail(c, out);
        } else if constexpr (std::is_same_v<T, Rcpt>) {
          on_rcpt(c, out);
        } else if constexpr (std::is_same_v<T, Data>) {
          on_data(out);
        } else if constexpr (std::is_same_v<T, Header>) {
          std::string line = c.name + ": " + c.value + "\r\n";
          headers_ += line;
          if (message_.size() + line.size() <= kMaxClassified) message_ += line;
          else truncated_ = true;
          if (expects_reply(SMFIC_HEADER, protocol_)) out += encode_continue();
        } else if constexpr (std::is_same_v<T, EndOfHeaders>) {
          headers_ += "\r\n";
          message_ += "\r\n";
          if (expects_reply(SMFIC_EOH, protocol_)) out += encode_continue();
        } else if constexpr (std::is_same_v<T, Body>) {
          if (!truncated_) {
            size_t room = kMaxClassified > message_.size() ? kMaxClassified - message_.size() : 0;
            message_.append(c.chunk, 0, std::min(room, c.chunk.size()));
            if (c.chunk.size() > room) truncated_ = true;
          }
          if (expects_reply(SMFIC_BODY, protocol_)) out += encode_continue();
        } else if constexpr (std::is_same_v<T, EndOfBody>) {
          on_end_of_message(c, out);
        } else if constexpr (std::is_same_v<T, Abort>) {
          reset_message();
        } else if constexpr (std::is_same_v<T, Quit>) {
          return false;
        } else if constexpr (std::is_same_v<T, QuitNewConnection>) {
          state_ = {};
          pending_ = {};
          macros_.clear();
          reset_message();
        } else if constexpr (std::is_same_v<T, Unknown>) {
          if (expects_reply(SMFIC_UNKNOWN, protocol_)) out += encode_continue();
        }
        return true;
      },
      command);
}

}  // namespace backstop::net
