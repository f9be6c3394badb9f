// The sent index: Message-IDs of mail we sent, so that a bounce or auto-reply quoting one is
// known to answer our own mail. Filled by the milter (outbound) and the store; the engine only
// asks. Lookups must be in-process and cheap (DESIGN.md "Performance principles").
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace backstop::policy {

class SentIndex {
 public:
  virtual ~SentIndex() = default;
  virtual bool contains(std::string_view message_id, int64_t now) const = 0;
  // Records a Message-ID (without angle brackets) we sent, valid until expires.
  virtual void add(std::string message_id, int64_t expires) = 0;
};

// In-memory index with expiry; thread-safe.
class MemorySentIndex final : public SentIndex {
 public:
  void add(std::string message_id, int64_t expires) override {
    std::lock_guard lock(mu_);
    ids_[std::move(message_id)] = expires;
  }
  bool contains(std::string_view message_id, int64_t now) const override {
    std::lock_guard lock(mu_);
    auto it = ids_.find(std::string(message_id));
    return it != ids_.end() && it->second > now;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace backstop::policy
