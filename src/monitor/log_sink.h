// The decision log: one line per decision (issue 3 "Log"), compact text a postmaster can watch
// scroll, or JSON for machines; and counters per reason. Writes to a FILE* it is given.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "policy/event.h"

namespace backstop::monitor {

enum class LogFormat { kText, kJson };

// Counts of decisions by reason and action.
class Counters {
 public:
  static constexpr size_t kReasons = 32;
  void count(const policy::Event& e);
  uint64_t rejected(core::Reason r) const { return rejected_[static_cast<size_t>(r)]; }
  uint64_t accepted(core::Reason r) const { return accepted_[static_cast<size_t>(r)]; }
  // "reason=N ..." of the non-zero counters, for the shutdown summary.
  std::string summary() const;

 private:
  std::array<uint64_t, kReasons> rejected_{};
  std::array<uint64_t, kReasons> accepted_{};
};

class LogSink final : public policy::EventSink {
 public:
  LogSink(FILE* out, LogFormat format) : out_(out), format_(format) {}
  void emit(const policy::Event& e) override;
  void set_format(LogFormat f) { format_ = f; }
  // A free-form line (start, reload, errors) in the same format.
  void notice(std::string_view level, std::string_view text);
  const Counters& counters() const { return counters_; }

 private:
  FILE* out_;
  LogFormat format_;
  Counters counters_;
  std::mutex mu_;
};

// The text form: "01:32:07 REJECT backscatter mta-in2.example.net [206.83.74.51] <> ->
// info@example.org 550 class=bounce ...". Exposed for tests.
std::string format_text(const policy::Event& e);
std::string format_json(const policy::Event& e);

}  // namespace backstop::monitor
