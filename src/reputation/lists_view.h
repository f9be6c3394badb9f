// The shared lists and greylisting as this node sees them: in-memory tables kept fresh from
// the reputation store by its Replica, answering the policy engine (policy::Reputation) and
// the DNS server (dns::ZoneData) without a store round trip. Writes (automatic listing,
// greylisting, `backstop lists add`) go behind through the Replica and are visible here at
// once. Key layout (docs/store.md):
//   block:SUBJECT    a blocklist entry; value: lists::encode_record (reason, node, expiry)
//   allow:SUBJECT    an allowlist entry: an IP or CIDR, or a domain pattern (DNSWL zone)
//   grey:NETWORK|SENDER|RECIPIENT   "FIRST PASSED" (greylisting triplet)
//   greypass:NETWORK                 how many triplets of the network passed (a counter)
// Thread-safe: the Replica's thread writes, the event loop reads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "config/config.h"
#include "dns/zone_data.h"
#include "lists/domain_set.h"
#include "lists/ip_table.h"
#include "lists/record.h"
#include "policy/reputation.h"
#include "store/replica.h"

namespace backstop::reputation {

struct ListEntry {
  std::string reason;
  std::string node;
  int64_t added = 0;
  int64_t expires = 0;  // 0: never
  bool live(int64_t now) const { return expires == 0 || now < expires; }
};

class ListsView final : public policy::Reputation, public dns::ZoneData {
 public:
  // Subscribes to the replica (before it starts); it must outlive this view.
  ListsView(store::Replica& replica, std::string node);
  // The reasons (codes and texts for DNS answers) and the config's own allowlist.
  void set_config(std::shared_ptr<const config::Config> cfg);
  // Called (on the caller's thread) after list() listed a client: the daemon sends it to the
  // report peers.
  void on_list(std::function<void(const core::IpAddress&, const std::string&)> fn) {
    on_list_ = std::move(fn);
  }

  // policy::Reputation
  std::optional<policy::Listing> blocked(const core::IpAddress& ip, int64_t now) const override;
  bool allowed(const core::IpAddress& ip, int64_t now) const override;
  bool allowed_host(std::string_view host, int64_t now) const override {
    return allowed_domain(host, now);
  }
  bool has_host_entries() const override;
  std::optional<policy::GreyRecord> grey(const std::string& key, int64_t now) const override;
  void set_grey(const std::string& key, const policy::GreyRecord& r, int64_t expires) override;
  int64_t grey_passes(const std::string& network, int64_t now) const override;
  void add_grey_pass(const std::string& network, int64_t expires) override;
  void list(const core::IpAddress& ip, const std::string& reason, int64_t expires) override;
  bool available() const override { return available_.load(); }
  void set_available(bool up) { available_.store(up); }

  // dns::ZoneData
  std::optional<dns::Listing> blocked(const core::IpAddress& ip, int64_t now,
                                      std::span<char> text_buf) const override;
  bool allowed_ip(const core::IpAddress& ip, int64_t now) const override;
  bool allowed_domain(std::string_view name, int64_t now) const override;

  // Writes an entry (by hand, an import, a report): "block" or "allow".
  void put(const std::string& list, const lists::ListRecord& r);
  void erase(const std::string& list, const std::string& subject);
  size_t size() const;

 private:
  void apply(const store::Entry& e);
  void reload_begin(const std::string& prefix);
  void reload_end(const std::string& prefix);
  // Removes key's data from the tables (lock held).
  void drop(const std::string& key);

  store::Replica& replica_;
  std::string node_;
  mutable std::shared_mutex mu_;
  std::shared_ptr<const config::Config> cfg_;
  lists::IpTable<ListEntry> block_;
  lists::IpTable<ListEntry> allow_;
  lists::DomainSet<ListEntry> allow_domains_;
  std::unordered_map<std::string, std::pair<policy::GreyRecord, int64_t>> grey_;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> passes_;  // count, expires
  std::unordered_set<std::string> keys_;  // every key held, for reloads
  // Reloads run one subscriber (key prefix) at a time: keys seen during the reload of each
  // prefix; a prefix absent is not reloading.
  std::unordered_map<std::string, std::unordered_set<std::string>> seen_;
  std::atomic<bool> available_{true};
  std::function<void(const core::IpAddress&, const std::string&)> on_list_;
};

}  // namespace backstop::reputation
