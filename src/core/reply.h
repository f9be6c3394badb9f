// What backstop answers and why: an SMTP reply (RFC 5321 4.2 code, RFC 3463 enhanced code,
// public text), the closed set of reasons that name log lines, metrics and reports, and the
// verdict a policy stage returns. Plain values shared by the engine and every front end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::core {

struct Reply {
  int code = 250;        // RFC 5321 4.2 three-digit reply code
  std::string enhanced;  // RFC 3463 "class.subject.detail", empty when none applies
  std::string text;      // public text, one line, no CR/LF
  bool operator==(const Reply&) const = default;
  bool positive() const { return code >= 200 && code < 400; }
  bool temporary() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
};

// Why a decision was taken. Closed: each value names a log word, a metric label and a report
// reason. Keep to_string() and docs/log-format.md in step when adding one.
enum class Reason : uint8_t {
  kNone,               // nothing to say (accepted on the normal path)
  kAllowlisted,        // client on an allowlist: later checks skipped
  kBlocklisted,        // client on a blocklist
  kSessionLimit,       // too many sessions in total
  kClientLimit,        // too many sessions from this client IP
  kHeloIsUs,           // HELO names one of our hosts or IPs from outside
  kOwnDomainForged,    // our domain as envelope sender from outside our relays
  kRelayDenied,        // recipient domain not ours
  kUnknownUser,        // recipient does not exist
  kBadBatvTag,         // recipient's BATV tag does not verify
  kExpiredBatvTag,     // recipient's BATV tag has expired
  kBackscatter,        // bounce/auto-reply without evidence that it answers our mail
  kNullSenderMultiRcpt,  // null sender to more than one recipient
  kStorm,              // storm mode: null sender to an untagged address refused at RCPT
  kTooManyRecipients,
  kMessageTooLarge,
  kSyntax,             // protocol errors
  kTooManyErrors,
  kTimeout,
  kDownstream,         // downstream MTA unreachable or answered 4xx/5xx
  kLegitBounce,        // a bounce accepted with evidence (tag, relay, sent index)
  kTagged,             // accepted and marked with a header (action "tag")
  kDiscarded,          // accepted and dropped (action "discard")
  kOutbound,           // outbound mail: signed and recorded in the sent index
  kGreylisted,         // first attempt of an unknown triplet: try again later
  kListed,             // client on a temporary list entry (its reason says why)
};

std::string_view to_string(Reason r);

enum class Action : uint8_t {
  kContinue,  // no objection: go on to the next check or stage
  kAccept,    // accept now, skip later checks of this stage (allowlist)
  kReject,    // permanent refusal (5xx)
  kTempfail,  // temporary refusal (4xx)
  kDiscard,   // accept and drop
  kTag,       // accept with a header
};

std::string_view to_string(Action a);

struct Verdict {
  Action action = Action::kContinue;
  Reason reason = Reason::kNone;
  Reply reply;                        // meaningful for kReject and kTempfail
  std::vector<std::string> evidence;  // rule names, for the log and the X-Backstop header
  bool refused() const { return action == Action::kReject || action == Action::kTempfail; }

  static Verdict proceed() { return {}; }
  static Verdict reject(Reason why, Reply r) { return {Action::kReject, why, std::move(r), {}}; }
  static Verdict tempfail(Reason why, Reply r) {
    return {Action::kTempfail, why, std::move(r), {}};
  }
};

}  // namespace backstop::core
