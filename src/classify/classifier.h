// The bounce-class classifier: one call per message, pattern tables compiled once at creation.
// Input is an untrusted raw message (RFC 5322 bytes); every limit in message/limits.h is
// enforced, and a message past a limit is classified on what was read before it.
#pragma once

#include <memory>
#include <string_view>

#include "classify/result.h"
#include "message/limits.h"

namespace backstop::classify {

using Limits = message::Limits;

class Classifier {
 public:
  virtual ~Classifier() = default;
  // Compiles the pattern tables. Returns nullptr only if the built-in tables fail to compile,
  // which the unit tests rule out.
  static std::unique_ptr<Classifier> create(const Limits& limits = {});
  // Thread-safe: per-thread scratch space is allocated on first use.
  virtual Classification classify(std::string_view raw) const = 0;
};

}  // namespace backstop::classify
