// Greylisting; see greylist.h.
#include "policy/greylist.h"

#include "batv/prvs.h"
#include "core/text.h"

namespace backstop::policy {

std::string grey_sender(const std::optional<core::Address>& sender) {
  if (!sender) return "<>";
  std::string address = core::to_lower(batv::strip_tag(sender->str()));
  size_t at = address.rfind('@');
  std::string out;
  out.reserve(address.size());
  bool in_digits = false;
  for (size_t i = 0; i < address.size(); ++i) {
    char c = address[i];
    bool digit = i < at && c >= '0' && c <= '9';
    if (digit) {
      if (!in_digits) out += '#';
      in_digits = true;
      continue;
    }
    in_digits = false;
    out += c;
  }
  return out;
}

std::string grey_network(const core::IpAddress& ip, const config::GreylistConfig& cfg) {
  config::Cidr c;
  c.address = ip;
  c.prefix = ip.v6 ? cfg.ipv6_prefix : cfg.ipv4_prefix;
  // Clear the host bits.
  int bits = c.prefix;
  size_t n = ip.v6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) {
    int keep = std::max(0, std::min(8, bits - int(i) * 8));
    c.address.bytes[i] &= uint8_t(keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff);
  }
  return c.address.str() + "/" + std::to_string(c.prefix);
}

std::string grey_key(const std::string& network, const std::string& sender,
                     const std::string& recipient) {
  return "grey:" + network + "|" + sender + "|" + core::to_lower(recipient);
}

std::optional<core::Reply> greylist(const config::GreylistConfig& cfg, Reputation& rep,
                                    const core::IpAddress& ip,
                                    const std::optional<core::Address>& sender,
                                    const std::string& recipient, int64_t now) {
  const std::string network = grey_network(ip, cfg);
  if (cfg.pass_count > 0 && rep.grey_passes(network, now) >= int64_t(cfg.pass_count))
    return std::nullopt;
  const std::string key = grey_key(network, grey_sender(sender), recipient);
  const int64_t delay = cfg.delay.count();
  auto record = rep.grey(key, now);
  if (record && record->passed) return std::nullopt;
  if (!record || now - record->first > cfg.retry_window.count()) {
    // New, or retried too late: this attempt starts the wait.
    rep.set_grey(key, {now, false}, now + cfg.retry_window.count());
    return core::Reply{451, "4.7.1",
                       "Greylisted: please try again in " + std::to_string(delay) + " seconds"};
  }
  int64_t waited = now - record->first;
  if (waited < delay)
    return core::Reply{451, "4.7.1",
                       "Greylisted: please try again in " + std::to_string(delay - waited) +
                           " seconds"};
  rep.set_grey(key, {record->first, true}, now + cfg.lifetime.count());
  rep.add_grey_pass(network, now + cfg.pass_lifetime.count());
  return std::nullopt;
}

}  // namespace backstop::policy
