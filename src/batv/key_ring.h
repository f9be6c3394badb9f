// BATV key ring: the numbered secrets (0-9) that sign and verify prvs tags, so keys can rotate.
// The key file is trusted local configuration, but its parser still reports every error with a
// line number instead of throwing or guessing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::batv {

// The tag carries the key number as one decimal digit.
inline constexpr int kMaxKeyNumber = 9;
// A key file is a handful of short lines; anything bigger is not a key file.
inline constexpr size_t kMaxKeyFileBytes = 64 * 1024;

struct Key {
  int number = 0;      // 0-9, the K of prvs=KDDDSSSSSS
  std::string secret;  // the HMAC-SHA1 key, never empty
  bool operator==(const Key&) const = default;
};

// Keys in the order they were added. Every key verifies; one of them signs: the last one added
// (the newest) unless set_signing() named another.
class KeyRing {
 public:
  // Adds a key. False (and no change) if the number is not 0-9, the secret is empty, or the
  // number is already in the ring.
  bool add(int number, std::string secret);
  // Makes key `number` the signing key. False (and no change) if it is not in the ring.
  bool set_signing(int number);

  // The key that signs new tags; nullptr only when the ring is empty.
  const Key* signing_key() const;
  // The key with this number, or nullptr.
  const Key* find(int number) const;

  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;
  int signing_ = -1;  // key number set by set_signing(), or -1 for "the last one added"
};

// One problem in a key file. line is 1-based; 0 means the file as a whole.
struct KeyFileError {
  int line = 0;
  std::string message;
  bool operator==(const KeyFileError&) const = default;
};

// "line 3: message" (or just the message for line 0).
std::string to_string(const KeyFileError& error);

// ring is set exactly when errors is empty.
struct KeyRingResult {
  std::optional<KeyRing> ring;
  std::vector<KeyFileError> errors;
};

// Parses a key file:
//   # comment          (a line whose first non-blank character is '#')
//   2 old secret       (K, blanks, then the secret: the rest of the line, trimmed)
//   3 new secret       (the key on the last line signs)
// Blank lines are ignored. Every bad line is reported; a file without keys is an error.
KeyRingResult parse_key_ring(std::string_view text);

// Reads and parses the key file at path. Read errors come back as a line-0 error.
KeyRingResult load_key_ring(const std::string& path);

}  // namespace backstop::batv
