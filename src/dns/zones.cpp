// Zone configuration validation and preparation; see zones.h. Input comes from the operator's
// config file: every name is checked before the codec relies on its shape.
#include "dns/zones.h"

#include "core/text.h"

namespace backstop::dns {

namespace {

// Offsets of each label's length octet in a wire name (the root not included).
std::vector<size_t> label_offsets(const std::string& wire) {
  std::vector<size_t> out;
  for (size_t i = 0; i < wire.size() && wire[i] != 0; i += 1 + static_cast<uint8_t>(wire[i]))
    out.push_back(i);
  return out;
}

// Splits `name` into the labels it does not share with `zone` (written out) and a pointer to
// where the shared suffix starts in the zone (RFC 1035 4.1.4).
ApexRelativeName relative_to(const std::string& name, const std::string& zone) {
  const auto n = label_offsets(name);
  const auto z = label_offsets(zone);
  size_t shared = 0;
  while (shared < n.size() && shared < z.size() &&
         name.compare(n[n.size() - 1 - shared], std::string::npos, zone, z[z.size() - 1 - shared],
                      std::string::npos) == 0)
    ++shared;
  ApexRelativeName out;
  if (shared == 0) {
    out.head = name;
    return out;
  }
  out.head = name.substr(0, n[n.size() - shared]);
  out.tail = static_cast<int>(z[z.size() - shared]);
  return out;
}

bool is_suffix_zone(const std::string& inner, const std::string& outer) {
  if (inner.size() < outer.size()) return false;
  const size_t start = inner.size() - outer.size();
  if (inner.compare(start, std::string::npos, outer) != 0) return false;
  for (size_t o : label_offsets(inner))
    if (o == start) return true;
  return start == inner.size() - 1;  // outer is the root
}

}  // namespace

std::optional<std::string> encode_name(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  std::string wire;
  if (!text.empty()) {
    size_t start = 0;
    while (true) {
      size_t dot = text.find('.', start);
      if (dot == std::string_view::npos) dot = text.size();
      const std::string_view label = text.substr(start, dot - start);
      if (label.empty() || label.size() > 63) return std::nullopt;
      wire.push_back(static_cast<char>(label.size()));
      for (char c : label) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return std::nullopt;
        wire.push_back(core::ascii_lower(c));
      }
      if (dot == text.size()) break;
      start = dot + 1;
    }
  }
  wire.push_back(0);
  if (wire.size() > 255) return std::nullopt;
  return wire;
}

std::optional<Zones> Zones::make(const ZonesConfig& config, std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<Zones> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  if (config.ns_hosts.empty()) return fail("dns: at least one name server host is needed");
  if (config.ns_hosts.size() > 8) return fail("dns: at most 8 name server hosts");
  std::vector<std::string> ns;
  for (const auto& h : config.ns_hosts) {
    auto w = encode_name(h);
    if (!w || w->size() < 2) return fail("dns: bad name server host '" + h + "'");
    ns.push_back(*w);
  }
  std::string rname_text = config.hostmaster;
  if (auto at = rname_text.find('@'); at != std::string::npos) {
    if (rname_text.find('.') < at) return fail("dns: hostmaster local part must not contain '.'");
    rname_text[at] = '.';
  }
  auto rname = encode_name(rname_text);
  if (!rname || rname->size() < 2) return fail("dns: bad hostmaster '" + config.hostmaster + "'");
  if (config.udp_size < 512 || config.udp_size > 4096)
    return fail("dns: udp_size must be within 512..4096");

  Zones z;
  z.config_ = config;
  const std::pair<const std::string*, ZoneKind> wanted[] = {
      {&config.block_zone, ZoneKind::kBlock},
      {&config.allow_zone, ZoneKind::kAllowIp},
      {&config.domain_allow_zone, ZoneKind::kAllowDomain}};
  for (const auto& [name, kind] : wanted) {
    if (name->empty()) continue;
    auto w = encode_name(*name);
    if (!w || w->size() < 2) return fail("dns: bad zone name '" + *name + "'");
    // An IPv6 name adds 32 one-octet labels (64 octets) in front of the zone.
    if (kind != ZoneKind::kAllowDomain && w->size() + 64 > 255)
      return fail("dns: zone name '" + *name + "' too long for IPv6 names under it");
    for (const auto& other : z.zones_)
      if (is_suffix_zone(*w, other.wire) || is_suffix_zone(other.wire, *w))
        return fail("dns: zone '" + *name + "' is the same as or nested with another zone");
    Zone zone;
    zone.kind = kind;
    zone.wire = *w;
    zone.labels = static_cast<int>(label_offsets(*w).size());
    zone.mname = relative_to(ns.front(), *w);
    zone.rname = relative_to(*rname, *w);
    for (const auto& n : ns) zone.ns.push_back(relative_to(n, *w));
    z.zones_.push_back(std::move(zone));
  }
  if (z.zones_.empty()) return fail("dns: no zone configured");
  return z;
}

}  // namespace backstop::dns
