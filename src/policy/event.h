// One decision, as it goes to the log, the counters and (later) the reputation reports.
// Built by the engine; formatted by src/monitor. Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/reply.h"

namespace backstop::policy {

enum class Stage : uint8_t { kConnect, kHelo, kMail, kRcpt, kData, kMessage, kStorm };

std::string_view to_string(Stage s);

struct Event {
  int64_t time = 0;  // Unix seconds
  Stage stage = Stage::kConnect;
  core::Action action = core::Action::kContinue;
  core::Reason reason = core::Reason::kNone;
  int code = 0;  // the SMTP code answered, 0 when none
  std::string client_host;
  std::string client_ip;
  std::string helo;
  std::string sender;     // "<>" for the null sender, "" before MAIL
  std::string recipient;  // one recipient, or "" (message-level events name the first)
  std::string detail;     // class, evidence, storm domain...
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const Event& e) = 0;
};

}  // namespace backstop::policy
