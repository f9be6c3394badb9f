// BATV prvs signing and verification; see prvs.h. Input to verify() comes from the network
// (bounce envelope recipients): only its length, digits and hex are trusted after checking.
#include "batv/prvs.h"

#include <array>

#include "core/hmac.h"
#include "core/text.h"

namespace backstop::batv {

namespace {

constexpr std::string_view kPrefix = "prvs=";
constexpr size_t kTagLength = 10;  // KDDDSSSSSS

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// KDDDSSSSSS: one digit, three digits, six hex digits.
bool tag_syntax_ok(std::string_view t) {
  if (t.size() != kTagLength) return false;
  for (size_t i = 0; i < 4; ++i)
    if (!is_digit(t[i])) return false;
  for (size_t i = 4; i < kTagLength; ++i)
    if (!is_hex(t[i])) return false;
  return true;
}

Tag make_tag(std::string_view t, std::string_view local, std::string_view domain, bool old) {
  Tag tag;
  tag.key = t[0] - '0';
  tag.day = (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
  tag.signature = std::string(t.substr(4));
  tag.local = std::string(local);
  tag.domain = std::string(domain);
  tag.old_form = old;
  return tag;
}

// Every reading of the address as a tag, preferred first: at most the two layouts.
struct Candidates {
  std::array<Tag, 2> tags;
  size_t count = 0;
};

Candidates parse_candidates(std::string_view address) {
  Candidates out;
  if (address.size() > kMaxAddressLength || !has_prvs_prefix(address)) return out;
  const std::string_view rest = address.substr(kPrefix.size());
  const size_t at = rest.rfind('@');
  if (at == std::string_view::npos || at + 1 == rest.size()) return out;
  const std::string_view lhs = rest.substr(0, at);
  const std::string_view domain = rest.substr(at + 1);
  // Both layouts need the tag, an '=' and a local part of at least one character.
  if (lhs.size() < kTagLength + 2) return out;
  // prvs=KDDDSSSSSS=local@domain (the draft and Exim).
  if (lhs[kTagLength] == '=' && tag_syntax_ok(lhs.substr(0, kTagLength)))
    out.tags[out.count++] =
        make_tag(lhs.substr(0, kTagLength), lhs.substr(kTagLength + 1), domain, false);
  // prvs=local=KDDDSSSSSS@domain (an earlier draft).
  const size_t eq = lhs.size() - kTagLength - 1;
  if (lhs[eq] == '=' && tag_syntax_ok(lhs.substr(eq + 1)))
    out.tags[out.count++] = make_tag(lhs.substr(eq + 1), lhs.substr(0, eq), domain, true);
  return out;
}

bool has_control_char(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

int64_t mod1000(int64_t v) {
  return ((v % 1000) + 1000) % 1000;
}

}  // namespace

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kValid:
      return "valid";
    case Status::kExpired:
      return "expired";
    case Status::kBadSignature:
      return "bad-signature";
    case Status::kUntagged:
      return "untagged";
    case Status::kMalformed:
      return "malformed";
  }
  return "malformed";
}

bool has_prvs_prefix(std::string_view address) {
  return core::istarts_with(address, kPrefix);
}

std::optional<Tag> parse_tag(std::string_view address) {
  Candidates c = parse_candidates(address);
  if (c.count == 0) return std::nullopt;
  return std::move(c.tags[0]);
}

std::string strip_tag(std::string_view address) {
  std::optional<Tag> tag = parse_tag(address);
  return tag ? tag->address() : std::string(address);
}

std::string signature(std::string_view secret, int key, int day, std::string_view address) {
  std::string data;
  data.reserve(4 + address.size());
  data.push_back(static_cast<char>('0' + key));
  data.push_back(static_cast<char>('0' + day / 100 % 10));
  data.push_back(static_cast<char>('0' + day / 10 % 10));
  data.push_back(static_cast<char>('0' + day % 10));
  data.append(address);
  const auto mac = core::hmac_sha1(secret, data);
  return core::to_hex(mac.data(), 3);
}

std::optional<std::string> check_lifetime_days(int lifetime_days) {
  if (lifetime_days < 1 || lifetime_days > kMaxLifetimeDays)
    return "lifetime must be between 1 and " + std::to_string(kMaxLifetimeDays) +
           " days (a tag keeps its expiry day mod 1000), got " + std::to_string(lifetime_days);
  return std::nullopt;
}

// Why this rule: DDD only fixes the expiry day mod 1000, so it has to be placed in a window.
// The days that can be valid are today .. today + lifetime (a tag made today expires on
// today + lifetime, one made lifetime days ago expires today). If DDD names one of those days,
// that is the expiry day. Otherwise the tag cannot be one of ours that is still good: it is
// read as the latest past day with that residue, so a tag never becomes valid again when the
// day counter wraps from 999 to 000 (Exim's own check lets such stale tags through).
int64_t expiry_day(int ddd, int64_t today, int lifetime_days) {
  const int64_t ahead = mod1000(ddd - today);
  return ahead <= lifetime_days ? today + ahead : today + ahead - 1000;
}

std::optional<Prvs> Prvs::make(KeyRing ring, int lifetime_days, std::string* error) {
  if (auto why = check_lifetime_days(lifetime_days)) {
    if (error) *error = *why;
    return std::nullopt;
  }
  return Prvs(std::move(ring), lifetime_days);
}

std::optional<std::string> Prvs::sign(std::string_view address, const core::Clock& clock) const {
  const Key* key = ring_.signing_key();
  if (!key || address.size() > kMaxAddressLength) return std::nullopt;
  const std::string bare = strip_tag(address);
  const size_t at = bare.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == bare.size() || has_control_char(bare))
    return std::nullopt;
  // Domains are case-insensitive; signing the lower-case form lets the tag survive relays
  // that fold the domain's case. The local part may be case-sensitive, so it stays as written.
  const std::string plain = bare.substr(0, at + 1) + core::to_lower(bare.substr(at + 1));
  const int64_t today = core::days_since_epoch(clock.now());
  const int day = static_cast<int>(mod1000(today + lifetime_days_));
  std::string out;
  out.reserve(kPrefix.size() + kTagLength + 1 + plain.size());
  out.append(kPrefix);
  out.push_back(static_cast<char>('0' + key->number));
  out.push_back(static_cast<char>('0' + day / 100));
  out.push_back(static_cast<char>('0' + day / 10 % 10));
  out.push_back(static_cast<char>('0' + day % 10));
  out.append(signature(key->secret, key->number, day, plain));
  out.push_back('=');
  out.append(plain);
  if (out.size() > kMaxAddressLength) return std::nullopt;
  return out;
}

Verification Prvs::verify(std::string_view address, const core::Clock& clock) const {
  Verification v;
  v.address = std::string(address);
  if (!has_prvs_prefix(address)) {
    v.status = Status::kUntagged;
    return v;
  }
  const Candidates c = parse_candidates(address);
  if (c.count == 0) {
    v.status = Status::kMalformed;
    return v;
  }
  const Tag* matched = nullptr;
  for (size_t i = 0; i < c.count && !matched; ++i) {
    const Tag& tag = c.tags[i];
    const Key* key = ring_.find(tag.key);
    if (!key) continue;
    const std::string given = core::to_lower(tag.signature);
    const std::string as_written = tag.address();
    if (core::equal_constant_time(signature(key->secret, tag.key, tag.day, as_written), given)) {
      matched = &tag;
      break;
    }
    const std::string folded = tag.local + "@" + core::to_lower(tag.domain);
    if (folded != as_written &&
        core::equal_constant_time(signature(key->secret, tag.key, tag.day, folded), given))
      matched = &tag;
  }
  const Tag& tag = matched ? *matched : c.tags[0];
  v.address = tag.address();
  v.key = tag.key;
  v.key_known = ring_.find(tag.key) != nullptr;
  if (!matched) {
    v.status = Status::kBadSignature;
    return v;
  }
  const int64_t today = core::days_since_epoch(clock.now());
  v.expiry_day = expiry_day(tag.day, today, lifetime_days_);
  v.status = v.expiry_day >= today ? Status::kValid : Status::kExpired;
  return v;
}

}  // namespace backstop::batv
