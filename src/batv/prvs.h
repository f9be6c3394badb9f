// BATV prvs tags (draft-levine-smtp-batv-01), byte-compatible with Exim's ${prvs}/${prvscheck}:
// prvs=KDDDSSSSSS=local@domain. verify() reads untrusted envelope addresses from bounces; it
// never throws, bounds its input, and compares signatures in constant time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "batv/key_ring.h"
#include "core/clock.h"

namespace backstop::batv {

// Exim signs with "today + 7"; so do we unless configured otherwise.
inline constexpr int kDefaultLifetimeDays = 7;
// The tag keeps the expiry day mod 1000. With a lifetime of 999 days every DDD would name a day
// in the valid window and no tag could ever expire, so 998 is the most that still means anything.
inline constexpr int kMaxLifetimeDays = 998;
// Longer input is not an envelope address (RFC 5321 4.5.3.1.3 allows 256 octets for a path).
inline constexpr size_t kMaxAddressLength = 512;

enum class Status {
  kValid,         // our signature, not expired
  kExpired,       // our signature, but its day is outside [today, today + lifetime]
  kBadSignature,  // a well-formed tag that our keys did not make (unknown key numbers included)
  kUntagged,      // no "prvs=" prefix
  kMalformed,     // "prvs=" prefix, but not a tag in either form, or longer than the limit
};

// "valid", "expired", "bad-signature", "untagged", "malformed".
std::string_view to_string(Status s);

// A syntactically valid tag, split into its parts. Nothing is verified.
struct Tag {
  int key = 0;            // K, 0-9
  int day = 0;            // DDD, the expiry day mod 1000
  std::string signature;  // SSSSSS, six hex digits as written (either case)
  std::string local;      // the bare local part, as written
  std::string domain;     // as written
  bool old_form = false;  // prvs=local=KDDDSSSSSS@domain (an earlier draft's layout)
  std::string address() const { return local + "@" + domain; }
  bool operator==(const Tag&) const = default;
};

// Parses prvs=KDDDSSSSSS=local@domain or prvs=local=KDDDSSSSSS@domain; "prvs=" in any case.
// The domain is everything after the last '@'. When both layouts fit, the first one wins.
std::optional<Tag> parse_tag(std::string_view address);

// True when the address starts with "prvs=" (any case): it claims to be tagged.
bool has_prvs_prefix(std::string_view address);

// The bare address of a tagged address (the tag removed, nothing else changed), or the input
// unchanged when it is not a well-formed tag. Nothing is verified.
std::string strip_tag(std::string_view address);

// SSSSSS: the first 3 bytes, in lower-case hex, of HMAC-SHA1(secret, K DDD address), where K
// is one digit and DDD three (zero-padded); exactly what Exim computes. key 0-9, day 0-999.
std::string signature(std::string_view secret, int key, int day, std::string_view address);

struct Verification {
  Status status = Status::kUntagged;
  // The bare address (tag removed, as written) for tagged input; the input itself when
  // untagged or malformed.
  std::string address;
  int key = -1;            // the tag's key number; -1 when untagged or malformed
  bool key_known = false;  // that key number is in the ring (false explains some bad signatures)
  // Valid: the last day (days since 1970-01-01, UTC) on which the tag verifies.
  // Expired: the day it last verified. -1 otherwise.
  int64_t expiry_day = -1;
};

// Signing and verifying with one key ring and lifetime: an immutable, validated snapshot.
class Prvs {
 public:
  // nullopt, and *error set if error is given, when lifetime_days is not in [1, 998].
  static std::optional<Prvs> make(KeyRing ring, int lifetime_days = kDefaultLifetimeDays,
                                  std::string* error = nullptr);

  // prvs=KDDDSSSSSS=local@domain with the signing key and DDD = (today + lifetime) mod 1000.
  // The local part is kept as written; the domain is lower-cased before signing. An address
  // that is already tagged is re-signed, not tagged twice. nullopt if the address is not
  // local@domain (both non-empty), contains control characters, or the result would exceed
  // kMaxAddressLength.
  std::optional<std::string> sign(std::string_view address, const core::Clock& clock) const;

  // Checks a tag in either form. The signature covers local@domain exactly as written; if that
  // fails, local@lower-case(domain) is tried too (so a relay that folds the domain's case does
  // not break our tags, and Exim's mixed-case tags still verify). The signature is checked
  // first, then the day: see docs/batv.md "Expiry" for the exact rule.
  Verification verify(std::string_view address, const core::Clock& clock) const;

  const KeyRing& keys() const { return ring_; }
  int lifetime_days() const { return lifetime_days_; }

 private:
  Prvs(KeyRing ring, int lifetime_days) : ring_(std::move(ring)), lifetime_days_(lifetime_days) {}

  KeyRing ring_;
  int lifetime_days_;
};

// Empty when lifetime_days can be used, otherwise the reason it cannot.
std::optional<std::string> check_lifetime_days(int lifetime_days);

// The expiry-window rule on its own (days since 1970-01-01). A tag whose day is ddd is valid
// on day `today` when (ddd - today) mod 1000 <= lifetime_days; its expiry day is then today
// plus that distance. Otherwise it expired on the most recent earlier day that is ddd mod 1000.
// Returns that expiry day; valid iff the result >= today.
int64_t expiry_day(int ddd, int64_t today, int lifetime_days);

}  // namespace backstop::batv
