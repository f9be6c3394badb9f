// Durations and byte sizes as written in the configuration file; see durations.h.
#include "config/durations.h"

#include <cstddef>

#include "core/text.h"

namespace backstop::config {
namespace {

// The leading digits of text as a number, or nullopt when there are none or it overflows.
std::optional<uint64_t> leading_number(std::string_view text, size_t& used) {
  used = 0;
  uint64_t n = 0;
  while (used < text.size() && text[used] >= '0' && text[used] <= '9') {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + uint64_t(text[used] - '0');
    ++used;
  }
  if (used == 0) return std::nullopt;
  return n;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  size_t used = 0;
  auto n = leading_number(text, used);
  if (!n) return std::nullopt;
  std::string_view unit = text.substr(used);
  uint64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "d")
    scale = 86400;
  else
    return std::nullopt;
  constexpr uint64_t kMax = UINT32_MAX;
  if (*n > kMax / scale) return std::nullopt;
  return std::chrono::seconds(int64_t(*n * scale));
}

std::string format_duration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::optional<uint64_t> parse_size(std::string_view text) {
  size_t used = 0;
  auto n = leading_number(text, used);
  if (!n) return std::nullopt;
  std::string unit = core::to_lower(text.substr(used));
  uint64_t scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    scale = uint64_t(1) << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    scale = uint64_t(1) << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    scale = uint64_t(1) << 30;
  else
    return std::nullopt;
  constexpr uint64_t kMax = uint64_t(1) << 53;
  if (*n > kMax / scale) return std::nullopt;
  return *n * scale;
}

std::string format_size(uint64_t bytes) {
  if (bytes != 0 && bytes % (uint64_t(1) << 30) == 0) return std::to_string(bytes >> 30) + "G";
  if (bytes != 0 && bytes % (uint64_t(1) << 20) == 0) return std::to_string(bytes >> 20) + "M";
  if (bytes != 0 && bytes % (uint64_t(1) << 10) == 0) return std::to_string(bytes >> 10) + "K";
  return std::to_string(bytes);
}

}  // namespace backstop::config
