// The engine's checks, one file each (access.cpp, helo_check.cpp, sender_check.cpp,
// recipient_check.cpp, bounce_evidence.cpp). Each is a pure function of the configuration
// snapshot and the facts; the engine sequences them and emits events.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batv/prvs.h"
#include "classify/result.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/reply.h"
#include "policy/engine.h"
#include "policy/sent_index.h"
#include "policy/session_state.h"
#include "policy/storm.h"

namespace backstop::policy::checks {

// Connect: session limits, allowlist, blocklist; marks the client as ours or allowlisted.
core::Verdict access(const config::Config& cfg, SessionState& s, const ConnectFacts& facts);

// HELO: our own host names or IPs from a client that is not ours.
core::Verdict helo(const config::Config& cfg, const SessionState& s, std::string_view name);

// MAIL: our own domains as envelope sender from outside our relays and networks.
core::Verdict sender(const config::Config& cfg, SessionState& s,
                     const std::optional<core::Address>& sender);

// RCPT: local domain, existing recipient, BATV tag, storm mode.
RcptResult recipient(const config::Config& cfg, const batv::Prvs* prvs,
                     const StormDetector& storms, const core::Clock& clock, SessionState& s,
                     const core::Address& rcpt);

// End of message: is there evidence that this bounce-class message answers mail we sent?
struct Evidence {
  bool legitimate = false;
  std::vector<std::string> found;  // names: batv-valid, our-relay-hop, sent-message-id, ...
};
Evidence bounce_evidence(const config::Config& cfg, const SentIndex& sent, int64_t now,
                         const SessionState& s, const classify::Classification& c);

// The standard replies of the checks (text a human can act on).
core::Reply reply_for(core::Reason reason, bool temporary);

}  // namespace backstop::policy::checks
