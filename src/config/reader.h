// Internal to the config module: typed reading of one TOML table with every problem reported
// (key path, line, column, message) to a Sink instead of thrown. load.cpp walks the sections
// with it. The TOML file is trusted local input, but typos must be reported, not guessed at.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace backstop::config::detail {

using Pos = toml::source_position;

// Collects errors and warnings while a file is read.
struct Sink {
  std::vector<ConfigError> errors;
  std::vector<ConfigError> warnings;
  void error(std::string key, Pos p, std::string message);
  void warning(std::string key, Pos p, std::string message);
  // Into file order; problems without a line (whole-file ones) last.
  void sort();
};

// "a string", "an integer", ... for messages.
const char* type_name(const toml::node& n);

// The candidate closest to word (by edit distance, ignoring case), or "" when none is close
// enough to be a likely typo.
std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates);

// The section's table, or an empty one when the file has none (or it is not a table).
const toml::table& section(const toml::table& root, std::string_view name);

// One string from the file with where it stood.
struct Item {
  std::string value;
  Pos pos;
};

// Reads the keys of one table ("section"). An absent key keeps the caller's default; a key with
// a wrong type or value is reported and keeps it too. Each getter returns true when it stored.
class Reader {
 public:
  Reader(const toml::table& table, std::string section, Sink& sink)
      : t_(table), section_(std::move(section)), sink_(sink) {}

  std::string path(std::string_view key) const { return section_ + "." + std::string(key); }
  const toml::node* get(std::string_view key) const { return t_.get(key); }
  bool has(std::string_view key) const { return get(key) != nullptr; }
  // Where the key's value stands, or the table itself when it is absent.
  Pos pos(std::string_view key) const;
  Sink& sink() { return sink_; }

  void error(std::string_view key, Pos p, std::string message);
  void warning(std::string_view key, Pos p, std::string message);
  void type_error(std::string_view key, const toml::node& n, const char* expected);

  bool string(std::string_view key, std::string& out);
  bool boolean(std::string_view key, bool& out);
  bool integer(std::string_view key, int64_t& out, int64_t min, int64_t max);
  template <typename T>
  bool integer(std::string_view key, T& out, int64_t min, int64_t max) {
    int64_t v = 0;
    if (!integer(key, v, min, max)) return false;
    out = T(v);
    return true;
  }
  // An integer number of seconds or a string "30s", "5m", "2h", "1d".
  bool duration(std::string_view key, Seconds& out, bool zero_ok);
  // An integer number of bytes or a string "512K", "25M", "1G"; never zero.
  bool size(std::string_view key, uint64_t& out);
  // A string or an array of strings; nullopt when absent or of the wrong type.
  std::optional<std::vector<Item>> strings(std::string_view key);

  // One of a fixed set of words.
  template <typename T>
  bool choice(std::string_view key, T& out,
              std::initializer_list<std::pair<std::string_view, T>> choices) {
    std::string word;
    if (!string(key, word)) return false;
    std::string words;
    for (const auto& [name, value] : choices) {
      if (word == name) {
        out = value;
        return true;
      }
      words += (words.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    }
    error(key, pos(key), "'" + word + "' is not one of " + words);
    return false;
  }

 private:
  const toml::table& t_;
  std::string section_;
  Sink& sink_;
};

}  // namespace backstop::config::detail
