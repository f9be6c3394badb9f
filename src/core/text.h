// Small pure helpers over ASCII text: case folding, trimming, searching, splitting.
// Inputs may be arbitrary bytes from the network; nothing here assumes valid UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace backstop::core {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);
// Position of the first case-insensitive occurrence of needle in hay, or npos.
size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0);
bool icontains(std::string_view hay, std::string_view needle);
std::string_view trim(std::string_view s);
// Splits on LF, dropping a CR before it.
std::vector<std::string_view> split_lines(std::string_view s);
// Collapses runs of whitespace (including folded header lines) into single spaces.
std::string collapse_space(std::string_view s);
// Decimal day number since 1970-01-01 of a Unix time.
constexpr long long days_since_epoch(long long unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / 86400 : -((-unix_seconds + 86399) / 86400);
}

}  // namespace backstop::core
