// BATV key ring and key-file parser; see key_ring.h. Error messages never quote a line's text,
// because a mistyped line may well be a secret.
#include "batv/key_ring.h"

#include "core/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "core/text.h"

namespace backstop::batv {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

bool KeyRing::add(int number, std::string secret) {
  if (number < 0 || number > kMaxKeyNumber || secret.empty() || find(number)) return false;
  keys_.push_back(Key{number, std::move(secret)});
  return true;
}

bool KeyRing::set_signing(int number) {
  if (!find(number)) return false;
  signing_ = number;
  return true;
}

const Key* KeyRing::signing_key() const {
  if (keys_.empty()) return nullptr;
  if (signing_ >= 0) return find(signing_);
  return &keys_.back();
}

const Key* KeyRing::find(int number) const {
  for (const Key& k : keys_)
    if (k.number == number) return &k;
  return nullptr;
}

std::string to_string(const KeyFileError& error) {
  if (error.line <= 0) return error.message;
  return "line " + std::to_string(error.line) + ": " + error.message;
}

KeyRingResult parse_key_ring(std::string_view text) {
  KeyRingResult result;
  KeyRing ring;
  std::map<int, int> first_line;  // key number -> line that defined it
  int line_no = 0;
  for (std::string_view raw : core::split_lines(text)) {
    ++line_no;
    std::string_view line = core::trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto error = [&](std::string message) {
      result.errors.push_back(KeyFileError{line_no, std::move(message)});
    };
    if (!is_digit(line[0])) {
      error("expected a key number 0-9, then blanks and the secret");
      continue;
    }
    if (line.size() > 1 && is_digit(line[1])) {
      error("key number must be a single digit 0-9");
      continue;
    }
    if (line.size() > 1 && !is_blank(line[1])) {
      error("the key number must be followed by blanks and the secret");
      continue;
    }
    const int number = line[0] - '0';
    const std::string_view secret = core::trim(line.substr(1));
    if (secret.empty()) {
      error("key " + std::to_string(number) + " has an empty secret");
      continue;
    }
    if (auto it = first_line.find(number); it != first_line.end()) {
      error("key " + std::to_string(number) + " is defined twice (first on line " +
            std::to_string(it->second) + ")");
      continue;
    }
    first_line[number] = line_no;
    ring.add(number, std::string(secret));
  }
  if (result.errors.empty() && ring.empty())
    result.errors.push_back(
        KeyFileError{0, "no keys (expected lines 'K secret', K a key number 0-9)"});
  if (result.errors.empty()) result.ring = std::move(ring);
  return result;
}

KeyRingResult load_key_ring(const std::string& path) {
  std::string text;
  if (auto why = core::read_small_file(path, kMaxKeyFileBytes, text)) {
    KeyRingResult result;
    bool too_big = why->rfind("larger than", 0) == 0;
    result.errors.push_back(KeyFileError{0, path + ": " + *why + (too_big ? "; not a key file" : "")});
    return result;
  }
  return parse_key_ring(text);
}

}  // namespace backstop::batv
