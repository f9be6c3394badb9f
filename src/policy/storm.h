// Storm detection: sliding-window rates of backscatter and unknown-user rejects per recipient
// domain and per recipient. Past a threshold the domain (or recipient) enters storm mode, in
// which the engine refuses null-sender RCPTs to untagged addresses; the storm ends after a
// quiet period below the thresholds. Pure: time comes in as arguments. One per event loop
// (not thread-safe). Memory is bounded: at most kMaxKeys counters are kept.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace backstop::policy {

enum class StormKind { kBackscatter, kUnknownUser };

struct StormChange {
  bool started = false;  // false: ended
  std::string scope;     // the domain, or the recipient address
  bool is_domain = true;
  uint32_t rate = 0;     // events in the window when it changed
};

struct StormStatus {
  std::string scope;
  bool is_domain = true;
  int64_t since = 0;
  uint32_t backscatter = 0;    // in the current window
  uint32_t unknown_users = 0;
};

class StormDetector {
 public:
  static constexpr size_t kMaxKeys = 100000;
  static constexpr int kBuckets = 12;

  explicit StormDetector(config::StormConfig cfg) : cfg_(std::move(cfg)) {}
  void set_config(config::StormConfig cfg) { cfg_ = std::move(cfg); }

  // Counts one reject; returns the change if it started a storm.
  std::optional<StormChange> record(StormKind kind, std::string_view domain,
                                    std::string_view recipient, int64_t now);
  // Whether the strict rule applies to this recipient now.
  bool in_storm(std::string_view domain, std::string_view recipient, int64_t now) const;
  // Ends storms that have been quiet long enough; call periodically.
  std::vector<StormChange> expire(int64_t now);
  std::vector<StormStatus> status(int64_t now) const;

 private:
  struct Window {
    std::array<uint32_t, kBuckets> backscatter{};
    std::array<uint32_t, kBuckets> unknown{};
    std::array<int64_t, kBuckets> epoch{};  // which bucket period each slot holds
    int64_t storm_since = 0;                // 0: not in storm
    int64_t last_hot = 0;                   // last time it was over a threshold
  };
  int64_t bucket_width() const;
  void advance(Window& w, int64_t now) const;
  static uint32_t sum(const std::array<uint32_t, kBuckets>& a, const Window& w, int64_t now,
                      int64_t width);
  Window& window_for(const std::string& key, int64_t now);
  std::optional<StormChange> update(Window& w, const std::string& scope, bool is_domain,
                                    int64_t now);

  config::StormConfig cfg_;
  std::unordered_map<std::string, Window> domains_;
  std::unordered_map<std::string, Window> recipients_;
};

}  // namespace backstop::policy
