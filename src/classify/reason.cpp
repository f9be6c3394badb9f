// Reason categories; see reason.h. RFC 3463 3.x subject codes for the status fallback.
#include "classify/reason.h"

#include <vector>

namespace backstop::classify {
namespace {

struct ReasonRule {
  std::string_view reason;
  std::string_view regex;
};

// Order matters: the first category whose pattern matches wins.
constexpr ReasonRule kReasonRules[] = {
    {"message-too-large",
     R"(message (size|length) exceeds|too (large|big)|exceeds (the )?(maximum|size limit)|message size|size limit|mail size)"},
    {"mailbox-full",
     R"(mailbox (is )?full|over ?quota|quota (exceeded|exceed)|exceeded (storage|quota)|insufficient (system )?storage|disk quota|mailbox size limit|is full|full mailbox|storage (space|limit))"},
    {"spam-blocked",
     R"(spam|blacklist|blocklist|block list|black list|\brbl\b|dnsbl|spamhaus|spamcop|listed (at|in|on|by) [^\n]{0,60}(\bbl\b|rbl|dnsbl|spamhaus|spamcop|sorbs|barracuda|spam|black|block)|reputation|blocked (using|by)|junk|bulk mail|content (rejected|filter)|message (content )?rejected|looks like|classified as)"},
    {"user-unknown",
     R"(user unknown|unknown user|no such (user|mailbox|recipient|account|address)|does not exist|doesn'?t exist|not exist|unknown (recipient|mailbox|local|address)|invalid (recipient|mailbox|address|user)|recipient (address )?rejected|address rejected|mailbox (unavailable|not found|not available)|user (not found|doesn'?t|does not)|not a valid (mailbox|recipient|user)|no mailbox|unrouteable address|account (has been )?(disabled|deactivated|suspended|closed|expired)|not our customer|no longer (active|valid|available)|addressee unknown|recipient not found|unknown or illegal alias|bad destination mailbox|user invalid|no such person|not listed in (the )?(domino )?directory|not listed in (the )?public name)"},
    {"host-unknown",
     R"(host (or domain name )?not found|host unknown|unknown host|domain (not found|does not exist)|name service error|no mx|no valid (mx|hosts)|unrouteable (mail )?domain|nxdomain|name or service not known|unresolvable|domain lookup failed|dns (error|failure))"},
    {"expired",
     R"(expired|retry time|too long|give up|given up|could not be delivered (for|within)|delivery time|timed? ?out|timeout|delayed|no answer|not been delivered for)"},
    {"policy",
     R"(policy|relay(ing)? (denied|not permitted|access denied)|not permitted|denied|not allowed|access denied|unauthori[sz]ed|authentication required|prohibited|refused|rejected for|dmarc|\bspf\b|dkim|sender (address )?rejected|security)"},
};

}  // namespace

std::unique_ptr<ReasonTable> ReasonTable::create(std::string* error) {
  std::vector<std::string> exprs;
  for (const auto& r : kReasonRules) exprs.emplace_back(r.regex);
  auto set = PatternSet::compile(exprs, error);
  if (!set) return nullptr;
  auto table = std::unique_ptr<ReasonTable>(new ReasonTable());
  table->set_ = std::move(set);
  return table;
}

std::string_view ReasonTable::categorize(std::string_view status, std::string_view text) const {
  if (!text.empty()) {
    thread_local std::vector<size_t> hits;
    set_->scan(text, hits);
    for (size_t i = 0; i < hits.size(); ++i)
      if (hits[i] != PatternSet::kNoMatch) return kReasonRules[i].reason;
  }
  // RFC 3463: X.1.1 bad mailbox, X.1.2 bad system, X.2.2 mailbox full, X.3.4 too big,
  // X.4.7 delivery time expired, X.7.x security or policy.
  auto is = [&](std::string_view suffix) { return status.size() >= 2 && status.substr(1) == suffix; };
  if (is(".1.1") || is(".1.0") || is(".1.6") || is(".2.1")) return "user-unknown";
  if (is(".1.2") || is(".4.4")) return "host-unknown";
  if (is(".2.2")) return "mailbox-full";
  if (is(".3.4") || is(".2.3")) return "message-too-large";
  if (is(".4.7")) return "expired";
  if (status.size() > 3 && status.substr(1, 3) == ".7.") return "policy";
  return "other";
}

}  // namespace backstop::classify
