// The sent index kept in the reputation store (keys "sent:<Message-ID>", docs/store.md): every
// node that shares the store knows the Message-IDs any of them sent, so a bounce quoting one is
// accepted wherever it arrives. Reads are from memory; writes go behind through the Replica.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "policy/sent_index.h"
#include "store/replica.h"

namespace backstop::reputation {

class StoreSentIndex final : public policy::SentIndex {
 public:
  static constexpr std::string_view kPrefix = "sent:";
  // Subscribes to the replica (before it starts); the replica must outlive this index.
  explicit StoreSentIndex(store::Replica& replica);

  bool contains(std::string_view message_id, int64_t now) const override;
  void add(std::string message_id, int64_t expires) override;
  size_t size() const;

 private:
  void apply(const store::Entry& e);

  store::Replica& replica_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> ids_;  // Message-ID -> expires
  std::unordered_map<std::string, bool> seen_;    // during a full reload
  bool reloading_ = false;
};

}  // namespace backstop::reputation
