// What the engine asks of the shared reputation (issue 4): is the client on a list, has this
// greylisting triplet waited long enough, and "list this client". Implemented over the store's
// in-memory views (src/reputation); the engine only sees this interface, so it stays pure and
// every front end (shield, milter, policy server) answers from the same lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip.h"

namespace backstop::policy {

// A blocklist entry that covers a client.
struct Listing {
  std::string subject;  // the listed network, "192.0.2.0/24"
  std::string reason;   // a [[reasons]] name; its answer and text come from the config
  int64_t expires = 0;  // 0: never
};

// One greylisting triplet's state as the store keeps it.
struct GreyRecord {
  int64_t first = 0;    // when it was first seen (the current attempt window)
  bool passed = false;  // it waited long enough once: later mail passes until it expires
};

class Reputation {
 public:
  virtual ~Reputation() = default;
  virtual std::optional<Listing> blocked(const core::IpAddress& ip, int64_t now) const = 0;
  virtual bool allowed(const core::IpAddress& ip, int64_t now) const = 0;
  // Is a client's forward-confirmed host name on the allowlist (its host patterns)?
  virtual bool allowed_host(std::string_view host, int64_t now) const = 0;
  // Does the allowlist hold host patterns at all? (Is looking client names up worth it?)
  virtual bool has_host_entries() const = 0;
  // Greylisting state by key (see greylist.h for the key), and how many triplets of a client
  // network have passed (the network is allowlisted for greylisting after pass_count).
  virtual std::optional<GreyRecord> grey(const std::string& key, int64_t now) const = 0;
  virtual void set_grey(const std::string& key, const GreyRecord& r, int64_t expires) = 0;
  virtual int64_t grey_passes(const std::string& network, int64_t now) const = 0;
  virtual void add_grey_pass(const std::string& network, int64_t expires) = 0;
  // Lists a client (a temporary entry with the reason's lifetime), for automatic listing.
  // Writes go behind; the next blocked() on this node sees the entry at once.
  virtual void list(const core::IpAddress& ip, const std::string& reason, int64_t expires) = 0;
  // False while the store is unreachable: the answers above come from this node's view alone
  // ([store] fail and [greylist] fail say whether to trust it or answer 451).
  virtual bool available() const { return true; }
};

}  // namespace backstop::policy
