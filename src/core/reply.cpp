// Names of reasons and actions; see reply.h.
#include "core/reply.h"

namespace backstop::core {

std::string_view to_string(Reason r) {
  switch (r) {
    case Reason::kNone: return "none";
    case Reason::kAllowlisted: return "allowlisted";
    case Reason::kBlocklisted: return "blocklisted";
    case Reason::kSessionLimit: return "session-limit";
    case Reason::kClientLimit: return "client-limit";
    case Reason::kHeloIsUs: return "helo-is-us";
    case Reason::kOwnDomainForged: return "own-domain-forged";
    case Reason::kRelayDenied: return "relay-denied";
    case Reason::kUnknownUser: return "unknown-user";
    case Reason::kBadBatvTag: return "bad-batv-tag";
    case Reason::kExpiredBatvTag: return "expired-batv-tag";
    case Reason::kBackscatter: return "backscatter";
    case Reason::kNullSenderMultiRcpt: return "null-sender-multi-rcpt";
    case Reason::kStorm: return "storm";
    case Reason::kTooManyRecipients: return "too-many-recipients";
    case Reason::kMessageTooLarge: return "message-too-large";
    case Reason::kSyntax: return "syntax";
    case Reason::kTooManyErrors: return "too-many-errors";
    case Reason::kTimeout: return "timeout";
    case Reason::kDownstream: return "downstream";
    case Reason::kLegitBounce: return "legit-bounce";
    case Reason::kTagged: return "tagged";
    case Reason::kDiscarded: return "discarded";
    case Reason::kOutbound: return "outbound";
    case Reason::kGreylisted: return "greylisted";
    case Reason::kListed: return "listed";
  }
  return "none";
}

std::string_view to_string(Action a) {
  switch (a) {
    case Action::kContinue: return "continue";
    case Action::kAccept: return "accept";
    case Action::kReject: return "reject";
    case Action::kTempfail: return "tempfail";
    case Action::kDiscard: return "discard";
    case Action::kTag: return "tag";
  }
  return "continue";
}

}  // namespace backstop::core
