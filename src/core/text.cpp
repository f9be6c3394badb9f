// Pure ASCII text helpers; see text.h.
#include "core/text.h"

#include <algorithm>
#include <cstring>

namespace backstop::core {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

size_t ifind(std::string_view hay, std::string_view needle, size_t from) {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (hay.size() < needle.size() || from > hay.size() - needle.size())
    return std::string_view::npos;
  // The first byte is located with memchr, once per case, so the scan between candidates runs
  // at memory speed; each case's next position is kept until passed, which keeps it linear.
  const char lo = ascii_lower(needle[0]);
  const char up = (lo >= 'a' && lo <= 'z') ? char(lo - 'a' + 'A') : lo;
  const char* base = hay.data();
  const char* end = base + (hay.size() - needle.size()) + 1;  // one past the last start
  auto next = [end](const char* p, char c) -> const char* {
    const void* r = std::memchr(p, c, static_cast<size_t>(end - p));
    return r ? static_cast<const char*>(r) : end;
  };
  const char* p = base + from;
  const char* at_lo = next(p, lo);
  const char* at_up = up == lo ? end : next(p, up);
  while (true) {
    const char* cand = at_lo < at_up ? at_lo : at_up;
    if (cand == end) return std::string_view::npos;
    size_t j = 1;
    while (j < needle.size() && ascii_lower(cand[j]) == ascii_lower(needle[j])) ++j;
    if (j == needle.size()) return static_cast<size_t>(cand - base);
    p = cand + 1;
    if (at_lo == cand) at_lo = p < end ? next(p, lo) : end;
    if (at_up == cand) at_up = p < end ? next(p, up) : end;
  }
}

bool icontains(std::string_view hay, std::string_view needle) {
  return ifind(hay, needle) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    size_t end = nl == std::string_view::npos ? s.size() : nl;
    size_t stop = end;
    if (stop > start && s[stop - 1] == '\r') --stop;
    lines.push_back(s.substr(start, stop - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

std::string collapse_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace backstop::core
