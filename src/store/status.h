// Status and Result<T>: how every Store operation reports failure, as a value (never by throwing),
// with a code that tells the caller whether retrying later can help.
#pragma once

#include <cassert>
#include <string>
#include <utility>

namespace backstop::store {

enum class Code {
  kOk,
  // The backend cannot be reached or is busy (connection refused, timeout, SQLITE_BUSY, I/O
  // error, Redis LOADING/READONLY/OOM). The same operation may succeed later.
  kUnavailable,
  // The backend refused this operation (bad key or value, not an integer, overflow, corrupt
  // data). Retrying the same operation will fail the same way.
  kRejected,
};

class Status {
 public:
  Status() = default;  // ok
  static Status ok() { return Status(); }
  static Status unavailable(std::string error) {
    return Status(Code::kUnavailable, std::move(error));
  }
  static Status rejected(std::string error) { return Status(Code::kRejected, std::move(error)); }

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  bool unavailable() const { return code_ == Code::kUnavailable; }
  const std::string& error() const { return error_; }

 private:
  Status(Code code, std::string error) : code_(code), error_(std::move(error)) {}
  Code code_ = Code::kOk;
  std::string error_;
};

// A value or a failed Status. T must be default-constructible.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.is_ok());
  }

  bool is_ok() const { return status_.is_ok(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  const std::string& error() const { return status_.error(); }

  // Only meaningful when is_ok().
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace backstop::store
