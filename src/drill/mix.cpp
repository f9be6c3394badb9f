// The drill's command-line values; see mix.h. Operator input: parsed strictly, errors say
// which item is wrong and how.
#include "drill/mix.h"

#include <charconv>

#include "core/text.h"

namespace backstop::drill {

namespace {

constexpr std::array<std::string_view, kClassCount> kNames = {"backscatter", "probes", "unknown",
                                                              "legit", "legit-bounces"};
constexpr uint32_t kMaxWeight = 1000000;

std::string valid_names() {
  std::string out;
  for (auto n : kNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

void set_error(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

// Whole decimal number without sign; nullopt when not digits or above max.
std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace

std::string_view to_string(MsgClass c) {
  return kNames[static_cast<size_t>(c)];
}

std::optional<MsgClass> class_from_string(std::string_view name) {
  for (size_t i = 0; i < kClassCount; ++i)
    if (core::iequals(name, kNames[i])) return static_cast<MsgClass>(i);
  return std::nullopt;
}

uint64_t Mix::total() const {
  uint64_t t = 0;
  for (auto w : weight) t += w;
  return t;
}

Mix default_mix() {
  Mix m;
  m.weight = {90, 3, 4, 2, 1};
  return m;
}

std::optional<Mix> parse_mix(std::string_view text, std::string* error) {
  Mix mix;
  std::array<bool, kClassCount> seen{};
  if (core::trim(text).empty()) {
    set_error(error,
              "--mix is empty; expected e.g. backscatter=90,probes=3,unknown=4,legit=2,"
              "legit-bounces=1");
    return std::nullopt;
  }
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        core::trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) {
      set_error(error, "--mix has an empty item (two commas in a row, or a trailing comma)");
      return std::nullopt;
    }
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      set_error(error, "--mix item '" + std::string(item) + "' has no '=': write CLASS=WEIGHT");
      return std::nullopt;
    }
    std::string_view name = core::trim(item.substr(0, eq));
    std::string_view value = core::trim(item.substr(eq + 1));
    auto cls = class_from_string(name);
    if (!cls) {
      set_error(error, "--mix: unknown class '" + std::string(name) + "'; the classes are " +
                           valid_names());
      return std::nullopt;
    }
    auto w = parse_uint(value, kMaxWeight);
    if (!w) {
      set_error(error, "--mix: the weight of " + std::string(to_string(*cls)) + " must be a " +
                           "whole number from 0 to " + std::to_string(kMaxWeight) + ", not '" +
                           std::string(value) + "'");
      return std::nullopt;
    }
    size_t i = static_cast<size_t>(*cls);
    if (seen[i]) {
      set_error(error, "--mix names " + std::string(to_string(*cls)) + " twice");
      return std::nullopt;
    }
    seen[i] = true;
    mix.weight[i] = static_cast<uint32_t>(*w);
  }
  if (mix.total() == 0) {
    set_error(error, "--mix: every weight is 0, so there is nothing to send");
    return std::nullopt;
  }
  return mix;
}

std::string format_mix(const Mix& mix) {
  std::string out;
  for (auto c : kAllClasses)
    out += (out.empty() ? "" : ",") + std::string(to_string(c)) + "=" + std::to_string(mix[c]);
  return out;
}

MsgClass ClassPicker::next() {
  // Smooth weighted round robin: every class gains its weight, the richest is picked and pays
  // the total. The sequence is evenly interleaved and exact over every full cycle.
  int64_t total = static_cast<int64_t>(mix_.total());
  size_t best = 0;
  for (size_t i = 0; i < kClassCount; ++i) {
    current_[i] += mix_.weight[i];
    if (mix_.weight[i] > 0 && (mix_.weight[best] == 0 || current_[i] > current_[best])) best = i;
  }
  current_[best] -= total;
  return static_cast<MsgClass>(best);
}

std::optional<Relay> parse_relay(std::string_view text, std::string* error) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    set_error(error, "--relay must be HOST=IP, e.g. out.example.org=192.0.2.10");
    return std::nullopt;
  }
  Relay r;
  std::string_view host = core::trim(text.substr(0, eq));
  std::string_view ip = core::trim(text.substr(eq + 1));
  if (!core::is_domain_name(host)) {
    set_error(error, "--relay: '" + std::string(host) + "' is not a host name");
    return std::nullopt;
  }
  auto addr = core::parse_ip(ip);
  if (!addr) {
    set_error(error, "--relay: '" + std::string(ip) + "' is not an IP address");
    return std::nullopt;
  }
  r.host = core::to_lower(host);
  r.ip = *addr;
  return r;
}

std::optional<std::vector<core::Address>> parse_recipients(std::string_view text,
                                                           std::string_view domain,
                                                           std::string* error) {
  std::vector<core::Address> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        core::trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) continue;
    auto a = core::parse_address(item);
    if (!a || item.find('<') != std::string_view::npos) {
      set_error(error, "--recipients: '" + std::string(item) + "' is not local@domain");
      return std::nullopt;
    }
    if (!core::iequals(a->domain, domain)) {
      set_error(error, "--recipients: " + a->str() + " is not in the target domain " +
                           std::string(domain));
      return std::nullopt;
    }
    for (const auto& o : out)
      if (core::iequals(o.str(), a->str())) {
        set_error(error, "--recipients names " + a->str() + " twice");
        return std::nullopt;
      }
    out.push_back(*a);
  }
  if (out.empty()) {
    set_error(error, "--recipients is empty");
    return std::nullopt;
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_drill_duration(std::string_view text,
                                                              std::string* error) {
  using std::chrono::milliseconds;
  std::string_view t = core::trim(text);
  uint64_t scale = 1000;
  std::string_view digits = t;
  if (t.ends_with("ms")) {
    scale = 1;
    digits = t.substr(0, t.size() - 2);
  } else if (t.ends_with('s')) {
    digits = t.substr(0, t.size() - 1);
  } else if (t.ends_with('m')) {
    scale = 60 * 1000;
    digits = t.substr(0, t.size() - 1);
  } else if (t.ends_with('h')) {
    scale = 3600 * 1000;
    digits = t.substr(0, t.size() - 1);
  }
  constexpr uint64_t kMaxMs = 24ull * 3600 * 1000;
  auto v = parse_uint(digits, kMaxMs);
  if (!v || *v == 0 || *v * scale > kMaxMs) {
    set_error(error,
              "--duration must be like 30s, 2m, 1h or 500ms (more than 0, at most 24h), "
              "not '" +
                  std::string(text) + "'");
    return std::nullopt;
  }
  return milliseconds(*v * scale);
}

}  // namespace backstop::drill
