// Report keys: the shared secrets that sign and verify UDP reports (docs/report-protocol.md),
// read from a key file. Two or more keys may be listed at once so that keys can rotate without
// dropping reports: every listed key verifies, the first one listed signs. The key file is
// local configuration, but its parser still reports every bad line and never quotes a secret.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::report {

inline constexpr size_t kMaxKeyId = 32;   // bytes of a key id on the wire
inline constexpr size_t kMinSecret = 16;  // bytes; shorter secrets are guessable
inline constexpr size_t kMaxKeyFileBytes = 64 * 1024;

// A key id (and a node id, and a reason name) is a token: 1..max bytes of letters, digits,
// '.', '_' and '-'.
bool is_token(std::string_view s, size_t max);

struct ReportKey {
  std::string id;
  std::string secret;
  bool operator==(const ReportKey&) const = default;
};

class ReportKeys {
 public:
  // False (and no change) if the id is not a token of at most kMaxKeyId bytes, the secret is
  // shorter than kMinSecret, or the id is already present.
  bool add(std::string id, std::string secret);
  // The key that signs: the first one added; nullptr when empty.
  const ReportKey* signing() const { return keys_.empty() ? nullptr : &keys_.front(); }
  const ReportKey* find(std::string_view id) const;
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }
  const std::vector<ReportKey>& keys() const { return keys_; }

 private:
  std::vector<ReportKey> keys_;
};

// keys is set exactly when errors is empty. Errors read "PATH:LINE: message" ("PATH: message"
// for the file as a whole).
struct ReportKeysResult {
  std::optional<ReportKeys> keys;
  std::vector<std::string> errors;
};

// Key file:
//   # comment                (first non-blank character '#')
//   2024b  the new secret    (id, blanks, then the secret: the rest of the line, trimmed)
//   2024a  the old secret    (still verifies; the first key listed signs)
ReportKeysResult parse_report_keys(std::string_view text, std::string_view path);
// Reads and parses the file at path (at most kMaxKeyFileBytes).
ReportKeysResult load_report_keys(const std::string& path);

}  // namespace backstop::report
