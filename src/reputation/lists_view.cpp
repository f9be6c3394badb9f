// See lists_view.h.
#include "reputation/lists_view.h"

#include <cstdio>
#include <ctime>
#include <mutex>

#include "store/store.h"

namespace backstop::reputation {
namespace {

constexpr std::string_view kBlock = "block:";
constexpr std::string_view kAllow = "allow:";
constexpr std::string_view kGrey = "grey:";
constexpr std::string_view kPass = "greypass:";

bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

ListEntry entry_of(const lists::ListRecord& r) { return {r.reason, r.node, r.added, r.expires}; }

}  // namespace

ListsView::ListsView(store::Replica& replica, std::string node)
    : replica_(replica), node_(std::move(node)) {
  for (std::string_view prefix : {kBlock, kAllow, kGrey, kPass}) {
    store::Subscriber s;
    s.prefix = std::string(prefix);
    s.on_entry = [this](const store::Entry& e) { apply(e); };
    s.on_reload_begin = [this, p = std::string(prefix)] { reload_begin(p); };
    s.on_reload_end = [this, p = std::string(prefix)] { reload_end(p); };
    replica_.subscribe(std::move(s));
  }
}

void ListsView::set_config(std::shared_ptr<const config::Config> cfg) {
  std::unique_lock lock(mu_);
  cfg_ = std::move(cfg);
}

void ListsView::reload_begin(const std::string& prefix) {
  std::unique_lock lock(mu_);
  seen_[prefix].clear();
}

void ListsView::reload_end(const std::string& prefix) {
  std::unique_lock lock(mu_);
  auto it = seen_.find(prefix);
  if (it == seen_.end()) return;
  std::vector<std::string> gone;
  for (const auto& k : keys_)
    if (starts(k, prefix) && !it->second.contains(k)) gone.push_back(k);
  for (const auto& k : gone) drop(k);
  seen_.erase(it);
}

void ListsView::drop(const std::string& key) {
  keys_.erase(key);
  std::string_view k = key;
  if (starts(k, kGrey)) {
    grey_.erase(std::string(k.substr(kGrey.size())));
  } else if (starts(k, kPass)) {
    passes_.erase(std::string(k.substr(kPass.size())));
  } else if (starts(k, kBlock) || starts(k, kAllow)) {
    bool block = starts(k, kBlock);
    std::string_view subject = k.substr(block ? kBlock.size() : kAllow.size());
    if (auto net = lists::parse_cidr(subject)) {
      (block ? block_ : allow_).erase(*net);
    } else if (auto d = lists::parse_domain_pattern(subject); d && !block) {
      allow_domains_.erase(*d);
    }
  }
}

void ListsView::apply(const store::Entry& e) {
  std::unique_lock lock(mu_);
  if (e.deleted) {
    drop(e.key);
    return;
  }
  for (auto& [prefix, seen] : seen_)
    if (starts(e.key, prefix)) seen.insert(e.key);
  std::string_view k = e.key;
  if (starts(k, kGrey)) {
    int64_t first = 0;
    int passed = 0;
    if (std::sscanf(e.value.c_str(), "%lld %d", reinterpret_cast<long long*>(&first), &passed) != 2)
      return;
    grey_[std::string(k.substr(kGrey.size()))] = {{first, passed != 0}, e.expires};
  } else if (starts(k, kPass)) {
    auto n = store::parse_int64(e.value);
    if (!n) return;
    passes_[std::string(k.substr(kPass.size()))] = {*n, e.expires};
  } else {
    bool block = starts(k, kBlock);
    auto r = lists::decode_record(e.value);
    if (!r) return;  // another node's garbage is not ours to crash on
    if (auto* net = std::get_if<lists::Cidr>(&r->subject))
      (block ? block_ : allow_).insert(*net, entry_of(*r));
    else if (!block)
      allow_domains_.insert(std::get<lists::DomainPattern>(r->subject), entry_of(*r));
    else
      return;
  }
  keys_.insert(e.key);
}

std::optional<policy::Listing> ListsView::blocked(const core::IpAddress& ip, int64_t now) const {
  std::shared_lock lock(mu_);
  auto m = block_.match(ip);
  if (!m || !m->value->live(now)) return std::nullopt;
  return policy::Listing{m->network.str(), m->value->reason, m->value->expires};
}

bool ListsView::allowed(const core::IpAddress& ip, int64_t now) const {
  std::shared_lock lock(mu_);
  const ListEntry* e = allow_.lookup(ip);
  return e && e->live(now);
}

std::optional<policy::GreyRecord> ListsView::grey(const std::string& key, int64_t now) const {
  std::shared_lock lock(mu_);
  auto it = grey_.find(key.substr(kGrey.size()));
  if (it == grey_.end() || (it->second.second != 0 && it->second.second <= now))
    return std::nullopt;
  return it->second.first;
}

void ListsView::set_grey(const std::string& key, const policy::GreyRecord& r, int64_t expires) {
  replica_.put(key, std::to_string(r.first) + " " + (r.passed ? "1" : "0"), expires);
}

int64_t ListsView::grey_passes(const std::string& network, int64_t now) const {
  std::shared_lock lock(mu_);
  auto it = passes_.find(network);
  if (it == passes_.end() || (it->second.second != 0 && it->second.second <= now)) return 0;
  return it->second.first;
}

void ListsView::add_grey_pass(const std::string& network, int64_t expires) {
  {
    // Counted here at once (the store's answer to incr arrives a poll later).
    std::unique_lock lock(mu_);
    auto& p = passes_[network];
    p.first += 1;
    p.second = expires;
  }
  replica_.incr(std::string(kPass) + network, 1, expires);
}

void ListsView::list(const core::IpAddress& ip, const std::string& reason, int64_t expires) {
  lists::ListRecord r;
  r.subject = lists::host_route(ip);
  r.reason = reason;
  r.node = node_.empty() ? "local" : node_;
  r.added = std::time(nullptr);
  r.expires = expires;
  put("block", r);
  if (on_list_) on_list_(ip, reason);
}

void ListsView::put(const std::string& list, const lists::ListRecord& r) {
  replica_.put(list + ":" + r.subject_str(), lists::encode_record(r), r.expires);
}

void ListsView::erase(const std::string& list, const std::string& subject) {
  replica_.del(list + ":" + subject);
}

size_t ListsView::size() const {
  std::shared_lock lock(mu_);
  return block_.size() + allow_.size() + allow_domains_.size();
}

std::optional<dns::Listing> ListsView::blocked(const core::IpAddress& ip, int64_t now,
                                               std::span<char> text_buf) const {
  std::shared_lock lock(mu_);
  const ListEntry* e = block_.lookup(ip);
  if (!e || !e->live(now)) return std::nullopt;
  dns::Listing l;
  l.expires = e->expires;
  const config::ReasonConfig* r = cfg_ ? cfg_->reason(e->reason) : nullptr;
  l.code = static_cast<uint8_t>(r ? r->code : 2);
  if (!text_buf.empty()) {
    char when[32] = "never";
    if (e->expires) {
      std::time_t t = e->expires;
      std::tm tm{};
      gmtime_r(&t, &tm);
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    int n = std::snprintf(text_buf.data(), text_buf.size(), "%s, expires %s", e->reason.c_str(),
                          when);
    if (n < 0) n = 0;
    l.text = std::string_view(text_buf.data(), std::min<size_t>(size_t(n), text_buf.size() - 1));
  }
  return l;
}

bool ListsView::allowed_ip(const core::IpAddress& ip, int64_t now) const {
  std::shared_lock lock(mu_);
  if (cfg_ && cfg_->access.allow.contains_ip(ip)) return true;
  const ListEntry* e = allow_.lookup(ip);
  return e && e->live(now);
}

bool ListsView::has_host_entries() const {
  std::shared_lock lock(mu_);
  return !allow_domains_.empty();
}

bool ListsView::allowed_domain(std::string_view name, int64_t now) const {
  std::shared_lock lock(mu_);
  const ListEntry* e = allow_domains_.lookup(name);
  return e && e->live(now);
}

}  // namespace backstop::reputation
