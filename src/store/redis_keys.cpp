// Redis store helpers: parsing and formatting only.
#include "store/redis_keys.h"

#include <random>

#include "store/store.h"

namespace backstop::store {

namespace {

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<int> parse_port(std::string_view s) {
  auto v = parse_int64(s);
  if (!v || *v < 1 || *v > 65535 || s[0] == '-') return std::nullopt;
  return static_cast<int>(*v);
}

}  // namespace

std::optional<HostPort> parse_host_port(std::string_view text) {
  if (text.empty() || text.size() > 300) return std::nullopt;
  for (char c : text) {
    if (c <= ' ' || c == 0x7f) return std::nullopt;
  }
  HostPort hp;
  std::string_view rest;
  if (text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    hp.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return std::nullopt;
  } else {
    size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return std::nullopt;  // a bare IPv6 address is ambiguous: it needs brackets
    }
    hp.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) rest = text.substr(colon);
  }
  if (hp.host.empty()) return std::nullopt;
  if (!rest.empty()) {
    auto port = parse_port(rest.substr(1));
    if (!port) return std::nullopt;
    hp.port = *port;
  }
  return hp;
}

std::string glob_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '^' || c == '-') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string encode_cursor(const std::vector<FeedPos>& positions) {
  std::string out = "r1;";
  for (size_t i = 0; i < positions.size(); ++i) {
    if (i) out += ',';
    out += positions[i].epoch;
    out += ':';
    out += std::to_string(positions[i].seq);
  }
  return out;
}

std::optional<std::vector<FeedPos>> decode_cursor(std::string_view text, size_t servers) {
  if (!text.starts_with("r1;") || servers == 0) return std::nullopt;
  text.remove_prefix(3);
  std::vector<FeedPos> out;
  while (true) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view epoch = part.substr(0, colon);
    auto seq = parse_int64(part.substr(colon + 1));
    if (epoch.size() > 32 || !is_hex(epoch) || !seq || *seq < 0) return std::nullopt;
    if (epoch.empty() && *seq != 0) return std::nullopt;
    out.push_back(FeedPos{std::string(epoch), *seq});
    if (out.size() > servers) return std::nullopt;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.size() != servers) return std::nullopt;
  return out;
}

std::optional<int64_t> stream_seq(std::string_view id) {
  size_t dash = id.find('-');
  if (dash == std::string_view::npos || id.substr(dash + 1) != "0") return std::nullopt;
  auto seq = parse_int64(id.substr(0, dash));
  if (!seq || *seq <= 0) return std::nullopt;
  return seq;
}

std::string new_epoch() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 0xf];
  return out;
}

}  // namespace backstop::store
