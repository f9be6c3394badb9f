// Typed reading of TOML tables with errors collected, not thrown; see reader.h.
#include "config/reader.h"

#include <algorithm>

#include "config/durations.h"
#include "core/text.h"

namespace backstop::config::detail {
namespace {

std::string text_of(const toml::node& n) {
  if (n.is_string()) return std::string(n.as_string()->get());
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  return type_name(n);
}

// Edits (insert, delete, replace, swap two neighbours) from a to b, ignoring case: the optimal
// string alignment distance, so that "strom" is one edit from "storm".
size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  auto eq = [](char x, char y) { return core::ascii_lower(x) == core::ascii_lower(y); };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (eq(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && eq(a[i - 1], b[j - 2]) && eq(a[i - 2], b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

ConfigError make(std::string key, Pos p, std::string message) {
  return ConfigError{std::move(key), int(p.line), int(p.column), std::move(message)};
}

}  // namespace

void Sink::error(std::string key, Pos p, std::string message) {
  errors.push_back(make(std::move(key), p, std::move(message)));
}

void Sink::warning(std::string key, Pos p, std::string message) {
  warnings.push_back(make(std::move(key), p, std::move(message)));
}

void Sink::sort() {
  auto order = [](const ConfigError& a, const ConfigError& b) {
    auto rank = [](const ConfigError& e) {
      return std::pair(e.line == 0 ? INT32_MAX : e.line, e.column);
    };
    return rank(a) < rank(b);
  };
  std::stable_sort(errors.begin(), errors.end(), order);
  std::stable_sort(warnings.begin(), warnings.end(), order);
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (auto c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // A third of the word may be wrong (one letter in short words): "hostnme", "max_recipient",
  // "recipient_file", "Listen". Anything further off is more likely a different key.
  size_t allowed = std::max<size_t>(1, word.size() / 3);
  if (best.empty() || best_distance > allowed) return "";
  return std::string(best);
}

Pos Reader::pos(std::string_view key) const {
  const toml::node* n = get(key);
  return n ? n->source().begin : t_.source().begin;
}

void Reader::error(std::string_view key, Pos p, std::string message) {
  sink_.error(path(key), p, std::move(message));
}

void Reader::warning(std::string_view key, Pos p, std::string message) {
  sink_.warning(path(key), p, std::move(message));
}

void Reader::type_error(std::string_view key, const toml::node& n, const char* expected) {
  error(key, n.source().begin, std::string("expected ") + expected + ", got " + type_name(n));
}

bool Reader::string(std::string_view key, std::string& out) {
  const toml::node* n = get(key);
  if (!n) return false;
  if (!n->is_string()) {
    type_error(key, *n, "a string");
    return false;
  }
  out = n->as_string()->get();
  return true;
}

bool Reader::boolean(std::string_view key, bool& out) {
  const toml::node* n = get(key);
  if (!n) return false;
  if (!n->is_boolean()) {
    type_error(key, *n, "true or false");
    return false;
  }
  out = n->as_boolean()->get();
  return true;
}

bool Reader::integer(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  const toml::node* n = get(key);
  if (!n) return false;
  if (!n->is_integer()) {
    type_error(key, *n, "an integer");
    return false;
  }
  int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    error(key, n->source().begin,
          std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
              std::to_string(max) + ")");
    return false;
  }
  out = v;
  return true;
}

bool Reader::duration(std::string_view key, Seconds& out, bool zero_ok) {
  const toml::node* n = get(key);
  if (!n) return false;
  std::optional<Seconds> d;
  if (n->is_integer()) {
    int64_t v = n->as_integer()->get();
    if (v >= 0 && v <= int64_t(UINT32_MAX)) d = Seconds(v);
  } else if (n->is_string()) {
    d = parse_duration(n->as_string()->get());
  } else {
    type_error(key, *n, "a duration (\"30s\", \"5m\", \"2h\", \"1d\" or seconds)");
    return false;
  }
  if (!d) {
    error(key, n->source().begin,
          "'" + text_of(*n) +
              "' is not a duration (\"30s\", \"5m\", \"2h\", \"1d\" or a whole "
              "number of seconds)");
    return false;
  }
  if (!zero_ok && d->count() == 0) {
    error(key, n->source().begin, "must be more than zero");
    return false;
  }
  out = *d;
  return true;
}

bool Reader::size(std::string_view key, uint64_t& out) {
  const toml::node* n = get(key);
  if (!n) return false;
  std::optional<uint64_t> s;
  if (n->is_integer()) {
    int64_t v = n->as_integer()->get();
    if (v >= 0) s = uint64_t(v);
  } else if (n->is_string()) {
    s = parse_size(n->as_string()->get());
  } else {
    type_error(key, *n, "a size (\"512K\", \"25M\", \"1G\" or bytes)");
    return false;
  }
  if (!s) {
    error(key, n->source().begin,
          "'" + text_of(*n) + "' is not a size (\"512K\", \"25M\", \"1G\" or a number of bytes)");
    return false;
  }
  if (*s == 0) {
    error(key, n->source().begin, "must be more than zero");
    return false;
  }
  out = *s;
  return true;
}

std::optional<std::vector<Item>> Reader::strings(std::string_view key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  std::vector<Item> items;
  if (n->is_string()) {
    items.push_back({std::string(n->as_string()->get()), n->source().begin});
    return items;
  }
  if (!n->is_array()) {
    type_error(key, *n, "a string or an array of strings");
    return std::nullopt;
  }
  bool ok = true;
  for (const toml::node& e : *n->as_array()) {
    if (!e.is_string()) {
      type_error(key, e, "a string");
      ok = false;
      continue;
    }
    items.push_back({std::string(e.as_string()->get()), e.source().begin});
  }
  if (!ok) return std::nullopt;
  return items;
}

const toml::table& section(const toml::table& root, std::string_view name) {
  static const toml::table kEmpty;
  const toml::node* n = root.get(name);
  return n && n->is_table() ? *n->as_table() : kEmpty;
}

}  // namespace backstop::config::detail
