// Clock: the only way engine code learns the time, so tests can fix it.
#pragma once

#include <chrono>
#include <cstdint>

namespace backstop::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t t) : t_(t) {}
  int64_t now() const override { return t_; }
  void set(int64_t t) { t_ = t; }
  void advance(int64_t seconds) { t_ += seconds; }

 private:
  int64_t t_;
};

}  // namespace backstop::core
