// Storm detector; see storm.h. Each window is kBuckets buckets of window/kBuckets seconds; a
// bucket whose epoch is older than the window counts zero, so no timer is needed.
#include "policy/storm.h"

#include <algorithm>

namespace backstop::policy {

int64_t StormDetector::bucket_width() const {
  int64_t w = cfg_.window.count() / kBuckets;
  return w > 0 ? w : 1;
}

uint32_t StormDetector::sum(const std::array<uint32_t, kBuckets>& a, const Window& w,
                            int64_t now, int64_t width) {
  int64_t current = now / width;
  uint32_t total = 0;
  for (int i = 0; i < kBuckets; ++i)
    if (current - w.epoch[i] < kBuckets && w.epoch[i] <= current) total += a[i];
  return total;
}

void StormDetector::advance(Window& w, int64_t now) const {
  int64_t epoch = now / bucket_width();
  int slot = static_cast<int>(epoch % kBuckets);
  if (w.epoch[slot] != epoch) {
    w.epoch[slot] = epoch;
    w.backscatter[slot] = 0;
    w.unknown[slot] = 0;
  }
}

StormDetector::Window& StormDetector::window_for(const std::string& key, int64_t now) {
  auto& map = key.find('@') == std::string::npos ? domains_ : recipients_;
  if (map.size() >= kMaxKeys && map.find(key) == map.end()) {
    // Bounded memory: drop counters that are quiet and not in storm.
    for (auto it = map.begin(); it != map.end();) {
      if (it->second.storm_since == 0 && now - it->second.last_hot > cfg_.window.count())
        it = map.erase(it);
      else
        ++it;
    }
    if (map.size() >= kMaxKeys) map.erase(map.begin());
  }
  return map[key];
}

std::optional<StormChange> StormDetector::update(Window& w, const std::string& scope,
                                                 bool is_domain, int64_t now) {
  int64_t width = bucket_width();
  uint32_t bs = sum(w.backscatter, w, now, width);
  uint32_t uu = sum(w.unknown, w, now, width);
  bool hot = is_domain ? (bs >= cfg_.domain_backscatter || uu >= cfg_.domain_unknown_users)
                       : bs >= cfg_.recipient_backscatter;
  if (!hot) return std::nullopt;
  w.last_hot = now;
  if (w.storm_since != 0) return std::nullopt;
  w.storm_since = now;
  return StormChange{true, scope, is_domain, std::max(bs, uu)};
}

std::optional<StormChange> StormDetector::record(StormKind kind, std::string_view domain,
                                                 std::string_view recipient, int64_t now) {
  if (!cfg_.enabled) return std::nullopt;
  std::optional<StormChange> change;
  auto count = [&](Window& w) {
    advance(w, now);
    int slot = static_cast<int>((now / bucket_width()) % kBuckets);
    (kind == StormKind::kBackscatter ? w.backscatter : w.unknown)[slot]++;
  };
  std::string dkey(domain);
  Window& dw = window_for(dkey, now);
  count(dw);
  if (auto c = update(dw, dkey, true, now)) change = c;
  if (kind == StormKind::kBackscatter && !recipient.empty()) {
    std::string rkey(recipient);
    Window& rw = window_for(rkey, now);
    count(rw);
    if (auto c = update(rw, rkey, false, now); c && !change) change = c;
  }
  return change;
}

bool StormDetector::in_storm(std::string_view domain, std::string_view recipient,
                             int64_t now) const {
  if (!cfg_.enabled) return false;
  auto active = [&](const std::unordered_map<std::string, Window>& map, std::string_view key) {
    auto it = map.find(std::string(key));
    return it != map.end() && it->second.storm_since != 0 &&
           now - it->second.last_hot < cfg_.quiet_period.count();
  };
  return active(domains_, domain) || (!recipient.empty() && active(recipients_, recipient));
}

std::vector<StormChange> StormDetector::expire(int64_t now) {
  std::vector<StormChange> ended;
  for (auto* map : {&domains_, &recipients_}) {
    for (auto& [key, w] : *map) {
      if (w.storm_since != 0 && now - w.last_hot >= cfg_.quiet_period.count()) {
        w.storm_since = 0;
        ended.push_back({false, key, map == &domains_, 0});
      }
    }
  }
  return ended;
}

std::vector<StormStatus> StormDetector::status(int64_t now) const {
  std::vector<StormStatus> out;
  int64_t width = bucket_width();
  for (const auto* map : {&domains_, &recipients_}) {
    for (const auto& [key, w] : *map) {
      if (w.storm_since == 0) continue;
      out.push_back({key, map == &domains_, w.storm_since, sum(w.backscatter, w, now, width),
                     sum(w.unknown, w, now, width)});
    }
  }
  return out;
}

}  // namespace backstop::policy
