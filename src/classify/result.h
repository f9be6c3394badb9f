// What the classifier says about one message: its class, the bounce details, and what could be
// recovered of the original message that caused it. Plain values; no parsing here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "message/original.h"

namespace backstop::classify {

enum class Class { kNone, kBounce, kAutoReply, kChallengeResponse, kVirusNotice, kFeedbackReport };

std::string_view to_string(Class c);

using Hop = message::Hop;
using Original = message::Original;

struct Classification {
  Class cls = Class::kNone;
  // Bounces only.
  std::string kind;  // "dsn" (RFC 3464 multipart/report) or "legacy"
  std::string action;
  std::string status;  // enhanced status code, e.g. "5.1.1"
  std::string diagnostic;
  std::string reporting_mta;
  std::vector<std::string> recipients;
  std::string reason;  // user-unknown, mailbox-full, host-unknown, spam-blocked, policy, ...
  Original original;
  std::vector<std::string> evidence;  // names of the rules that fired
};

}  // namespace backstop::classify
