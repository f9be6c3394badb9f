// See client_names.h. One lookup: the PTR question, then the forward question for each PTR name
// in turn until one holds the address; a timer bounds the whole and answers "" when it fires.
#include "net/client_names.h"

#include <algorithm>
#include <ctime>

namespace backstop::net {

std::string reverse_name(const core::IpAddress& ip) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  if (!ip.v6) {
    for (int i = 3; i >= 0; --i) out += std::to_string(ip.bytes[i]) + ".";
    return out + "in-addr.arpa";
  }
  for (int i = 15; i >= 0; --i) {
    out += kHex[ip.bytes[i] & 0x0F];
    out += '.';
    out += kHex[ip.bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

ResolverOptions resolver_options(const config::ResolverConfig& c) {
  ResolverOptions o;
  o.servers = c.servers;
  // Two tries within the whole lookup's time, so one lost packet does not lose the name.
  o.tries = 2;
  o.timeout = std::max(std::chrono::milliseconds(500),
                       std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout) / 2);
  return o;
}

ClientNameOptions client_name_options(const config::ResolverConfig& c) {
  ClientNameOptions o;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout);
  return o;
}

std::string NameCache::key(const core::IpAddress& ip) {
  return std::string(reinterpret_cast<const char*>(ip.bytes.data()), ip.v6 ? 16 : 4);
}

const std::string* NameCache::get(const core::IpAddress& ip, int64_t now) const {
  auto it = map_.find(key(ip));
  if (it == map_.end() || it->second.expires <= now) return nullptr;
  return &it->second.name;
}

void NameCache::put(const core::IpAddress& ip, std::string name, int64_t expires, int64_t now) {
  if (map_.size() >= max_) {
    // Full: drop what expired; if that is not enough (a storm from many addresses), start
    // over rather than grow without bound.
    std::erase_if(map_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (map_.size() >= max_) map_.clear();
  }
  map_[key(ip)] = Entry{std::move(name), expires};
}

struct ClientNames::Lookup {
  Lookup(asio::io_context& io, const core::IpAddress& ip) : ip(ip), timer(io) {}
  core::IpAddress ip;
  std::function<void(std::string)> done;
  asio::steady_timer timer;
  std::vector<std::string> names;  // the PTR names
  size_t next = 0;                 // the next one to confirm
  uint32_t ttl = UINT32_MAX;       // the smallest TTL seen so far
  bool finished = false;
};

namespace {

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

}  // namespace

void ClientNames::finish(const std::shared_ptr<Lookup>& l, std::string name, uint32_t ttl) {
  if (l->finished) return;
  l->finished = true;
  l->timer.cancel();
  ttl = std::clamp(ttl, options_.min_ttl, std::max(options_.min_ttl, options_.max_ttl));
  const int64_t now = now_seconds();
  cache_.put(l->ip, name, now + ttl, now);
  auto done = std::move(l->done);
  done(std::move(name));
}

void ClientNames::lookup(const core::IpAddress& ip, std::function<void(std::string)> done) {
  if (const std::string* hit = cache_.get(ip, now_seconds())) {
    asio::post(io_, [done = std::move(done), name = *hit] { done(name); });
    return;
  }
  auto l = std::make_shared<Lookup>(io_, ip);
  l->done = std::move(done);
  l->timer.expires_after(options_.timeout);
  l->timer.async_wait([this, l](const asio::error_code& ec) {
    if (!ec) finish(l, "", options_.failure_ttl);
  });
  resolver_.query(reverse_name(ip), dns::RecordType::kPtr,
                  [this, l](std::optional<dns::ResponseRecords> r) {
                    if (l->finished) return;
                    if (!r) return finish(l, "", options_.failure_ttl);
                    if (r->ttl) l->ttl = *r->ttl;
                    l->names = std::move(r->names);
                    if (l->names.size() > options_.max_names) l->names.resize(options_.max_names);
                    forward(l);
                  });
}

void ClientNames::forward(const std::shared_ptr<Lookup>& l) {
  if (l->next >= l->names.size())
    return finish(l, "", l->ttl == UINT32_MAX ? options_.failure_ttl : l->ttl);
  const std::string& name = l->names[l->next++];
  const auto type = l->ip.v6 ? dns::RecordType::kAaaa : dns::RecordType::kA;
  resolver_.query(name, type, [this, l, name](std::optional<dns::ResponseRecords> r) {
    if (l->finished) return;
    if (!r) {
      // No answer for this name: the outcome is not known, so it is cached briefly.
      l->ttl = std::min(l->ttl, options_.failure_ttl);
    } else {
      if (r->ttl) l->ttl = std::min(l->ttl, *r->ttl);
      if (std::find(r->addresses.begin(), r->addresses.end(), l->ip) != r->addresses.end())
        return finish(l, name, l->ttl);
    }
    forward(l);
  });
}

asio::awaitable<std::string> ClientNames::lookup(const core::IpAddress& ip) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::string)>(
      [this, ip](auto handler) {
        // std::function needs a copyable target; the coroutine's handler is move-only.
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        lookup(ip, [h](std::string name) { std::move (*h)(std::move(name)); });
      },
      asio::use_awaitable);
}

}  // namespace backstop::net
