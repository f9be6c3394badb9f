// See sent_index.h.
#include "reputation/sent_index.h"

namespace backstop::reputation {

StoreSentIndex::StoreSentIndex(store::Replica& replica) : replica_(replica) {
  store::Subscriber s;
  s.prefix = std::string(kPrefix);
  s.on_entry = [this](const store::Entry& e) { apply(e); };
  s.on_reload_begin = [this] {
    std::lock_guard lock(mu_);
    reloading_ = true;
    seen_.clear();
  };
  s.on_reload_end = [this] {
    std::lock_guard lock(mu_);
    for (auto it = ids_.begin(); it != ids_.end();)
      it = seen_.contains(it->first) ? std::next(it) : ids_.erase(it);
    seen_.clear();
    reloading_ = false;
  };
  replica_.subscribe(std::move(s));
}

void StoreSentIndex::apply(const store::Entry& e) {
  std::string id = e.key.substr(kPrefix.size());
  std::lock_guard lock(mu_);
  if (e.deleted) {
    ids_.erase(id);
    return;
  }
  if (reloading_) seen_[id] = true;
  ids_[std::move(id)] = e.expires;
}

bool StoreSentIndex::contains(std::string_view message_id, int64_t now) const {
  std::lock_guard lock(mu_);
  auto it = ids_.find(std::string(message_id));
  return it != ids_.end() && (it->second == 0 || it->second > now);
}

void StoreSentIndex::add(std::string message_id, int64_t expires) {
  // Through the replica: it delivers to this index at once and writes the store behind.
  replica_.put(std::string(kPrefix) + message_id, "", expires);
}

size_t StoreSentIndex::size() const {
  std::lock_guard lock(mu_);
  return ids_.size();
}

}  // namespace backstop::reputation
