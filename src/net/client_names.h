// Forward-confirmed reverse DNS of SMTP clients, for the shield's host-name allowlist and
// blocklist patterns and its Received header: the PTR names of the client's address are looked
// up, and the first whose A (or AAAA) records hold the address is the client's name. A name
// that does not confirm is no name: anyone can publish any PTR for their own addresses.
// Results are cached for their DNS lifetime (the smallest TTL on the way), failures briefly.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "core/ip.h"
#include "net/resolver.h"

namespace backstop::net {

// The reverse-lookup name of an address (RFC 1035 3.5, RFC 3596 2.5): "4.3.2.1.in-addr.arpa",
// or 32 nibbles and "ip6.arpa".
std::string reverse_name(const core::IpAddress& ip);

// The cache on its own (pure; time passed in): address -> confirmed name ("" for none).
class NameCache {
 public:
  explicit NameCache(size_t max_entries = 100000) : max_(max_entries) {}
  // The cached name, or nullptr when absent or expired.
  const std::string* get(const core::IpAddress& ip, int64_t now) const;
  void put(const core::IpAddress& ip, std::string name, int64_t expires, int64_t now);
  size_t size() const { return map_.size(); }

 private:
  struct Entry {
    std::string name;
    int64_t expires;
  };
  static std::string key(const core::IpAddress& ip);
  size_t max_;
  std::unordered_map<std::string, Entry> map_;
};

struct ClientNameOptions {
  std::chrono::milliseconds timeout{5000};  // for the whole lookup, PTR and forward
  size_t max_names = 4;                     // PTR names tried (a long PTR set is an attack)
  uint32_t min_ttl = 60;                    // cache lifetimes are clamped to [min, max]
  uint32_t max_ttl = 86400;
  uint32_t failure_ttl = 60;  // timeouts and server failures, and answers without a TTL
};

// [resolver] as the resolver and the lookups take it.
ResolverOptions resolver_options(const config::ResolverConfig& c);
ClientNameOptions client_name_options(const config::ResolverConfig& c);

class ClientNames {
 public:
  ClientNames(asio::io_context& io, Resolver& resolver) : io_(io), resolver_(resolver) {}
  void set_options(const ClientNameOptions& o) { options_ = o; }

  // Calls done (on the loop, never inside this call) with the client's confirmed name, lower
  // case without the trailing dot, or "" when it has none or DNS did not answer in time.
  void lookup(const core::IpAddress& ip, std::function<void(std::string)> done);
  // The same for a coroutine.
  asio::awaitable<std::string> lookup(const core::IpAddress& ip);

  size_t cached() const { return cache_.size(); }

 private:
  struct Lookup;
  void forward(const std::shared_ptr<Lookup>& l);
  void finish(const std::shared_ptr<Lookup>& l, std::string name, uint32_t ttl);

  asio::io_context& io_;
  Resolver& resolver_;
  ClientNameOptions options_;
  NameCache cache_;
};

}  // namespace backstop::net
