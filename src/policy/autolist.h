// Automatic listing (issue 4): the shield's own events put the client on the blocklist, per
// reason, as [autolist] says: a HELO with our name, our domain forged from outside, repeated
// unknown users, repeated backscatter. Allowlisted and outbound clients are never listed.
// Counts are per client IP in a sliding window, in memory, bounded.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "core/reply.h"
#include "policy/reputation.h"
#include "policy/session_state.h"

namespace backstop::policy {

class Autolister {
 public:
  static constexpr size_t kMaxTracked = 100000;  // client IPs counted at once

  // A refusal the engine answered; lists the client when the config says so. Returns the
  // reason name it was listed under, or "".
  std::string on_refusal(const config::Config& cfg, Reputation& rep, const SessionState& s,
                         core::Reason why, int64_t now);

 private:
  struct Count {
    int64_t start = 0;
    uint32_t n = 0;
  };
  bool counted(std::unordered_map<std::string, Count>& counts, const std::string& ip,
               uint32_t threshold, int64_t window, int64_t now);

  std::unordered_map<std::string, Count> unknown_;
  std::unordered_map<std::string, Count> backscatter_;
};

}  // namespace backstop::policy
