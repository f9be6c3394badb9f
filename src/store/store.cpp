// Input checks and integer parsing shared by every Store backend.
#include "store/store.h"

#include <charconv>

namespace backstop::store {

Status Store::put_many(std::span<const PutItem> items) {
  for (const PutItem& i : items)
    if (Status s = put(i.key, i.value, i.expires); !s) return s;
  return Status::ok();
}

Status check_key(std::string_view key) {
  if (key.empty()) return Status::rejected("empty key");
  if (key.size() > kMaxKeyBytes) {
    return Status::rejected("key longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  return Status::ok();
}

Status check_put(std::string_view key, std::string_view value, int64_t expires) {
  if (auto s = check_key(key); !s) return s;
  if (value.size() > kMaxValueBytes) {
    return Status::rejected("value longer than " + std::to_string(kMaxValueBytes) + " bytes");
  }
  if (expires < 0) return Status::rejected("negative expiry");
  return Status::ok();
}

std::optional<int64_t> parse_int64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  size_t digits_from = text[0] == '-' ? 1 : 0;
  if (digits_from == text.size()) return std::nullopt;
  for (size_t i = digits_from; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace backstop::store
