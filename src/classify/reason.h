// Maps a bounce's enhanced status code (RFC 3463) and diagnostic text to a short reason
// category: user-unknown, mailbox-full, host-unknown, spam-blocked, policy, message-too-large,
// expired, other. The text table is compiled once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "classify/pattern_set.h"

namespace backstop::classify {

class ReasonTable {
 public:
  static std::unique_ptr<ReasonTable> create(std::string* error);
  // Text patterns decide first (a 5.7.1 that says "spam" is spam-blocked, a 5.0.0 that says
  // "user unknown" is user-unknown); the status code decides when the text says nothing known.
  std::string_view categorize(std::string_view status, std::string_view text) const;

 private:
  std::unique_ptr<PatternSet> set_;
};

}  // namespace backstop::classify
