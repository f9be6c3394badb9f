// Where a message being received is kept: in memory up to a configured size, then in an
// unlinked temporary file (so nothing is left behind, even after a crash), bounding memory per
// session (issue 3 "memory per session"). Implements smtp::MessageSink.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "smtp/session.h"

namespace backstop::net {

class MessageBuffer final : public smtp::MessageSink {
 public:
  MessageBuffer(size_t memory_limit, std::string spool_dir)
      : memory_limit_(memory_limit), spool_dir_(std::move(spool_dir)) {}
  ~MessageBuffer() override;
  MessageBuffer(const MessageBuffer&) = delete;
  MessageBuffer& operator=(const MessageBuffer&) = delete;

  void reset() override;
  bool append(std::string_view bytes) override;

  size_t size() const { return size_; }
  bool spilled() const { return file_ != nullptr; }
  // The whole message when it is still in memory (not spilled), without a copy.
  std::string_view memory() const { return memory_; }
  // The first n bytes (all of them if n >= size()), for classification.
  std::string head(size_t n) const;
  // Calls fn with consecutive chunks of the whole message; false if reading failed.
  bool for_each_chunk(const std::function<bool(std::string_view)>& fn) const;

 private:
  size_t memory_limit_;
  std::string spool_dir_;
  std::string memory_;
  FILE* file_ = nullptr;
  size_t size_ = 0;
};

}  // namespace backstop::net
