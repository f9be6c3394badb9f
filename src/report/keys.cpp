// Report keys and the key-file parser; see keys.h. Error messages never quote a line's text,
// because a mistyped line may well be a secret.
#include "report/keys.h"

#include "core/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/text.h"

namespace backstop::report {

bool is_token(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ReportKeys::add(std::string id, std::string secret) {
  if (!is_token(id, kMaxKeyId) || secret.size() < kMinSecret || find(id)) return false;
  keys_.push_back(ReportKey{std::move(id), std::move(secret)});
  return true;
}

const ReportKey* ReportKeys::find(std::string_view id) const {
  for (const ReportKey& k : keys_)
    if (k.id == id) return &k;
  return nullptr;
}

ReportKeysResult parse_report_keys(std::string_view text, std::string_view path) {
  ReportKeysResult result;
  ReportKeys keys;
  int line_no = 0;
  for (std::string_view raw : core::split_lines(text)) {
    ++line_no;
    const std::string_view line = core::trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto error = [&](const std::string& message) {
      result.errors.push_back(std::string(path) + ":" + std::to_string(line_no) + ": " + message);
    };
    size_t end = 0;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    const std::string_view id = line.substr(0, end);
    const std::string_view secret = core::trim(line.substr(end));
    if (!is_token(id, kMaxKeyId)) {
      error("a key id is 1-" + std::to_string(kMaxKeyId) +
            " letters, digits, '.', '_' or '-', followed by blanks and the secret");
      continue;
    }
    if (secret.size() < kMinSecret) {
      error("key " + std::string(id) + " has a secret shorter than " + std::to_string(kMinSecret) +
            " bytes");
      continue;
    }
    if (keys.find(id)) {
      error("key " + std::string(id) + " is defined twice");
      continue;
    }
    keys.add(std::string(id), std::string(secret));
  }
  if (result.errors.empty() && keys.empty())
    result.errors.push_back(std::string(path) + ": no keys (expected lines 'ID SECRET')");
  if (result.errors.empty()) result.keys = std::move(keys);
  return result;
}

ReportKeysResult load_report_keys(const std::string& path) {
  std::string text;
  if (auto why = core::read_small_file(path, kMaxKeyFileBytes, text)) {
    ReportKeysResult result;
    result.errors.push_back(path + ": " + *why);
    return result;
  }
  return parse_report_keys(text, path);
}

}  // namespace backstop::report
