// Header list and plain-text header block parser; see headers.h. RFC 5322 2.2 (fields),
// 2.2.3 (folding). Liberal in what it reads: real bounces quote headers sloppily.
#include "message/headers.h"

#include <gmime/gmime.h>

#include "core/text.h"

namespace backstop::message {

using core::iequals;

void Headers::add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

namespace {

// Field names compared case-insensitively; the length first, since most differ in it.
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && iequals(a, b);
}

}  // namespace

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& h : fields_)
    if (same_name(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

std::string_view Headers::get_or_empty(std::string_view name) const {
  auto v = get(name);
  return v ? *v : std::string_view();
}

std::vector<std::string_view> Headers::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& h : fields_)
    if (same_name(h.name, name)) out.emplace_back(h.value);
  return out;
}

namespace {

// Length of the field name if line starts a header field ("Name:"), else 0.
size_t field_name_length(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 76) {
    char c = line[i];
    if (c == ':') return i;
    // RFC 5322 3.6.8 ftext is printable ASCII except colon; be stricter to avoid prose.
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return 0;
    ++i;
  }
  return 0;
}

bool is_continuation(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t') && !core::trim(line).empty();
}

bool is_identifying(std::string_view name) {
  return iequals(name, "Received") || iequals(name, "Message-ID") || iequals(name, "From") ||
         iequals(name, "Subject") || iequals(name, "Date") || iequals(name, "To") ||
         iequals(name, "Return-Path");
}

struct LineCursor {
  std::string_view text;
  size_t pos = 0;
  // Next line without its terminator; sets next to the start of the following line.
  bool next(std::string_view& line, size_t& start) {
    if (pos >= text.size()) return false;
    start = pos;
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  }
};

}  // namespace

HeaderBlock parse_header_block(std::string_view text, size_t max_headers) {
  HeaderBlock block;
  LineCursor cur{text};
  std::string_view line;
  size_t start = 0;
  std::string name, value;
  bool have = false;
  bool first = true;
  auto flush = [&] {
    if (have && block.headers.size() < max_headers)
      block.headers.add(std::move(name), std::string(core::trim(value)));
    have = false;
    name.clear();
    value.clear();
  };
  while (cur.next(line, start)) {
    if (first && line.starts_with("From ")) {  // mbox separator
      first = false;
      continue;
    }
    first = false;
    if (line.empty() || core::trim(line).empty()) {
      flush();
      block.body_offset = cur.pos;
      block.complete = true;
      return block;
    }
    if (is_continuation(line)) {
      if (have) {
        value.push_back(' ');
        value.append(core::trim(line));
      }
      continue;
    }
    size_t n = field_name_length(line);
    if (n == 0) {  // not a header: the block ends here and this line is body
      flush();
      block.body_offset = start;
      return block;
    }
    flush();
    name.assign(line.substr(0, n));
    value.assign(line.substr(n + 1));
    have = true;
  }
  flush();
  block.body_offset = text.size();
  return block;
}

std::optional<HeaderBlock> find_header_block(std::string_view text, size_t max_headers) {
  LineCursor cur{text};
  std::string_view line;
  size_t start = 0;
  size_t best_start = std::string_view::npos;
  int best_score = 0;
  size_t run_start = std::string_view::npos;
  int run_score = 0;
  bool prev_header = false;
  auto close_run = [&] {
    if (run_start != std::string_view::npos && run_score > best_score) {
      best_score = run_score;
      best_start = run_start;
    }
    run_start = std::string_view::npos;
    run_score = 0;
  };
  while (cur.next(line, start)) {
    if (prev_header && is_continuation(line)) continue;
    size_t n = field_name_length(line);
    if (n > 0 && n + 1 <= line.size()) {
      if (run_start == std::string_view::npos) run_start = start;
      if (is_identifying(line.substr(0, n))) ++run_score;
      prev_header = true;
      continue;
    }
    prev_header = false;
    close_run();
  }
  close_run();
  // One identifying field could be prose ("Subject: ..." in a sentence); ask for two.
  if (best_start == std::string_view::npos || best_score < 2) return std::nullopt;
  HeaderBlock block = parse_header_block(text.substr(best_start), max_headers);
  block.body_offset += best_start;
  return block;
}

std::string decode_words(std::string_view value) {
  if (value.find("=?") == std::string_view::npos) return std::string(value);
  std::string in(value);
  char* out = g_mime_utils_header_decode_text(nullptr, in.c_str());
  if (!out) return in;
  std::string result(out);
  g_free(out);
  return result;
}

}  // namespace backstop::message
