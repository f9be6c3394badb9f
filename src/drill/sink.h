// The drill's downstream sink as a sans-IO SMTP server session (RFC 5321): it takes every
// message and notes the X-Drill-Class and X-Drill-Id fields of its header, so the drill can
// count what the target really relayed. Input is what the target under test sends; lines and
// the header scan are bounded, the message itself is not kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drill/stats.h"

namespace backstop::drill {

class SinkSession {
 public:
  static constexpr size_t kMaxLine = 4096;  // longer lines are cut (data) or refused (commands)
  static constexpr size_t kMaxHeaderLines = 2000;  // header lines looked at per message

  // What to send when the connection opens.
  static std::string greeting();

  // Feeds bytes from the client; appends replies to out and one Arrival per message taken
  // (class and id empty when the header had none). Returns false when the connection should
  // be closed once out is sent (after QUIT).
  bool feed(std::string_view bytes, std::string& out, std::vector<Arrival>& arrivals);

  uint64_t messages() const { return messages_; }

 private:
  enum class State { kCommand, kData, kClosed };
  void line(std::string_view l, std::string& out, std::vector<Arrival>& arrivals);
  void command(std::string_view l, std::string& out);
  void data_line(std::string_view l, std::string& out, std::vector<Arrival>& arrivals);

  State state_ = State::kCommand;
  std::string partial_;
  bool cut_ = false;  // the current line went over kMaxLine: the rest is dropped
  bool mail_ = false;
  bool rcpt_ = false;
  bool in_header_ = true;
  size_t header_lines_ = 0;
  Arrival current_;
  uint64_t messages_ = 0;
};

}  // namespace backstop::drill
